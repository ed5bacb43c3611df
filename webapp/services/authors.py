"""Authors as readers meet them: by their page's slug, with the name they are shown by."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import User


def author_with_slug(slug: str) -> User | None:
    """Return the account whose author page is /authors/<slug>/, or None."""
    return db.session.scalar(select(User).where(User.slug == slug))
