"""Author accounts: creation, password checks and the sign-in throttle."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..i18n import LANGUAGES
from ..models import LoginFailure, User, utcnow

MIN_PASSWORD_LENGTH = 8
USERNAME = re.compile(r"[\w.@+-]{1,80}")
# Checked against when the account does not exist, so a wrong name costs what a wrong
# password does and response times do not reveal which names exist.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A username or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class TooManyFailures(Exception):
    """Sign-in is blocked for this account or address until `retry_at` (naive UTC)."""

    retry_at: datetime

    def seconds_left(self, now: datetime | None = None) -> int:
        """Return the whole seconds until sign-in is allowed again (at least 1)."""
        return max(1, math.ceil((self.retry_at - (now or utcnow())).total_seconds()))


def _check_new(username: str, password: str) -> None:
    if not USERNAME.fullmatch(username):
        raise AccountError(
            "A username is 1 to 80 letters, digits or . @ + - _ characters, without spaces."
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


def find_user(username: str) -> User | None:
    """Return the account with this username, or None."""
    return db.session.scalar(select(User).where(User.username == username))


def load_user(user_id: str) -> User | None:
    """Return the account a session names, or None (Flask-Login's user loader)."""
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def create_user(username: str, password: str) -> User:
    """Create an author account storing only a scrypt hash of the password; commit it."""
    username = username.strip()
    _check_new(username, password)
    if find_user(username) is not None:
        raise AccountError(f"The account {username!r} already exists.")
    user = User(username=username, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def set_password(username: str, password: str) -> User:
    """Replace an account's password hash; commit it."""
    user = find_user(username.strip())
    if user is None:
        raise AccountError(f"There is no account {username!r}.")
    _check_new(user.username, password)
    user.password_hash = generate_password_hash(password)
    db.session.commit()
    return user


def set_language(user: User, choice: str) -> None:
    """Set the account's admin language ("zh", "en", or "" for the site's); commit it."""
    if choice and choice not in LANGUAGES:
        raise AccountError(f"There is no interface language {choice!r}.")
    user.language = choice or None
    db.session.commit()


def _failure_key(username: str) -> str:
    # Case and spaces must not give a guesser a fresh allowance for the same account.
    return username.strip().casefold()[:80]


def _blocked_until(username: str, address: str, now: datetime) -> datetime | None:
    """Return when the newest over-limit failure of the account or address expires, or None."""
    limit = int(current_app.config["LOGIN_FAILURE_LIMIT"])
    window = timedelta(seconds=int(current_app.config["LOGIN_FAILURE_WINDOW"]))
    latest = []
    for column, value in ((LoginFailure.username, username), (LoginFailure.address, address)):
        times = list(
            db.session.scalars(
                select(LoginFailure.created_at)
                .where(column == value, LoginFailure.created_at > now - window)
                .order_by(LoginFailure.created_at.desc())
                .limit(limit)
            )
        )
        if len(times) >= limit:
            # Sign-in opens again once fewer than `limit` failures remain in the window.
            latest.append(times[limit - 1] + window)
    return max(latest) if latest else None


def authenticate(username: str, password: str, address: str) -> User | None:
    """Return the account if the password is right, None if not; raise TooManyFailures.

    While an account or an address has had LOGIN_FAILURE_LIMIT failures within
    LOGIN_FAILURE_WINDOW, no password is checked at all. Failures live in the database, so
    every worker process counts the same ones.
    """
    key, address = _failure_key(username), (address or "unknown")[:64]
    now = utcnow()
    blocked = _blocked_until(key, address, now)
    if blocked is not None:
        raise TooManyFailures(blocked)
    user = find_user(username.strip())
    if user is not None and check_password_hash(user.password_hash, password):
        db.session.execute(delete(LoginFailure).where(LoginFailure.username == key))
        db.session.commit()
        return user
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    window = timedelta(seconds=int(current_app.config["LOGIN_FAILURE_WINDOW"]))
    db.session.execute(delete(LoginFailure).where(LoginFailure.created_at < now - window))
    db.session.add(LoginFailure(username=key, address=address, created_at=now))
    db.session.commit()
    blocked = _blocked_until(key, address, now)
    if blocked is not None:
        raise TooManyFailures(blocked)
    return None
