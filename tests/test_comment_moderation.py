"""Moderation in /admin/comments: approve, spam, delete, reply, close; the approval settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.comment_helpers import open_form, post_comment, quick_forms  # noqa: F401
from webapp.extensions import db
from webapp.models import COMMENT_APPROVED, COMMENT_PENDING, COMMENT_SPAM, Comment, utcnow

pytestmark = pytest.mark.usefixtures("quick_forms")


@pytest.fixture
def pending(app, add_article):
    """Post one comment as a reader; return its id."""
    add_article("Attention")
    assert post_comment(app.test_client(), body="please approve me").status_code == 303
    with app.app_context():
        return db.session.scalar(select(Comment.id))


def status_of(app, comment_id):
    with app.app_context():
        found = db.session.get(Comment, comment_id)
        return found.status if found else None


def act(client, comment_id, name, **data):
    return client.post(
        f"/admin/comments/{comment_id}/{name}", data={"csrf_token": client.csrf_token, **data}
    )


def reader_page(app) -> str:
    return app.test_client().get("/posts/article-1/").get_data(as_text=True)


def test_moderation_needs_sign_in(client, pending):
    assert client.get("/admin/comments").status_code == 302
    assert client.post(f"/admin/comments/{pending}/approve").status_code in (302, 400)


def test_queue_lists_waiting_comments_with_their_article(signed_in_client, pending):
    page = signed_in_client.get("/admin/comments")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "please approve me" in html and "Attention" in html and "Waiting (1)" in html


def test_approve_publishes_on_the_next_request(app, signed_in_client, pending):
    assert "please approve me" not in reader_page(app)
    assert act(signed_in_client, pending, "approve").status_code == 302
    assert status_of(app, pending) == COMMENT_APPROVED
    assert "please approve me" in reader_page(app)


def test_spam_and_delete_take_it_away(app, signed_in_client, pending):
    act(signed_in_client, pending, "approve")
    act(signed_in_client, pending, "spam")
    assert status_of(app, pending) == COMMENT_SPAM
    assert "please approve me" not in reader_page(app)
    act(signed_in_client, pending, "delete")
    assert status_of(app, pending) is None


def test_author_reply_approves_and_nests(app, signed_in_client, pending):
    response = act(signed_in_client, pending, "reply", body="Thanks, **reader**!")
    assert response.status_code == 302
    html = reader_page(app)
    assert "please approve me" in html and "<strong>reader</strong>" in html
    assert 'class="comment comment-by-author"' in html
    assert html.index("please approve me") < html.index("comment-replies")


def test_close_one_article_then_reopen(app, signed_in_client, pending):
    reader = app.test_client()
    opened_before = open_form(reader)
    token = signed_in_client.csrf_token
    signed_in_client.post("/admin/comments/close", data={"csrf_token": token, "slug": "article-1"})
    assert "Comments are closed." in reader_page(app)
    assert "Comments are closed." in reader.get("/posts/article-1/comment/").get_data(as_text=True)
    late = {**opened_before, "name": "Late", "body": "late"}
    refused = reader.post("/posts/article-1/comment/", data=late)
    assert refused.status_code == 403
    assert "comments are closed on this article" in refused.get_data(as_text=True)
    signed_in_client.post("/admin/comments/reopen", data={"csrf_token": token, "slug": "article-1"})
    assert "Write a comment" in reader_page(app)
    assert post_comment(reader, body="on time").status_code == 303


def save_settings(client, **fields):
    data = {"csrf_token": client.csrf_token, "approve_known": "on", **fields}
    return client.post("/admin/comments/settings", data=data)


def test_close_articles_older_than_n_days(app, signed_in_client, add_article):
    client = app.test_client()
    add_article("Old", slug="old", published_at=utcnow() - timedelta(days=40))
    add_article("New", slug="new", published_at=utcnow() - timedelta(days=2))
    assert save_settings(signed_in_client, close_after_days="30").status_code == 302
    assert "Comments are closed." in client.get("/posts/old/comment/").get_data(as_text=True)
    assert post_comment(client, "new").status_code == 303
    assert "Comments are closed." in client.get("/posts/old/").get_data(as_text=True)


def test_bad_settings_are_refused_whole(app, signed_in_client, add_article):
    response = save_settings(signed_in_client, close_after_days="soon", blocklist="casino")
    assert response.status_code == 422
    assert "whole number" in response.get_data(as_text=True)
    response = save_settings(signed_in_client, notify_email="not-an-address")
    assert response.status_code == 422
    page = signed_in_client.get("/admin/comments").get_data(as_text=True)
    assert "casino" not in page


def test_auto_approve_setting(app, signed_in_client, add_article):
    add_article("Attention")
    save_settings(signed_in_client, auto_approve="on")
    assert post_comment(app.test_client(), body="straight through").status_code == 303
    assert "straight through" in reader_page(app)


def test_earlier_approved_commenter_skips_the_queue(app, signed_in_client, pending):
    first = app.test_client()
    post_comment(first, body="first", email="li@example.com")
    with app.app_context():
        first_id = db.session.scalar(select(Comment.id).where(Comment.email == "li@example.com"))
    assert status_of(app, first_id) == COMMENT_PENDING
    act(signed_in_client, first_id, "approve")
    post_comment(app.test_client(), body="second", email="li@example.com")
    post_comment(app.test_client(), body="stranger", email="other@example.com")
    with app.app_context():
        rows = dict(db.session.execute(select(Comment.source_md, Comment.status)).all())
    assert rows["second"] == COMMENT_APPROVED and rows["stranger"] == COMMENT_PENDING
    save_settings(signed_in_client, approve_known="")
    with app.app_context():
        db.session.execute(
            Comment.__table__.update().values(created_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    post_comment(app.test_client(), body="third", email="li@example.com")
    with app.app_context():
        third = db.session.scalar(select(Comment.status).where(Comment.source_md == "third"))
    assert third == COMMENT_PENDING
