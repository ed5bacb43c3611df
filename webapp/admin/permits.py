"""What the signed-in account may do here: admin-only pages, articles it may write."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from ..models import Article
from ..services import authoring
from ..services.permissions import Actor, may_manage_site, may_write


def actor() -> Actor:
    """Return the signed-in account as the actor of a write."""
    return Actor.of(current_user)


def owner() -> int | None:
    """Return the author the account's lists are limited to (an author: itself); else None."""
    return actor().owner


def admin_only(view):
    """Answer 403 to anyone but an admin (accounts, export and restore)."""

    @wraps(view)
    def checked(*args, **kwargs):
        if not may_manage_site(current_user):
            abort(403)
        return view(*args, **kwargs)

    return checked


def writable_article(article_id: int) -> Article:
    """Return the article with this id (draft or trashed too); 404 if none, 403 if not theirs."""
    article = authoring.get_article(article_id)
    if article is None:
        abort(404)
    if not may_write(current_user, article):
        abort(403)
    return article
