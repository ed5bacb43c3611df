"""Sign-in sessions kept on the server, so that signing out ends a copied cookie too.

Flask's session is a signed cookie: on its own it stays valid for as long as the secret
key does. Each sign-in therefore stores a row here and puts a random key in the cookie; a
request is signed in only while that row exists and is younger than SESSION_LIFETIME_DAYS.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Delete, delete, select

from ..extensions import db
from ..models import User, UserSession, utcnow


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _oldest_live(now: datetime) -> datetime:
    """Return the creation time before which a session has expired."""
    return now - timedelta(days=float(current_app.config["SESSION_LIFETIME_DAYS"]))


def start(user: User) -> str:
    """Record a new session of the account; commit; return the key the cookie carries."""
    now = utcnow()
    # Expired rows of every account go here, where a write happens anyway.
    db.session.execute(delete(UserSession).where(UserSession.created_at <= _oldest_live(now)))
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=_hash(key), created_at=now))
    db.session.commit()
    return key


def user_for(key: object, user_id: str) -> User | None:
    """Return the account if `key` names a live session of account `user_id`, else None."""
    if not isinstance(key, str) or not key or not user_id.isdigit():
        return None
    return db.session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.key_hash == _hash(key),
            User.id == int(user_id),
            User.disabled_at.is_(None),
            UserSession.created_at > _oldest_live(utcnow()),
        )
    )


def ending_all(user_id: int) -> Delete:
    """Return the statement that ends every session of an account (run it, then commit)."""
    return delete(UserSession).where(UserSession.user_id == user_id)


def end_all(user_id: int) -> None:
    """End every session of an account, on every device; commit."""
    db.session.execute(ending_all(user_id))
    db.session.commit()
