"""The site's clock: the one place the current time is read, so that tests can set it.

Scheduled articles appear when the clock passes their date, on the next read: every
visibility query compares with `now()`, so a test that moves the clock sees exactly what
a reader would see at that moment, with no job to run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context


def system_now() -> datetime:
    """Return the system's current time as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def now() -> datetime:
    """Return the current time as naive UTC: the app's clock when one is set, else the system's."""
    if has_app_context():
        clock = current_app.extensions.get("clock")
        if clock is not None:
            return clock()
    return system_now()


class FrozenClock:
    """A clock that stands still until moved: app.extensions["clock"] = FrozenClock(moment)."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **span: float) -> datetime:
        """Move the clock on by a timedelta's keywords (minutes=5); return the new time."""
        self.moment += timedelta(**span)
        return self.moment
