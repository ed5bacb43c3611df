"""Who may write what: admins everything, editors every article, authors their own only."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import ADMIN, AUTHOR, EDITOR, Article, User


@dataclass(frozen=True)
class Actor:
    """The account a write is done for (a signed-in user, a token's, a job's starter).

    Plain values, so it travels to a job and never holds a database row. No actor at all
    (None where one is asked for) is the site itself: `flask import`, the demo, rerender.
    """

    user_id: int
    role: str

    @classmethod
    def of(cls, user: User) -> Actor:
        """Return the actor of an account."""
        return cls(user.id, user.role)

    @property
    def writes_every_article(self) -> bool:
        """Tell whether the actor may change any article (an admin or an editor)."""
        return self.role in (ADMIN, EDITOR)

    @property
    def owner(self) -> int | None:
        """Return the author whose articles alone the actor may touch; None: every article."""
        return None if self.writes_every_article else self.user_id

    def may_write(self, article: Article) -> bool:
        """Tell whether the actor may change this article."""
        return self.writes_every_article or (
            self.role == AUTHOR and article.author_id == self.user_id
        )


def may_write(user: User, article: Article) -> bool:
    """Tell whether an account may change an article."""
    return user.is_active and Actor.of(user).may_write(article)


def may_manage_site(user: User) -> bool:
    """Tell whether an account may manage accounts, export and restore (an admin)."""
    return user.is_active and user.role == ADMIN


def owner_filter(user: User) -> int | None:
    """Return the author id an account's article lists are limited to; None: every article."""
    return Actor.of(user).owner
