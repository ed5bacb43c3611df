"""Accounts in an export (only with --accounts): password hashes and API token hashes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...content.messages import N_
from ...extensions import db
from ...models import ADMIN, ROLES, ApiToken, User
from ..accounts import MAX_DISPLAY_NAME, new_user
from .manifest import ExportFormatError, format_time, parse_time


@dataclass
class AccountsRestored:
    """What a restore did with the export's accounts."""

    created: int = 0
    kept: int = 0  # accounts of that name already here: left as they are
    tokens: int = 0


def export_accounts() -> dict:
    """Return every account with its password hash, and every API token's hash."""
    users = db.session.scalars(select(User).order_by(User.id)).all()
    tokens = db.session.scalars(
        select(ApiToken).order_by(ApiToken.id).options(selectinload(ApiToken.user))
    ).all()
    return {
        "users": [
            {
                "username": user.username,
                "password_hash": user.password_hash,
                "created_at": format_time(user.created_at),
                "role": user.role,
                "display_name": user.display_name,
                "disabled_at": format_time(user.disabled_at),
            }
            for user in users
        ],
        "tokens": [
            {
                "username": token.user.username,
                "name": token.name,
                "token_hash": token.token_hash,
                "prefix": token.prefix,
                "created_at": format_time(token.created_at),
                "last_used_at": format_time(token.last_used_at),
                "revoked_at": format_time(token.revoked_at),
            }
            for token in tokens
        ],
    }


def restore_accounts(accounts: object) -> AccountsRestored:
    """Create the export's accounts and tokens that this site lacks; commit.

    An account whose name exists here is kept as it is, password included: restoring
    never locks out the author who runs it. Raises ExportFormatError (nothing saved) for
    an unreadable entry.
    """
    done = AccountsRestored()
    if not isinstance(accounts, dict):
        raise ExportFormatError(N_("accounts: expected an object of users and tokens"))
    try:
        users = {}
        for item in accounts.get("users") or []:
            user = db.session.scalar(select(User).where(User.username == item["username"]))
            if user is None:
                # An export made before roles holds admins only: there was one kind of account.
                user = new_user(
                    str(item["username"]),
                    str(item["password_hash"]),
                    _role(item.get("role", ADMIN)),
                    created_at=parse_time(item["created_at"], "account created_at"),
                    display_name=str(item.get("display_name") or "")[:MAX_DISPLAY_NAME],
                    disabled_at=_maybe_time(item.get("disabled_at")),
                )
                done.created += 1
            else:
                done.kept += 1
            users[user.username] = user
        known = set(db.session.scalars(select(ApiToken.token_hash)))
        for item in accounts.get("tokens") or []:
            if item["token_hash"] in known or item["username"] not in users:
                continue
            db.session.add(
                ApiToken(
                    user=users[item["username"]],
                    name=str(item["name"]),
                    token_hash=str(item["token_hash"]),
                    prefix=str(item["prefix"]),
                    created_at=parse_time(item["created_at"], "token created_at"),
                    last_used_at=_maybe_time(item.get("last_used_at")),
                    revoked_at=_maybe_time(item.get("revoked_at")),
                )
            )
            done.tokens += 1
    except (KeyError, TypeError, AttributeError) as error:
        db.session.rollback()
        lacking = N_("accounts: an entry lacks %(detail)s")
        raise ExportFormatError(lacking % {"detail": error}) from error
    except ExportFormatError:
        db.session.rollback()
        raise
    db.session.commit()
    return done


def _role(value: object) -> str:
    if value not in ROLES:
        raise ExportFormatError(N_("accounts: unknown role %(value)s") % {"value": repr(value)})
    return str(value)


def _maybe_time(value: object):
    return parse_time(value, "token time") if value else None
