"""The checks a new comment passes, with no outside service; each refusal has its status.

Cheap checks first (the form's trap and timing, the blocklist, the rates), the Markdown
render last: a bot's flood costs a query or two per post, never a render.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from ...content.messages import N_
from ...extensions import db
from ...models import Comment, utcnow
from .settings import Blocklist

_FORM_SALT = "comment-form"
# A form older than this is refused: the page has been open for days, or the token copied.
FORM_MAX_AGE = 2 * 24 * 60 * 60


class CommentRejected(Exception):
    """A comment refused before anything is stored; str() is a report text (N_)."""

    def __init__(self, reason: str, status: int = 422) -> None:
        super().__init__(reason)
        self.status = status


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_FORM_SALT)


def form_token(article_id: int) -> str:
    """Return the token a comment form carries: its article and when it was handed out."""
    return _serializer().dumps(article_id)


def check_form(token: str, article_id: int, trap: str) -> None:
    """Refuse a filled trap field, a form sent too soon after it was opened, or a bad token."""
    if trap:
        raise CommentRejected(N_("the comment looks automated (a hidden field was filled in)"), 400)
    try:
        found, issued = _serializer().loads(token, max_age=FORM_MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        raise CommentRejected(
            N_("the form has expired; reload the page and send the comment again"), 400
        ) from None
    except BadSignature:
        raise CommentRejected(N_("the form is not one this site handed out"), 400) from None
    if found != article_id:
        raise CommentRejected(N_("the form is not one this site handed out"), 400)
    waited = (utcnow() - issued.replace(tzinfo=None)).total_seconds()
    minimum = float(current_app.config["COMMENT_MIN_FILL_SECONDS"])
    if waited < minimum:
        too_soon = N_("the form was sent %(seconds)s s after it was opened; wait and send it again")
        raise CommentRejected(too_soon % {"seconds": f"{max(waited, 0):.0f}"}, 400)


def check_blocklist(blocklist: Blocklist, address: str, *texts: str | None) -> None:
    """Refuse a comment from a listed address or holding a listed word."""
    if blocklist.blocks_address(address) or blocklist.blocks_text(*texts):
        raise CommentRejected(
            N_("the comment holds a word or comes from an address the author blocks"), 403
        )


def check_rates(address: str, article_id: int) -> None:
    """Refuse a comment past the per-address or per-article rate in the settings' window."""
    config = current_app.config
    since = utcnow() - timedelta(seconds=int(config["COMMENT_RATE_WINDOW"]))
    recent = select(func.count()).select_from(Comment).where(Comment.created_at >= since)
    if address and db.session.scalar(recent.where(Comment.address == address)) >= int(
        config["COMMENT_RATE_PER_ADDRESS"]
    ):
        raise CommentRejected(
            N_("too many comments from your address; try again in a few minutes"), 429
        )
    if db.session.scalar(recent.where(Comment.article_id == article_id)) >= int(
        config["COMMENT_RATE_PER_ARTICLE"]
    ):
        raise CommentRejected(
            N_("this article is receiving too many comments; try again in a few minutes"), 429
        )


def check_links(html: str) -> None:
    """Refuse a comment with more links than the settings allow."""
    limit = int(current_app.config["COMMENT_MAX_LINKS"])
    if html.count("<a ") > limit:
        raise CommentRejected(
            N_("the comment has more than %(limit)s links") % {"limit": limit}, 422
        )
