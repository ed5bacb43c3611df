"""Comment notifications: queued by the request, sent by the job worker to a local SMTP server."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.comment_helpers import post_comment, quick_forms  # noqa: F401
from tests.conftest import csrf_token_from
from tests.load_scenario import free_port
from webapp.extensions import db
from webapp.models import Comment
from webapp.services.comments import settings

pytestmark = pytest.mark.usefixtures("quick_forms")


class Inbox:
    """An SMTP handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture
def inbox(app, add_article):
    """Start an SMTP server on 127.0.0.1 for this test; point the site's mail at it."""
    add_article("Attention")
    port = free_port()
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    # Jobs go through the queue (a SQLite file), as with a real worker: nothing is sent in
    # the request itself.
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, JOBS_IMMEDIATE=False)
    yield received
    controller.stop()


def run_worker(app) -> int:
    """Run the queued tasks as the job worker does; return how many ran."""
    with app.app_context():
        from webapp.jobs.queue import queue

        huey = queue()
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def set_notify(app, address: str | None, auto: bool = False) -> None:
    with app.app_context():
        row = settings.current()
        row.notify_email, row.auto_approve = address, auto
        db.session.commit()


def body_of(message) -> str:
    return message.get_content()


def test_author_is_told_of_a_new_comment_by_the_worker(app, inbox):
    set_notify(app, "me@example.com")
    reader = app.test_client()
    assert post_comment(reader, name="Li", body="A **question** about $QK^T$.").status_code == 303
    assert inbox.messages == []  # the request only queued it
    assert run_worker(app) == 1
    (message,) = inbox.messages
    assert inbox.recipients == [["me@example.com"]]
    assert "New comment by Li" in message["Subject"] and "Attention" in message["Subject"]
    text = body_of(message)
    assert "A **question** about $QK^T$." in text
    assert "/posts/article-1/#comment-" in text and "/admin/comments" in text
    stop = re.search(r"Stop these emails: (\S+)", text).group(1)
    assert message["List-Unsubscribe"] == f"<{stop}>"

    path = stop.split("blog.test", 1)[1]
    assert "Stop the emails about new comments" in reader.get(path).get_data(as_text=True)
    with app.app_context():
        assert settings.current().notify_email == "me@example.com"  # a GET changes nothing
    token = csrf_token_from(reader, path)
    assert "Done" in reader.post(path, data={"csrf_token": token}).get_data(as_text=True)
    with app.app_context():
        assert settings.current().notify_email is None
    post_comment(app.test_client(), body="another")
    assert run_worker(app) == 0 and len(inbox.messages) == 1


def test_commenter_who_asked_hears_of_replies(app, inbox, signed_in_client):
    set_notify(app, None, auto=True)
    post_comment(app.test_client(), name="Asker", email="asker@example.com", notify_replies="on")
    post_comment(app.test_client(), name="Quiet", email="quiet@example.com", body="no mail")
    with app.app_context():
        asker, quiet = db.session.scalars(select(Comment.id).order_by(Comment.id)).all()
    for comment_id in (asker, quiet):
        signed_in_client.post(
            f"/admin/comments/{comment_id}/reply",
            data={"csrf_token": signed_in_client.csrf_token, "body": "Thanks!"},
        )
    assert inbox.messages == []
    assert run_worker(app) == 1
    (message,) = inbox.messages
    assert inbox.recipients == [["asker@example.com"]]
    assert "replied to your comment" in message["Subject"]
    text = body_of(message)
    assert "Thanks!" in text and "Stop these emails: http://blog.test/comments/unsubscribe/" in text
    path = re.search(r"Stop these emails: \S+?blog\.test(\S+)", text).group(1)
    reader = app.test_client()
    reader.post(path, data={"csrf_token": csrf_token_from(reader, path)})
    with app.app_context():
        assert db.session.get(Comment, asker).notify_replies is False


def test_a_forged_unsubscribe_link_is_404(client):
    assert client.get("/comments/unsubscribe/not-a-token").status_code == 404
