"""An article's comments in an export: written into its manifest entry, read back from it."""

from __future__ import annotations

from sqlalchemy import select

from ...content.messages import N_
from ...extensions import db
from ...models import Comment
from ..comments.records import STATUSES, CommentRecord
from .manifest import ExportFormatError, format_time, parse_time


def export_comments(article_ids: list[int]) -> dict[int, list[dict]]:
    """Return the manifest entries of the comments of some articles, by article, oldest first."""
    by_article: dict[int, list[dict]] = {}
    if not article_ids:
        return by_article
    rows = db.session.scalars(
        select(Comment)
        .where(Comment.article_id.in_(article_ids))
        .order_by(Comment.article_id, Comment.created_at, Comment.id)
    )
    for comment in rows:
        by_article.setdefault(comment.article_id, []).append(
            {
                "id": comment.id,
                "parent": comment.parent_id,
                "name": comment.name,
                "email": comment.email,
                "website": comment.website,
                "created_at": format_time(comment.created_at),
                "approved_at": format_time(comment.approved_at),
                "status": comment.status,
                "by_author": comment.by_author,
                "notify_replies": comment.notify_replies,
                "source_md": comment.source_md,
                # Comments brought from HTML sources (WordPress, Twikoo) show this HTML;
                # Markdown ones are rendered again from source_md on import.
                "html": comment.html,
            }
        )
    return by_article


def parse_comments(entry: dict) -> list[CommentRecord]:
    """Read an article entry's comments; raise ExportFormatError naming the bad field."""
    items = entry.get("comments") or []
    if not isinstance(items, list):
        raise ExportFormatError(N_("comments: expected a list"))
    records = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("source_md"), str):
            raise ExportFormatError(N_("comments: each needs its source_md"))
        if not isinstance(item.get("name"), str) or item.get("status") not in STATUSES:
            raise ExportFormatError(N_("comments: each needs a name and a known status"))
        approved = item.get("approved_at")
        parent = item.get("parent")
        records.append(
            CommentRecord(
                key=str(item.get("id")),
                parent_key=None if parent is None else str(parent),
                name=item["name"],
                email=_text(item.get("email")),
                website=_text(item.get("website")),
                created_at=parse_time(item.get("created_at"), "comment created_at"),
                approved_at=parse_time(approved, "comment approved_at") if approved else None,
                status=item["status"],
                text=item["source_md"],
                html=_text(item.get("html")),
                by_author=bool(item.get("by_author")),
                notify_replies=bool(item.get("notify_replies")),
            )
        )
    return records


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
