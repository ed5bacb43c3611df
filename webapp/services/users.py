"""The admin's account list and deleting an account, with what becomes of its articles."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from ..content.messages import N_
from ..extensions import db
from ..jobs.models import FAILED, FINISHED, Job
from ..models import ApiToken, Article, User, UserSession, utcnow
from .accounts import AccountError, check_display_name, keeps_an_admin

# Why a deleted account's unfinished jobs stopped: nobody may act for it any more.
ACCOUNT_DELETED = N_("the account that started this job was deleted")
SELF_DELETE = N_("An account cannot delete itself; another admin can.")


@dataclass(frozen=True)
class AccountRow:
    """One account in the admin's list, with how many articles it wrote."""

    user: User
    articles: int


def list_accounts() -> list[AccountRow]:
    """Return every account, oldest first, with its number of articles (one query each)."""
    counts = dict(
        db.session.execute(
            select(Article.author_id, func.count(Article.id)).group_by(Article.author_id)
        ).all()
    )
    users = db.session.scalars(select(User).order_by(User.id))
    return [AccountRow(user, counts.get(user.id, 0)) for user in users]


def get_user(user_id: int) -> User | None:
    """Return the account with this id, or None."""
    return db.session.get(User, user_id)


def hand_over_articles(from_id: int, to_id: int | None) -> int:
    """Give every article of one author to another (None: the site's author); return how many.

    Their pages and feed entries name the author, so they are marked as rendered now and
    cached copies are built again.
    """
    moved = db.session.execute(
        update(Article)
        .where(Article.author_id == from_id)
        .values(author_id=to_id, rendered_at=utcnow())
    )
    return moved.rowcount or 0


def rename(user: User, name: str) -> None:
    """Set the name readers see (empty: the username) and refresh the pages showing it; commit."""
    user.display_name = check_display_name(name)
    hand_over_articles(user.id, user.id)
    db.session.commit()


def delete_user(user: User, successor: User | None, by: User) -> int:
    """Delete an account; its articles go to `successor`, or (None) to the site's author.

    Its sessions and tokens end with it, and its unfinished jobs fail (nobody may act for
    it any more). The last active admin is never deleted. Commit; return how many
    articles changed hands.
    """
    if user.id == by.id:
        raise AccountError(SELF_DELETE)
    keeps_an_admin(user)
    if successor is not None and successor.id == user.id:
        raise AccountError(N_("An account cannot hand its articles to itself."))
    moved = hand_over_articles(user.id, successor.id if successor else None)
    # Written out rather than left to ON DELETE: SQLite enforces no foreign keys here.
    db.session.execute(
        update(Job)
        .where(Job.user_id == user.id, Job.state.not_in(FINISHED))
        .values(state=FAILED, message=ACCOUNT_DELETED, finished_at=utcnow())
    )
    db.session.execute(update(Job).where(Job.user_id == user.id).values(user_id=None))
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.delete(user)
    db.session.commit()
    return moved
