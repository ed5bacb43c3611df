"""The Atom feeds of approved comments (one article's, or the site's): entries and stamp."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from ...content.feedhtml import feed_html
from ...extensions import db
from ...models import COMMENT_APPROVED, Article, Comment
from ..listing import everything
from ..syndication import FEED_SIZE, Stamp


@dataclass(frozen=True)
class CommentEntry:
    """One approved comment as a feed entry."""

    id: int
    name: str
    website: str | None
    by_author: bool
    body: str  # the sanitized comment HTML, formulas reduced to MathML
    created_at: datetime
    article_slug: str
    article_title: str


def _statement(article_id: int | None):
    """Select the newest approved comments of visible articles (of one, when given)."""
    criteria = [Comment.status == COMMENT_APPROVED, *everything()]
    if article_id is not None:
        criteria.append(Comment.article_id == article_id)
    return (
        select(Comment, Article.slug, Article.title)
        .join(Article, Article.id == Comment.article_id)
        .where(*criteria)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(FEED_SIZE)
    )


def visible_article(slug: str) -> tuple[int, str] | None:
    """Return the id and title of the visible article at slug, or None."""
    row = db.session.execute(
        select(Article.id, Article.title).where(Article.slug == slug, *everything())
    ).first()
    return tuple(row) if row else None


def feed_stamp(article_id: int | None = None, title: str | None = None) -> Stamp:
    """Return the stamp of a comment feed (and the feed's article title) in one query.

    Approving, unapproving or deleting a comment, or retitling its article, changes it:
    the next request builds the feed again.
    """
    statement = _statement(article_id).with_only_columns(
        Comment.id, Comment.approved_at, Comment.created_at, Article.slug, Article.title
    )
    rows = db.session.execute(statement).all()
    parts = tuple(tuple(row) for row in rows)
    moments = [row.approved_at or row.created_at for row in rows]
    newest = max(moments, default=None)
    return Stamp((article_id, title, parts), newest.replace(tzinfo=UTC) if newest else None)


def feed_entries(article_id: int | None = None) -> list[CommentEntry]:
    """Return the entries of a comment feed, newest first."""
    rows = db.session.execute(_statement(article_id)).all()
    return [
        CommentEntry(
            id=comment.id,
            name=comment.name,
            website=comment.website,
            by_author=comment.by_author,
            body=feed_html(comment.html),
            created_at=comment.created_at,
            article_slug=slug,
            article_title=title,
        )
        for comment, slug, title in rows
    ]
