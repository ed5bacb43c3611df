"""Atom feeds of approved comments, per article and for the site: content, links, caching."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from sqlalchemy import select

from tests.conftest import BASE_TIME
from webapp.content.commentmd import render_comment
from webapp.extensions import db
from webapp.models import COMMENT_APPROVED, COMMENT_PENDING, DRAFT, Comment

HOSTILE = (
    "Nice! <script>alert(1)</script> see [this](https://spam.example/) and "
    '<img src=x onerror="alert(2)"> $x^2$'
)


@pytest.fixture
def articles(add_article):
    """Two published articles and a draft: article-1, article-2, article-3 (draft)."""
    add_article("Attention")
    add_article("Kernels")
    add_article("Secret", status=DRAFT)


@pytest.fixture
def add_comment(app):
    """Return a function that stores a comment on an article (by slug) through the ORM."""

    def add(slug, body="Nice post.", *, status=COMMENT_APPROVED, name="Reader", minutes=0, **kw):
        from webapp.models import Article

        with app.app_context():
            article = db.session.scalar(select(Article).where(Article.slug == slug))
            comment = Comment(
                article_id=article.id,
                status=status,
                name=name,
                source_md=body,
                html=render_comment(body).html,
                created_at=BASE_TIME + timedelta(minutes=minutes),
                approved_at=BASE_TIME if status == COMMENT_APPROVED else None,
                **kw,
            )
            db.session.add(comment)
            db.session.commit()
            return comment.id

    return add


def set_status(app, comment_id, status):
    with app.app_context():
        db.session.get(Comment, comment_id).status = status
        db.session.commit()


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return feedparser.parse(response.get_data()).entries


def test_article_page_links_its_comment_feed_and_the_sites(client, articles):
    html = client.get("/posts/article-1/").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Signal &amp; Noise · '
        'Comments on Attention" href="/posts/article-1/comments.xml">' in html
    )
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Signal &amp; Noise · '
        'Comments" href="/comments.xml">' in html
    )
    assert 'href="/feed.xml"' in html  # the site's article feed stays


def test_article_feed_lists_its_approved_comments_sanitized(client, articles, add_comment):
    first = add_comment("article-1", HOSTILE, name="Li Hua", website="https://li.example/")
    add_comment("article-1", "Waiting", status=COMMENT_PENDING, minutes=1)
    add_comment("article-2", "On the other article", minutes=2)
    feed = feedparser.parse(client.get("/posts/article-1/comments.xml").get_data())
    assert "Comments on Attention" in feed.feed.title
    (entry,) = feed.entries
    assert entry.id.endswith(f"/posts/article-1/#comment-{first}")
    assert entry.link.endswith(f"/posts/article-1/#comment-{first}")
    assert entry.author == "Li Hua"
    assert entry.title == "Li Hua on Attention"
    body = entry.content[0].value
    # The stored comment HTML: hostile markup as text, links nofollow ugc, math as MathML.
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;" in body and "&lt;img" in body
    assert 'rel="nofollow ugc noopener"' in body and "<math" in body


def test_site_feed_lists_approved_comments_of_visible_articles(client, articles, add_comment):
    add_comment("article-1", "First", minutes=1)
    add_comment("article-2", "Second", minutes=2)
    add_comment("article-3", "On a draft", minutes=3)
    add_comment("article-2", "Spam", status="spam", minutes=4)
    found = entries(client, "/comments.xml")
    assert [e.title for e in found] == ["Reader on Kernels", "Reader on Attention"]
    assert "Second" in found[0].content[0].value


def test_feed_of_unknown_or_draft_article_is_404(client, articles):
    assert client.get("/posts/nowhere/comments.xml").status_code == 404
    assert client.get("/posts/article-3/comments.xml").status_code == 404


def test_empty_feed_is_valid(client, articles):
    feed = feedparser.parse(client.get("/posts/article-2/comments.xml").get_data())
    assert not feed.bozo and feed.entries == []


@pytest.mark.parametrize("url", ["/posts/article-1/comments.xml", "/comments.xml"])
def test_an_approval_shows_on_the_next_request(app, client, articles, add_comment, url):
    waiting = add_comment("article-1", "Worth reading", status=COMMENT_PENDING)
    first = client.get(url)
    assert feedparser.parse(first.get_data()).entries == []
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    set_status(app, waiting, COMMENT_APPROVED)
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200
    (entry,) = feedparser.parse(after.get_data()).entries
    assert "Worth reading" in entry.content[0].value
    # Marking it as spam takes it out again.
    set_status(app, waiting, "spam")
    assert entries(client, url) == []


def test_deleting_a_comment_takes_it_out(app, client, articles, add_comment):
    gone = add_comment("article-1", "Soon gone")
    assert len(entries(client, "/comments.xml")) == 1
    with app.app_context():
        db.session.delete(db.session.get(Comment, gone))
        db.session.commit()
    assert entries(client, "/comments.xml") == []
