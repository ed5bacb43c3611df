"""A reader's comment from the form to its row: checked, rendered, stored, announced."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import exists, select

from ...content.commentmd import CommentRefused, render_comment
from ...content.messages import N_
from ...extensions import db
from ...models import COMMENT_APPROVED, COMMENT_PENDING, Article, Comment, utcnow
from . import settings, spam, threads
from .spam import CommentRejected

MAX_NAME = 80
MAX_EMAIL = 254
MAX_WEBSITE = 500
# Enough to tell a typo from an address; the address is checked by sending to it.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
_HOST = re.compile(r"[\w.-]+|\[[0-9a-fA-F:.]+\]")
_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")


@dataclass(frozen=True)
class Draft:
    """What a reader sent: the form's fields, untrusted."""

    name: str
    email: str
    website: str
    body: str
    parent_id: int | None = None
    notify_replies: bool = False


def owner_hash(key: str) -> str:
    """Return what is stored of a reader's comment cookie: its SHA-256."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def clean_email(value: str | None) -> str | None:
    """Return an email address stripped, or None when empty; raise CommentRejected if malformed."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
        raise CommentRejected(N_("the email address %(email)s is not valid") % {"email": value})
    return value


def clean_website(value: str | None) -> str | None:
    """Return a website address (http or https), or None; raise CommentRejected otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    if not _SCHEME.match(value):
        value = f"https://{value}"  # "example.com" as people write it
    parts = urlsplit(value)
    try:
        host = parts.hostname
    except ValueError:  # a malformed port or bracket
        host = None
    if (
        len(value) > MAX_WEBSITE
        or parts.scheme.lower() not in ("http", "https")
        or not host
        or not _HOST.fullmatch(host)
    ):
        raise CommentRejected(N_("the website must be an http or https address"))
    return value


def clean_name(value: str | None) -> str:
    """Return a commenter's name, stripped; raise CommentRejected when missing or too long."""
    value = " ".join((value or "").split())
    if not value:
        raise CommentRejected(N_("please give a name"))
    if len(value) > MAX_NAME:
        raise CommentRejected(
            N_("the name is longer than %(limit)s characters") % {"limit": MAX_NAME}
        )
    return value


def preview(body: str) -> str:
    """Return a comment's HTML as it would be stored; raise CommentRejected when refused."""
    try:
        return render_comment(body).html
    except CommentRefused as refused:
        raise CommentRejected(str(refused)) from None


def _parent(article: Article, parent_id: int | None) -> Comment | None:
    """Return the approved comment a reply answers (its thread's first comment), or None."""
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.article_id != article.id or parent.status != COMMENT_APPROVED:
        raise CommentRejected(N_("the comment this replies to does not exist"), 404)
    # Replies nest one level: a reply to a reply joins the thread it is in.
    return parent.parent or parent


def _known(email: str | None) -> bool:
    """Tell whether this email already has an approved comment."""
    if email is None:
        return False
    earlier = select(Comment.id).where(Comment.email == email, Comment.status == COMMENT_APPROVED)
    return bool(db.session.scalar(select(exists(earlier))))


def post(
    article: Article, draft: Draft, *, address: str, owner_key: str, token: str, trap: str
) -> Comment:
    """Store a reader's comment, pending or approved, and queue its mail; return it.

    Raises CommentRejected (with its HTTP status) and stores nothing when a check fails.
    """
    spam.check_form(token, article.id, trap)
    if threads.is_closed(article):
        raise CommentRejected(N_("comments are closed on this article"), 403)
    name = clean_name(draft.name)
    email = clean_email(draft.email)
    website = clean_website(draft.website)
    row = settings.current()
    spam.check_blocklist(
        settings.read_blocklist(row.blocklist), address, name, email, website, draft.body
    )
    spam.check_rates(address, article.id)
    parent = _parent(article, draft.parent_id)
    html = preview(draft.body)
    spam.check_links(html)
    approved = row.auto_approve or (row.approve_known and _known(email))
    comment = Comment(
        article_id=article.id,
        parent_id=parent.id if parent else None,
        status=COMMENT_APPROVED if approved else COMMENT_PENDING,
        name=name,
        email=email,
        website=website,
        address=address,
        owner_hash=owner_hash(owner_key),
        notify_replies=bool(draft.notify_replies and email),
        approved_at=utcnow() if approved else None,
        source_md=draft.body.replace("\r\n", "\n"),
        html=html,
    )
    db.session.add(comment)
    db.session.commit()
    from . import mail  # mail needs the job queue, which needs the app: imported late

    mail.announce(comment)
    return comment
