"""What readers see of comments: an article's threads, counts, closure, and the cache stamp."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import exists, func, literal, or_, select, true

from ...extensions import db
from ...models import (
    COMMENT_APPROVED,
    COMMENT_PENDING,
    Article,
    Comment,
    CommentClosure,
    CommentSettings,
    utcnow,
)
from .settings import SETTINGS_ID


@dataclass
class Thread:
    """A top-level comment and its replies, oldest first."""

    comment: Comment
    replies: list[Comment] = field(default_factory=list)


def _settings() -> CommentSettings | None:
    """Return the settings row without creating it (reads never write)."""
    return db.session.get(CommentSettings, SETTINGS_ID)


def closed_by_age(published_at: datetime, now: datetime | None = None) -> bool:
    """Tell whether the settings' age limit has closed comments on an article this old."""
    row = _settings()
    return _older_than(published_at, row.close_after_days if row else None, now)


def _older_than(published_at: datetime, days: int | None, now: datetime | None = None) -> bool:
    """Tell whether an article is past an age limit in days (None: no limit)."""
    return days is not None and published_at < (now or utcnow()) - timedelta(days=days)


def is_closed(article: Article) -> bool:
    """Tell whether an article takes no new comments (closed by the author or by its age)."""
    closed = db.session.get(CommentClosure, article.id) is not None
    return closed or closed_by_age(article.published_at)


def threads_of(article_id: int, owner_hash: str | None = None) -> list[Thread]:
    """Return an article's approved comments as threads, with the owner's own pending ones."""
    shown = Comment.status == COMMENT_APPROVED
    if owner_hash:
        shown = or_(shown, (Comment.status == COMMENT_PENDING) & (Comment.owner_hash == owner_hash))
    rows = db.session.scalars(
        select(Comment).where(Comment.article_id == article_id, shown).order_by(Comment.id)
    ).all()
    threads: dict[int, Thread] = {}
    for comment in rows:
        if comment.parent_id is None:
            threads[comment.id] = Thread(comment)
        elif comment.parent_id in threads:
            threads[comment.parent_id].replies.append(comment)
    return list(threads.values())


def count_approved(shown: list[Thread]) -> int:
    """Return how many approved comments the threads hold (replies included)."""
    every = [comment for thread in shown for comment in (thread.comment, *thread.replies)]
    return sum(comment.status == COMMENT_APPROVED for comment in every)


def has_pending(article_id: int, owner_hash: str) -> bool:
    """Tell whether the cookie's owner has a comment waiting on this article."""
    waiting = select(Comment.id).where(
        Comment.article_id == article_id,
        Comment.status == COMMENT_PENDING,
        Comment.owner_hash == owner_hash,
    )
    return bool(db.session.scalar(select(exists(waiting))))


def approved_counts(article_ids: list[int]) -> dict[int, int]:
    """Return the number of approved comments of each article (absent: none), in one query."""
    if not article_ids:
        return {}
    rows = db.session.execute(
        select(Comment.article_id, func.count())
        .where(Comment.article_id.in_(article_ids), Comment.status == COMMENT_APPROVED)
        .group_by(Comment.article_id)
    )
    return {article_id: count for article_id, count in rows}


class ArticleStamp(NamedTuple):
    """What an article page's comments depend on, read in one statement."""

    count: int  # approved comments
    ids: int  # their id sum: an approval, deletion or unapproval moves it or the count
    closed: bool  # closed by the author or by the article's age
    settings_at: datetime | None  # the settings' last change


def article_stamp(article_id: int, published_at: datetime) -> ArticleStamp:
    """Return the comment part of an article page's cache key (one statement)."""
    approved = (
        Comment.article_id == article_id,
        Comment.status == COMMENT_APPROVED,
    )
    closure = select(CommentClosure.article_id).where(CommentClosure.article_id == article_id)
    setting = select(CommentSettings).where(CommentSettings.id == SETTINGS_ID).subquery()
    row = db.session.execute(
        select(
            select(func.count()).where(*approved).scalar_subquery(),
            select(func.coalesce(func.sum(Comment.id), 0)).where(*approved).scalar_subquery(),
            exists(closure),
            setting.c.updated_at,
            setting.c.close_after_days,
        ).select_from(
            # One row whether or not the settings row exists.
            select(literal(1).label("one")).subquery().outerjoin(setting, true())
        )
    ).one()
    count, ids, closed, settings_at, days = row
    closed = bool(closed) or _older_than(published_at, days)
    return ArticleStamp(count, ids, closed, settings_at)


def site_stamp() -> tuple:
    """Return what comment counts on listings and the site's comment feed depend on."""
    count, ids = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Comment.id), 0)).where(
            Comment.status == COMMENT_APPROVED
        )
    ).one()
    return count, ids
