"""Readers comment without an account: the form, posting with and without htmx, preview,
the pending cookie, replies one level deep, and caching of the pages around them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.comment_helpers import open_form, post_comment, quick_forms  # noqa: F401
from webapp.extensions import db
from webapp.models import COMMENT_APPROVED, COMMENT_PENDING, Comment

HX = {"HX-Request": "true"}
pytestmark = pytest.mark.usefixtures("quick_forms")


@pytest.fixture
def article(add_article):
    """Return the slug of one published article."""
    add_article("Attention")
    return "article-1"


def stored(app) -> list[Comment]:
    with app.app_context():
        return db.session.scalars(select(Comment).order_by(Comment.id)).all()


def approve_all(app) -> None:
    with app.app_context():
        for comment in db.session.scalars(select(Comment)):
            comment.status = COMMENT_APPROVED
        db.session.commit()


def test_article_links_to_the_form_which_is_never_cached(client, article):
    page = client.get(f"/posts/{article}/")
    html = page.get_data(as_text=True)
    assert 'href="/posts/article-1/comment/"' in html and "Write a comment" in html
    assert 'name="csrf_token"' not in html  # the shared page holds no per-reader token
    form = client.get(f"/posts/{article}/comment/")
    assert form.status_code == 200
    assert form.headers["Cache-Control"] == "private, no-store"
    body = form.get_data(as_text=True)
    for field in ('name="name"', 'name="email"', 'name="website"', 'name="body"'):
        assert field in body
    assert '<form id="comment-form"' in body and "<html" in body


def test_form_fragment_for_htmx(client, article):
    response = client.get(f"/posts/{article}/comment/", headers=HX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<form") and "<html" not in html


def test_post_without_javascript_redirects_to_the_pending_comment(app, client, article):
    response = post_comment(client, email="li@example.com", website="li.example", body="Hi $x^2$")
    assert response.status_code == 303
    (comment,) = stored(app)
    assert response.headers["Location"].endswith(f"/posts/{article}/#comment-{comment.id}")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "comment_key=" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert comment.status == COMMENT_PENDING and comment.website == "https://li.example"
    assert 'class="math math-inline"' in comment.html

    page = client.get(f"/posts/{article}/")
    html = page.get_data(as_text=True)
    assert "Awaiting moderation" in html and f'id="comment-{comment.id}"' in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "li@example.com" not in html  # the email is never shown


def test_nobody_else_sees_a_pending_comment(app, client, article):
    post_comment(client, body="only mine")
    other = app.test_client()
    page = other.get(f"/posts/{article}/")
    assert "only mine" not in page.get_data(as_text=True)
    assert page.headers["Cache-Control"].startswith("public")
    # A forged cookie sees nothing either.
    other.set_cookie("comment_key", "forged", domain="blog.test")
    assert "only mine" not in other.get(f"/posts/{article}/").get_data(as_text=True)


def test_post_with_htmx_answers_in_place(app, client, article):
    response = post_comment(client, htmx=True, body="in place")
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert 'id="comment-posted"' in html and "awaiting moderation" in html and "in place" in html
    assert "<html" not in html
    assert "comment_key=" in response.headers["Set-Cookie"]


def test_refused_comment_gets_the_form_back_with_the_reason(app, client, article):
    response = post_comment(client, name="  ", body="kept text")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Your comment was not posted: please give a name." in html
    assert "kept text" in html and "<html" in html
    fragment = post_comment(client, htmx=True, name="", body="kept")
    assert fragment.status_code == 422
    assert fragment.get_data(as_text=True).lstrip().startswith("<form")
    assert stored(app) == []


def test_post_needs_the_csrf_token(app, client, article):
    data = open_form(client)
    data.pop("csrf_token")
    response = client.post(f"/posts/{article}/comment/", data={**data, "name": "A", "body": "b"})
    assert response.status_code == 400
    assert stored(app) == []


def test_preview_with_and_without_htmx(app, client, article):
    data = {**open_form(client), "name": "A", "body": "**bold** <script>x</script>"}
    fragment = client.post(f"/posts/{article}/comment/preview", data=data, headers=HX)
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert "<strong>bold</strong>" in html and "<script>" not in html and "<form" not in html
    page = client.post(f"/posts/{article}/comment/", data={**data, "action": "preview"})
    assert page.status_code == 200
    assert "<strong>bold</strong>" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    refused = client.post(
        f"/posts/{article}/comment/preview", data={**data, "body": "x" * 10_001}, headers=HX
    )
    assert refused.status_code == 422
    assert "longer than 10000 characters" in refused.get_data(as_text=True)
    assert stored(app) == []


def test_replies_nest_one_level(app, client, article):
    post_comment(client, name="First", body="top")
    approve_all(app)
    top = stored(app)[0]
    assert post_comment(client, parent_id=top.id, name="Second", body="reply").status_code == 303
    approve_all(app)
    reply = stored(app)[1]
    assert reply.parent_id == top.id
    # A reply to the reply joins the same thread.
    post_comment(client, parent_id=reply.id, name="Third", body="deeper")
    approve_all(app)
    assert stored(app)[2].parent_id == top.id
    html = app.test_client().get(f"/posts/{article}/").get_data(as_text=True)
    thread = html[html.index('class="comment-list"') :]
    assert thread.index("top") < thread.index('class="comment-replies"') < thread.index("deeper")
    assert thread.count('class="comment-reply-link"') == 1  # replies take no replies of their own


def test_reply_to_a_pending_or_unknown_comment_is_refused(app, client, article):
    post_comment(client, body="waiting")
    pending = stored(app)[0]
    assert client.get(f"/posts/{article}/comment/?reply_to={pending.id}").status_code == 404
    data = {**open_form(client), "name": "A", "body": "b", "parent_id": str(pending.id)}
    assert client.post(f"/posts/{article}/comment/", data=data).status_code == 404
    assert len(stored(app)) == 1


def test_unknown_or_draft_article_has_no_form(client, add_article):
    add_article("Draft", status="draft")
    assert client.get("/posts/nothing/comment/").status_code == 404
    assert client.get("/posts/article-1/comment/").status_code == 404


def test_an_approved_comment_shows_on_the_next_request(app, client, article):
    reader = app.test_client()
    before = reader.get(f"/posts/{article}/")
    assert 'Comments <span class="comment-count">(0)</span>' in before.get_data(as_text=True)
    post_comment(client, body="now visible")
    approve_all(app)
    after = reader.get(f"/posts/{article}/", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    html = after.get_data(as_text=True)
    assert "now visible" in html and "(1)</span>" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


def test_json_ld_carries_approved_comments_and_their_count(app, client, article):
    import json
    import re

    post_comment(client, name="Li", body="approved one")
    approve_all(app)
    post_comment(client, name="Wang", body="still waiting")
    html = client.get(f"/posts/{article}/").get_data(as_text=True)
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["commentCount"] == 1
    assert [c["text"] for c in data["comment"]] == ["approved one"]
    assert data["comment"][0]["@type"] == "Comment"
    assert data["comment"][0]["author"] == {"@type": "Person", "name": "Li"}


def test_cards_count_approved_comments_on_the_next_request(app, client, article):
    reader = app.test_client()
    assert "1 comment" not in reader.get("/").get_data(as_text=True)
    post_comment(client, body="first")
    assert "1 comment" not in reader.get("/").get_data(as_text=True)  # pending: not counted
    approve_all(app)
    html = reader.get("/").get_data(as_text=True)
    assert '<a class="card-comments" href="/posts/article-1/#comments">1 comment</a>' in html
    fragment = reader.get("/?page=1", headers=HX).get_data(as_text=True)
    assert "1 comment" in fragment
