"""The author's actions on comments: approve, mark as spam, delete, reply, close and reopen."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ...content.messages import N_
from ...extensions import db
from ...models import (
    COMMENT_APPROVED,
    COMMENT_PENDING,
    COMMENT_SPAM,
    Article,
    Comment,
    CommentClosure,
    utcnow,
)
from .posting import preview
from .spam import CommentRejected

STATUSES = (COMMENT_PENDING, COMMENT_APPROVED, COMMENT_SPAM)
PAGE_SIZE = 50


def _on_articles_of(owner: int | None) -> list:
    """Return the criteria of comments on an author's articles (None: on every article)."""
    if owner is None:
        return []
    return [Comment.article_id.in_(select(Article.id).where(Article.author_id == owner))]


def queue(status: str, page: int = 1, owner: int | None = None) -> tuple[list[Comment], int]:
    """Return one page of comments in a status, newest first, with how many there are;
    `owner`, for an author, keeps the comments on their own articles."""
    criteria = [Comment.status == status, *_on_articles_of(owner)]
    total = db.session.scalar(select(func.count()).select_from(Comment).where(*criteria))
    rows = db.session.scalars(
        select(Comment)
        .where(*criteria)
        .options(joinedload(Comment.article), joinedload(Comment.parent))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return list(rows), total


def status_counts(owner: int | None = None) -> dict[str, int]:
    """Return how many comments are in each status (on an author's articles, with `owner`)."""
    rows = db.session.execute(
        select(Comment.status, func.count()).where(*_on_articles_of(owner)).group_by(Comment.status)
    )
    return {status: 0 for status in STATUSES} | dict(rows.all())


def approve(comment: Comment) -> None:
    """Publish a comment (and announce it to the one it replies to)."""
    newly = comment.status != COMMENT_APPROVED
    comment.status = COMMENT_APPROVED
    comment.approved_at = comment.approved_at or utcnow()
    db.session.commit()
    if newly:
        from . import mail

        mail.announce_reply(comment)


def mark_spam(comment: Comment) -> None:
    """Hide a comment as spam (kept, so its address and words can be looked at)."""
    comment.status = COMMENT_SPAM
    db.session.commit()


def delete(comment: Comment) -> None:
    """Delete a comment with its replies."""
    db.session.delete(comment)
    db.session.commit()


def reply(parent: Comment, name: str, body: str) -> Comment:
    """Publish the author's reply under a comment's thread (approving the comment too)."""
    html = preview(body)
    thread = parent.parent or parent
    if parent.status != COMMENT_APPROVED:
        approve(parent)
    answer = Comment(
        article_id=parent.article_id,
        parent_id=thread.id,
        status=COMMENT_APPROVED,
        name=name,
        by_author=True,
        approved_at=utcnow(),
        source_md=body.replace("\r\n", "\n"),
        html=html,
    )
    db.session.add(answer)
    db.session.commit()
    from . import mail

    mail.announce_reply(answer)
    return answer


def close(article: Article) -> None:
    """Close an article's comments: no new ones, the published ones stay."""
    if db.session.get(CommentClosure, article.id) is None:
        db.session.add(CommentClosure(article_id=article.id))
        db.session.commit()


def reopen(article: Article) -> None:
    """Open an article's comments again (its age may still close them, by the settings)."""
    found = db.session.get(CommentClosure, article.id)
    if found is not None:
        db.session.delete(found)
        db.session.commit()


def closed_articles(owner: int | None = None) -> list[Article]:
    """Return the articles whose comments were closed, most recently closed first (an
    author's own only, with `owner`)."""
    mine = [Article.author_id == owner] if owner is not None else []
    return list(
        db.session.scalars(
            select(Article)
            .join(CommentClosure, CommentClosure.article_id == Article.id)
            .where(*mine)
            .order_by(CommentClosure.closed_at.desc())
        )
    )


def check_reply_name(name: str) -> str:
    """Return the name an author's reply is signed with; raise CommentRejected when empty."""
    name = " ".join(name.split())
    if not name:
        raise CommentRejected(N_("please give a name"))
    return name[:80]
