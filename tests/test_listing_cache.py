"""Listing pages are served from the page cache, and never show a stale list."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from tests.test_listing import fragment_titles
from webapp.extensions import db
from webapp.models import DRAFT, Article
from webapp.services import authoring
from webapp.services.publishing import publish

HX = {"HX-Request": "true"}


def publish_note(app, title: str, **front) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in front.items())
    with app.app_context():
        return publish(f"---\ntitle: {title}\n{extra}---\nAbout {title}.\n").article.slug


def titles_at(client, url: str, headers=None) -> list[str]:
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, url
    return fragment_titles(response.get_data(as_text=True))


def article_named(title: str) -> Article:
    return db.session.scalar(db.select(Article).filter_by(title=title))


@pytest.fixture
def renders(monkeypatch):
    """Record every listing rendered from the database (a cache miss)."""
    import webapp.blog.views as views

    calls = []
    original = views._render_listing
    monkeypatch.setattr(
        views, "_render_listing", lambda *a, **k: calls.append(a[1]) or original(*a, **k)
    )
    return calls


def test_card_titles_finds_the_cards(app, client, add_article):
    add_article("Only one")
    assert titles_at(client, "/") == ["Only one"]


def test_a_repeated_listing_request_is_served_from_the_cache(app, client, add_article, renders):
    add_article("One", category=["ML"], tags=["gpu"])
    for url in ("/", "/categories/ML/", "/tags/gpu/"):
        first = client.get(url).data
        assert client.get(url).data == first
    assert renders == ["blog/index.html", "blog/category.html", "blog/tag.html"]


def test_the_listing_follows_publishing_editing_unpublishing_and_trashing(app, client):
    publish_note(app, "Alpha")
    assert titles_at(client, "/") == ["Alpha"]

    publish_note(app, "Beta")
    assert titles_at(client, "/") == ["Beta", "Alpha"]

    # An edit moves the article to the top and shows its new title.
    publish_note(app, "Alpha, revised", slug="alpha")
    assert titles_at(client, "/") == ["Alpha, revised", "Beta"]

    with app.app_context():
        authoring.set_status(article_named("Beta"), DRAFT)
    assert titles_at(client, "/") == ["Alpha, revised"]

    with app.app_context():
        authoring.set_status(article_named("Beta"), "published")
        authoring.move_to_trash(article_named("Alpha, revised"))
    assert titles_at(client, "/") == ["Beta"]

    with app.app_context():
        authoring.restore_from_trash(article_named("Alpha, revised"))
    assert set(titles_at(client, "/")) == {"Alpha, revised", "Beta"}


def test_category_and_tag_pages_follow_a_new_article(app, client):
    publish_note(app, "First", categories="[ML, DL]", tags="[GPU]")
    assert titles_at(client, "/categories/ML/") == ["First"]
    assert titles_at(client, "/tags/gpu/") == ["First"]
    publish_note(app, "Second", categories="[ML, DL]", tags="[GPU]")
    assert titles_at(client, "/categories/ML/") == ["Second", "First"]
    assert titles_at(client, "/categories/ML/DL/") == ["Second", "First"]
    assert titles_at(client, "/tags/gpu/") == ["Second", "First"]


def test_the_fragment_and_the_full_page_are_cached_apart(app, client, add_article):
    add_article("Post")
    page = client.get("/").get_data(as_text=True)
    fragment = client.get("/", headers=HX).get_data(as_text=True)
    assert "<html" in page and "<html" not in fragment
    assert "<html" in client.get("/").get_data(as_text=True)
    assert "<html" not in client.get("/", headers=HX).get_data(as_text=True)
    boosted = client.get("/", headers={**HX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in boosted


def test_cursor_and_page_number_pages_are_cached_apart(app, client, add_article):
    for n in range(30):
        add_article(f"Post {n:02d}")
    first = titles_at(client, "/")
    second = titles_at(client, "/?page=2")
    html = client.get("/").get_data(as_text=True)
    cursor = re.search(r'href="/\?after=([0-9-]+)[&"]', html).group(1)
    assert titles_at(client, f"/?after={cursor}", HX) == second
    assert titles_at(client, "/") == first
    assert not set(first) & set(second)


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_every_encoding_of_a_cached_listing_shows_the_new_article(app, client, encoding):
    publish_note(app, "Old")
    client.get("/", headers={"Accept-Encoding": encoding})
    publish_note(app, "New")
    response = client.get("/", headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert set(response.vary) >= {"Accept-Encoding", "HX-Request"}
    body = brotli.decompress(response.data) if encoding == "br" else gzip.decompress(response.data)
    assert fragment_titles(body.decode("utf-8")) == ["New", "Old"]


def test_a_bad_request_is_not_cached(app, client, add_article):
    add_article("Post")
    assert client.get("/?after=nonsense").status_code == 400
    assert client.get("/?after=nonsense").status_code == 400
    assert client.get("/?page=99").status_code == 404
    add_article("Another")
    assert client.get("/?page=1").status_code == 200
