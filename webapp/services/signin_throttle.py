"""The sign-in throttle: growing waits per account and address pair, never a hard block.

Failures are counted for one account from one address. Past LOGIN_FAILURE_LIMIT of them,
each further attempt from that address waits 2, 4, 8 … seconds after the last, up to
LOGIN_DELAY_MAX. Another address is not slowed, so a guesser behind a shared NAT or proxy
cannot lock its neighbours, or the author, out; and one address failing on many accounts
slows only its own attempts at each. Failures live in the database, so every worker
process counts the same ones, and are forgotten after LOGIN_FAILURE_WINDOW.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import LoginFailure, utcnow

# 2 ** 30 seconds is beyond any sensible LOGIN_DELAY_MAX; the exponent stops there.
_LONGEST_EXPONENT = 30


@dataclass(frozen=True)
class TooManyFailures(Exception):
    """Sign-in for this account from this address waits until `retry_at` (naive UTC)."""

    retry_at: datetime

    def seconds_left(self, now: datetime | None = None) -> int:
        """Return the whole seconds until sign-in is allowed again (at least 1)."""
        return max(1, math.ceil((self.retry_at - (now or utcnow())).total_seconds()))


def delay_after(failures: int, limit: int, longest: int) -> int:
    """Return the seconds to wait after `failures` failures: 0 below `limit`, then 2, 4, 8 …"""
    if failures < limit:
        return 0
    return min(longest, 2 ** min(failures - limit + 1, _LONGEST_EXPONENT))


def begin(account: str, address: str) -> None:
    """Record an attempt as a failure before its password is checked; raise TooManyFailures.

    The row is committed first so that parallel guesses see each other: a burst of requests
    cannot all slip in under the limit while their passwords are being hashed.
    """
    config = current_app.config
    now = utcnow()
    window = timedelta(seconds=int(config["LOGIN_FAILURE_WINDOW"]))
    db.session.execute(delete(LoginFailure).where(LoginFailure.created_at <= now - window))
    attempt = LoginFailure(username=account, address=address, created_at=now)
    db.session.add(attempt)
    db.session.commit()
    count, latest = db.session.execute(
        select(func.count(), func.max(LoginFailure.created_at)).where(
            LoginFailure.username == account,
            LoginFailure.address == address,
            LoginFailure.created_at > now - window,
            LoginFailure.id < attempt.id,
        )
    ).one()
    wait = delay_after(count, int(config["LOGIN_FAILURE_LIMIT"]), int(config["LOGIN_DELAY_MAX"]))
    if wait and latest + timedelta(seconds=wait) > now:
        # A refused attempt checked no password: it does not lengthen the wait.
        db.session.delete(attempt)
        db.session.commit()
        raise TooManyFailures(latest + timedelta(seconds=wait))


def succeeded(account: str, address: str) -> None:
    """Forget the failures of this account from this address (the right password came)."""
    db.session.execute(
        delete(LoginFailure).where(
            LoginFailure.username == account, LoginFailure.address == address
        )
    )
    db.session.commit()
