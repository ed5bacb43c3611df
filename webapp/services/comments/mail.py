"""Comment notifications: queued by the request, sent over SMTP by the job worker.

The author hears of every new comment (when the settings name an address); a commenter who
asked hears of each approved reply to their comment. Every message carries an unsubscribe
link (and a List-Unsubscribe header) whose signed token names what it stops.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer

from ...extensions import db
from ...models import COMMENT_APPROVED, Comment
from . import settings

AUTHOR = "author"  # the author's notice of a new comment
REPLY = "reply"  # a commenter's notice of a reply
_SALT = "comment-unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(kind: str, comment_id: int | None = None) -> str:
    """Return the token of an unsubscribe link: the author's notices, or one comment's replies."""
    return _serializer().dumps([kind, comment_id])


def read_unsubscribe_token(token: str) -> tuple[str, int | None] | None:
    """Return what an unsubscribe token stops, or None when it is not one of ours."""
    try:
        kind, comment_id = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return (kind, comment_id) if kind in (AUTHOR, REPLY) else None


def unsubscribe(kind: str, comment_id: int | None) -> None:
    """Stop the notices a token names."""
    if kind == AUTHOR:
        settings.current().notify_email = None
    else:
        found = db.session.get(Comment, comment_id)
        if found is not None:
            found.notify_replies = False
    db.session.commit()


def _enabled() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _queue(kind: str, comment: Comment) -> None:
    """Hand one message to the job worker, with the site's address for its links."""
    from ...jobs.queue import queue  # the queue needs the app; imported when used
    from ...share import site_root

    root = site_root() if has_request_context() else current_app.config.get("SITE_URL") or ""
    try:
        queue().send_comment_mail(kind, comment.id, root)
    except Exception:  # a stopped queue loses a notice, never the comment
        current_app.logger.exception("comment %s: notice not queued", comment.id)


def announce(comment: Comment) -> None:
    """Queue the emails a new comment causes: the author's notice, a reply's notice."""
    if not _enabled():
        return
    if settings.current().notify_email and not comment.by_author:
        _queue(AUTHOR, comment)
    announce_reply(comment)


def announce_reply(comment: Comment) -> None:
    """Queue the notice to the commenter a newly approved reply answers, if they asked."""
    if not _enabled() or comment.status != COMMENT_APPROVED or comment.parent is None:
        return
    parent = comment.parent
    if parent.notify_replies and parent.email and parent.email != comment.email:
        _queue(REPLY, comment)


def send(kind: str, comment_id: int, root: str) -> None:
    """Write and send one notice (in the worker); a deleted comment sends nothing."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return
    if kind == AUTHOR:
        to = settings.current().notify_email
        token = unsubscribe_token(AUTHOR)
    else:
        to = comment.parent.email if comment.parent and comment.parent.notify_replies else None
        token = unsubscribe_token(REPLY, comment.parent_id)
    if not to:
        return
    config = current_app.config
    with current_app.test_request_context(base_url=root or None):
        from ...share import absolute_url

        with force_locale(config.get("SITE_LANG") or "en"):
            link = absolute_url(
                "blog.article", slug=comment.article.slug, _anchor=f"comment-{comment.id}"
            )
            stop = absolute_url("comments.unsubscribe", token=token)
            moderate = absolute_url("admin.comments")
            subject, text = render_template(
                "comments/mail.txt",
                kind=kind,
                comment=comment,
                link=link,
                stop=stop,
                moderate=moderate,
            ).split("\n", 1)
    message = EmailMessage()
    message["Subject"] = subject.strip()
    message["From"] = config.get("MAIL_FROM") or formataddr(
        (config.get("SITE_TITLE") or "Blog", f"noreply@{config['SMTP_HOST']}")
    )
    message["To"] = to
    message["Message-ID"] = make_msgid()
    message["List-Unsubscribe"] = f"<{stop}>"
    message.set_content(text.lstrip("\n"))
    _deliver(message)


def _deliver(message: EmailMessage) -> None:
    """Send a message over SMTP with the settings' host, port, TLS and credentials."""
    config = current_app.config
    timeout = float(config["SMTP_TIMEOUT"])
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=timeout) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)
