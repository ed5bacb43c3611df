"""Standalone pages (About, Links, Projects): outside the article stream, at /pages/<slug>/."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, func, select

from ..extensions import db
from ..models import PAGE, PUBLISHED, Article, utcnow


def visible() -> list:
    """Return the criteria of the pages readers may open: published, due, not in the trash."""
    return [
        Article.kind == PAGE,
        Article.status == PUBLISHED,
        Article.deleted_at.is_(None),
        Article.published_at <= utcnow(),
    ]


def page_stamp(slug: str) -> Row | None:
    """Return a visible page's id and the dates its cached copy depends on, or None.

    A page shows no other article, so its own dates are the whole of its key.
    """
    return db.session.execute(
        select(Article.id, Article.rendered_at, Article.updated_at).where(
            Article.slug == slug, *visible()
        )
    ).first()


def is_visible_page(slug: str) -> bool:
    """Tell whether a visible page has this slug (an article address that names a page)."""
    return page_stamp(slug) is not None


def sitemap_pages() -> list[Row]:
    """Return each visible page's slug and last update, by slug."""
    return db.session.execute(
        select(Article.slug, Article.updated_at).where(*visible()).order_by(Article.slug)
    ).all()


def pages_stamp() -> tuple[int, datetime | None]:
    """Return how many pages are visible and their latest update (part of the sitemap's stamp)."""
    total, newest = db.session.execute(
        select(func.count(Article.id), func.max(Article.updated_at)).where(*visible())
    ).one()
    return total, newest
