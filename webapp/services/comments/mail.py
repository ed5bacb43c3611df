"""Comment notifications (sent by the job worker; the request only queues them)."""

from __future__ import annotations

from ...models import Comment


def announce(comment: Comment) -> None:
    """Queue the emails a new comment causes."""
