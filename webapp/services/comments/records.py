"""Comments brought from elsewhere (an export, WordPress, Waline, Twikoo) saved as rows.

Every path in goes through `save`: Markdown is rendered by the comment pipeline, HTML is
cut to the comment allow-list, replies are attached to their parent one level deep, and a
comment already stored (same article, time, name and text) is not stored again.
"""

from __future__ import annotations

import html as html_module
from dataclasses import dataclass, field
from datetime import datetime

import nh3
from sqlalchemy import select

from ...content.commentmd import MAX_COMMENT_CHARS, CommentRefused, render_comment
from ...content.messages import N_
from ...content.sanitize import sanitize_comment_html
from ...extensions import db
from ...models import COMMENT_APPROVED, COMMENT_PENDING, COMMENT_SPAM, Comment
from .posting import MAX_EMAIL, MAX_NAME, MAX_WEBSITE, clean_website
from .spam import CommentRejected

STATUSES = (COMMENT_PENDING, COMMENT_APPROVED, COMMENT_SPAM)
# Stored HTML longer than this is not read: the source is rendered instead.
MAX_STORED_HTML = 2_000_000


@dataclass
class CommentRecord:
    """One comment as a source describes it; `key` and `parent_key` are the source's ids."""

    key: str
    parent_key: str | None
    name: str
    email: str | None
    website: str | None
    created_at: datetime  # naive UTC
    status: str
    text: str  # Markdown, or HTML when `is_html`
    is_html: bool = False
    # The HTML an export of this blog stored beside the source: kept (allow-listed again),
    # so a comment brought from HTML shows as it did.
    html: str | None = None
    approved_at: datetime | None = None
    by_author: bool = False
    notify_replies: bool = False


@dataclass
class SaveReport:
    """What `save` did with a list of records."""

    added: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # report texts (N_), one per comment


def _html_of(record: CommentRecord) -> tuple[str, str]:
    """Return (source, HTML) for a record; raise CommentRefused when it cannot be shown."""
    if record.html is not None and len(record.html) <= MAX_STORED_HTML:
        # A Markdown comment renders to what was stored: rendered again, formulas keep
        # their KaTeX styles. Otherwise it came from HTML: its HTML, allow-listed again.
        try:
            rendered = render_comment(record.text).html
        except CommentRefused:
            rendered = None
        if rendered == record.html:
            return record.text, rendered
        return record.text, sanitize_comment_html(record.html)
    if not record.is_html:
        return record.text, render_comment(record.text).html
    if len(record.text) > MAX_COMMENT_CHARS:
        raise CommentRefused(
            N_("the comment is longer than %(limit)s characters") % {"limit": MAX_COMMENT_CHARS}
        )
    clean = sanitize_comment_html(record.text)
    # The stored source of an HTML comment is its text: JSON-LD and mail quote it as words.
    text = html_module.unescape(nh3.clean(clean.replace("</p>", "</p>\n"), tags=set())).strip()
    if not text:
        raise CommentRefused(N_("the comment is empty"))
    return text, clean


def _short(value: str | None, limit: int) -> str | None:
    value = " ".join((value or "").split())
    return value[:limit] or None


def save(article_id: int, records: list[CommentRecord]) -> SaveReport:
    """Add an article's comments that are not stored yet, parents first; flush, no commit.

    A record that cannot be rendered is skipped and reported; its replies join the thread
    of the parent's parent when there is one, else they stand alone.
    """
    report = SaveReport()
    existing = {
        (row.created_at, row.name, row.source_md): row
        for row in db.session.scalars(select(Comment).where(Comment.article_id == article_id))
    }
    by_key = {record.key: record for record in records}
    rows: dict[str, Comment] = {}
    # Parents before their replies, even when an export's clocks say otherwise.
    depth = {record.key: _depth(record, by_key) for record in records}
    for record in sorted(records, key=lambda r: (depth[r.key], r.created_at, r.key)):
        try:
            source, html = _html_of(record)
        except CommentRefused as refused:
            what = N_("comment by %(name)s of %(time)s: %(reason)s")
            report.skipped.append(
                what % {"name": record.name, "time": record.created_at, "reason": refused}
            )
            continue
        name = _short(record.name, MAX_NAME) or "Anonymous"
        found = existing.get((record.created_at, name, source))
        if found is not None:
            rows[record.key] = found
            report.unchanged += 1
            continue
        parent = _parent(record, by_key, rows)
        comment = Comment(
            article_id=article_id,
            parent_id=parent.id if parent else None,
            status=record.status if record.status in STATUSES else COMMENT_PENDING,
            name=name,
            email=_short(record.email, MAX_EMAIL),
            website=_website(record.website),
            by_author=record.by_author,
            notify_replies=record.notify_replies and bool(record.email),
            created_at=record.created_at,
            approved_at=record.approved_at
            or (record.created_at if record.status == COMMENT_APPROVED else None),
            source_md=source,
            html=html,
        )
        db.session.add(comment)
        db.session.flush()
        rows[record.key] = comment
        existing[(record.created_at, name, source)] = comment
        report.added += 1
    return report


def _depth(record: CommentRecord, by_key: dict[str, CommentRecord]) -> int:
    """Return how many known ancestors a record has (a loop counts as none further)."""
    seen = {record.key}
    key, depth = record.parent_key, 0
    while key in by_key and key not in seen:
        seen.add(key)
        depth += 1
        key = by_key[key].parent_key
    return depth


def _parent(record: CommentRecord, by_key: dict, rows: dict[str, Comment]) -> Comment | None:
    """Return the thread's first comment a record replies to, or None (one level deep)."""
    seen = set()
    key = record.parent_key
    while key and key not in rows and key in by_key and key not in seen:
        seen.add(key)  # the parent was skipped: climb to its own parent
        key = by_key[key].parent_key
    parent = rows.get(key) if key else None
    if parent is None:
        return None
    return parent.parent or parent


def _website(value: str | None) -> str | None:
    """Return a commenter's website when it is an http(s) address, else None."""
    try:
        website = clean_website(value)
    except CommentRejected:
        return None
    return website if website and len(website) <= MAX_WEBSITE else None
