"""Author accounts: creation, password changes and password checks."""

from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..i18n import LANGUAGES
from ..models import User
from . import sessions, signin_throttle

MIN_PASSWORD_LENGTH = 8
USERNAME = re.compile(r"[\w.@+-]{1,80}")
# Checked against when the account does not exist, so a wrong name costs what a wrong
# password does and response times do not reveal which names exist.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A username or password that cannot be used; the message says why."""


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
    """Replace an account's password hash and end all its sessions; commit."""
    user = find_user(username.strip())
    if user is None:
        raise AccountError(f"There is no account {username!r}.")
    _check_new(user.username, password)
    user.password_hash = generate_password_hash(password)
    # Whoever signed in with the old password (or holds a copy of a cookie) is signed out.
    db.session.execute(sessions.ending_all(user.id))
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


def authenticate(username: str, password: str, address: str) -> User | None:
    """Return the account if the password is right, None if not; raise TooManyFailures.

    While this account from this address must wait (signin_throttle), no password is
    checked at all.
    """
    key, address = _failure_key(username), (address or "unknown")[:64]
    signin_throttle.begin(key, address)
    user = find_user(username.strip())
    if user is not None and check_password_hash(user.password_hash, password):
        signin_throttle.succeeded(key, address)
        return user
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    return None
