"""Personal access tokens for the publishing API: only a SHA-256 and a prefix are stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import ApiToken, User, utcnow

# Recognisable in a leaked-secret scan, and sets tokens apart from passwords.
TOKEN_MARK = "snb_"
PREFIX_LENGTH = 12
MAX_NAME_LENGTH = 100
# A token's last use is recorded to this precision: a script sending 40 uploads a minute
# writes it once, not 40 times beside its uploads.
USE_PRECISION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token request that cannot be carried out; the message says why."""


def token_hash(secret: str) -> str:
    """Return the SHA-256 of a token: a token is random and long, so no slow hash is needed."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for a user and commit it; return the row and the secret (shown once)."""
    name = " ".join(name.split())
    if not name:
        raise TokenError(_("Give the token a name, such as the machine or script that uses it."))
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError(_("A token name has at most %(count)d characters.", count=MAX_NAME_LENGTH))
    secret = TOKEN_MARK + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, token_hash=token_hash(secret), prefix=secret[:PREFIX_LENGTH]
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def authenticate_token(secret: str) -> ApiToken | None:
    """Return the live token with this secret, recording its use; None if unknown or revoked.

    A disabled account's tokens are refused too: the token acts as its account.
    """
    if not secret:
        return None
    token = db.session.scalar(
        select(ApiToken)
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == token_hash(secret),
            ApiToken.revoked_at.is_(None),
            User.disabled_at.is_(None),
        )
    )
    if token is None:
        return None
    record_use(token)
    return token


def record_use(token: ApiToken) -> None:
    """Store the token's last use when the stored one is a minute old or more.

    On a connection of its own, committed at once: never part of the request's own
    transaction (an upload's), which it would otherwise make write, and lock, from its
    first statement. A busy database skips it; a later call records the use.
    """
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < USE_PRECISION:
        return
    table = ApiToken.__table__
    stale = or_(table.c.last_used_at.is_(None), table.c.last_used_at <= now - USE_PRECISION)
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(table).where(table.c.id == token.id, stale).values(last_used_at=now)
            )
    except OperationalError:
        return
    # What the database now holds, without marking the token changed in this session.
    set_committed_value(token, "last_used_at", now)


def tokens_of(user: User) -> list[ApiToken]:
    """Return a user's tokens, live ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's tokens at once; return it, or None if it is not theirs."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token
