"""Accounts: creation, roles, display names, passwords, disabling, deletion, sign-in checks."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..content.messages import N_
from ..content.slugs import slugify
from ..extensions import db
from ..i18n import LANGUAGES
from ..models import ADMIN, ROLES, User, utcnow
from . import sessions, signin_throttle

MIN_PASSWORD_LENGTH = 8
MAX_DISPLAY_NAME = 100
USERNAME = re.compile(r"[\w.@+-]{1,80}")
# Checked against when the account does not exist, so a wrong name costs what a wrong
# password does and response times do not reveal which names exist.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A username or password that cannot be used; the message says why."""


def _check_new(username: str, password: str) -> None:
    if not USERNAME.fullmatch(username):
        raise AccountError(
            N_("A username is 1 to 80 letters, digits or . @ + - _ characters, without spaces.")
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            N_("A password needs at least %(count)s characters.") % {"count": MIN_PASSWORD_LENGTH}
        )


def find_user(username: str) -> User | None:
    """Return the account with this username, or None."""
    return db.session.scalar(select(User).where(User.username == username))


def check_role(role: str) -> str:
    """Return the role if it is one of ROLES, else raise AccountError."""
    if role not in ROLES:
        raise AccountError(
            N_("There is no role %(role)s; choose admin, editor or author.") % {"role": repr(role)}
        )
    return role


def check_display_name(name: str) -> str:
    """Return a display name with its spaces tidied; raise AccountError when too long."""
    name = " ".join(name.split())
    if len(name) > MAX_DISPLAY_NAME:
        raise AccountError(
            N_("A display name has at most %(count)s characters.") % {"count": MAX_DISPLAY_NAME}
        )
    return name


def free_slug(username: str) -> str:
    """Return the author-page slug for a new account: its username made URL-safe, unique."""
    base = slugify(username) or "author"
    taken = set(db.session.scalars(select(User.slug).where(User.slug.startswith(base))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def new_user(username: str, password_hash: str, role: str = ADMIN, **fields) -> User:
    """Return a new account row (added to the session) with a free author-page slug."""
    user = User(
        username=username,
        slug=free_slug(username),
        password_hash=password_hash,
        role=check_role(role),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_user(username: str, password: str, role: str = ADMIN, display_name: str = "") -> User:
    """Create an account (an admin unless told) storing only a scrypt hash; commit it."""
    username = username.strip()
    _check_new(username, password)
    check_role(role)
    display_name = check_display_name(display_name)
    if find_user(username) is not None:
        raise AccountError(N_("The account %(name)s already exists.") % {"name": repr(username)})
    user = new_user(username, generate_password_hash(password), role, display_name=display_name)
    db.session.commit()
    return user


def active_admins() -> int:
    """Return how many admin accounts are not disabled."""
    return (
        db.session.scalar(
            select(func.count(User.id)).where(User.role == ADMIN, User.disabled_at.is_(None))
        )
        or 0
    )


def keeps_an_admin(user: User) -> None:
    """Raise AccountError when taking this account away would leave no active admin."""
    if user.role == ADMIN and user.disabled_at is None and active_admins() <= 1:
        raise AccountError(N_("This is the last admin account; make another admin first."))


def set_role(user: User, role: str) -> None:
    """Give the account another role; commit. The last active admin keeps theirs."""
    check_role(role)
    if role != ADMIN:
        keeps_an_admin(user)
    user.role = role
    db.session.commit()


def set_disabled(user: User, disabled: bool) -> None:
    """Disable an account (signed out everywhere, tokens refused) or enable it; commit."""
    if disabled and user.disabled_at is None:
        keeps_an_admin(user)
        user.disabled_at = utcnow()
        db.session.execute(sessions.ending_all(user.id))
    elif not disabled:
        user.disabled_at = None
    db.session.commit()


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
        # A disabled account's right password still signs nobody in.
        return user if user.is_active else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    return None
