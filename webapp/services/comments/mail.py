"""Comment notifications (sent by the job worker; the request only queues them)."""

from __future__ import annotations

from ...models import Comment


def announce(comment: Comment) -> None:
    """Queue the emails a new comment causes."""


def announce_reply(comment: Comment) -> None:
    """Queue the email to the commenter a newly approved reply answers, if they asked."""
