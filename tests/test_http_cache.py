"""HTTP caching: reader pages revalidate with ETag/Last-Modified and 304, and every kind of
answer says whether a browser, a proxy or a CDN may keep it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from flask import session

from tests.conftest import BASE_TIME
from tests.test_api import bearer, token  # noqa: F401 (a fixture)
from tests.test_listing_cache import publish_note
from webapp import create_app
from webapp.config import SettingError

HX = {"HX-Request": "true"}
# Every reader page the page cache serves, the htmx fragment of a listing among them.
READER_PAGES = {
    "home": ("/", {}),
    "home fragment": ("/", HX),
    "second page fragment": ("/?page=2", HX),
    "article": ("/posts/first/", {}),
    "category": ("/categories/ML/", {}),
    "tag": ("/tags/gpu/", {}),
    "month": ("/archive/2026/01/", {}),
    "archive": ("/archive/", {}),
    "categories": ("/categories/", {}),
    "tags": ("/tags/", {}),
}
LANGUAGES = ["en", "zh-CN"]


@pytest.fixture
def site(app, add_article):
    """Three published articles in one category and tag, one card per listing page."""
    app.config["CARDS_PER_PAGE"] = 1
    for n, slug in enumerate(("first", "second", "third")):
        add_article(
            f"Article {slug}",
            slug=slug,
            category=["ML"],
            tags=["gpu"],
            published_at=BASE_TIME + timedelta(hours=n),
        )
    return app


def strong_etag(response) -> str:
    """Return the response's entity tag, checking that it is a strong one."""
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"'), etag
    return etag


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", READER_PAGES)
def test_a_reader_page_answers_304_to_its_own_etag(site, client, name, language):
    site.config["SITE_LANG"] = language
    url, headers = READER_PAGES[name]
    page = client.get(url, headers=headers)
    assert page.status_code == 200 and page.data
    etag = strong_etag(page)
    assert page.last_modified is not None
    again = client.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # A 304 stands in for the page: it carries the same validators and caching rules.
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == page.headers["Cache-Control"]
    assert set(again.vary) == set(page.vary)
    since = client.get(url, headers={**headers, "If-Modified-Since": page.headers["Last-Modified"]})
    assert since.status_code == 304


@pytest.mark.parametrize("name", READER_PAGES)
def test_another_languages_copy_is_not_confirmed(site, client, name):
    url, headers = READER_PAGES[name]
    english = client.get(url, headers=headers)
    site.config["SITE_LANG"] = "zh-CN"
    chinese = client.get(url, headers={**headers, "If-None-Match": english.headers["ETag"]})
    assert chinese.status_code == 200 and chinese.data != english.data
    assert chinese.headers["ETag"] != english.headers["ETag"]


def test_the_fragment_and_the_page_have_their_own_etags(site, client):
    page = client.get("/")
    fragment = client.get("/", headers=HX)
    assert page.headers["ETag"] != fragment.headers["ETag"]
    assert {"HX-Request", "Accept-Encoding"} <= set(page.vary)
    # The page's tag does not confirm the fragment, nor the other way round.
    assert client.get("/", headers={**HX, "If-None-Match": page.headers["ETag"]}).status_code == 200
    assert client.get("/", headers={"If-None-Match": fragment.headers["ETag"]}).status_code == 200


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_each_encoding_has_its_own_strong_etag(site, client, encoding):
    plain = client.get("/posts/first/")
    packed = client.get("/posts/first/", headers={"Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding
    assert strong_etag(packed) != strong_etag(plain)
    revalidated = client.get(
        "/posts/first/",
        headers={"Accept-Encoding": encoding, "If-None-Match": packed.headers["ETag"]},
    )
    assert revalidated.status_code == 304
    # The uncompressed copy's tag does not stand for the compressed bytes.
    other = {"Accept-Encoding": encoding, "If-None-Match": plain.headers["ETag"]}
    assert client.get("/posts/first/", headers=other).status_code == 200


@pytest.mark.parametrize("url", ["/", "/posts/first/", "/categories/ML/", "/archive/"])
def test_a_publish_changes_the_etag(site, client, url):
    before = client.get(url)
    publish_note(site, "Just published", categories="ML", tags="[gpu]")
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.last_modified >= before.last_modified


def test_the_published_article_shows_to_a_client_holding_the_old_copy(site, client):
    before = client.get("/")
    publish_note(site, "Just published")
    after = client.get(
        "/",
        headers={
            "If-None-Match": before.headers["ETag"],
            "If-Modified-Since": before.headers["Last-Modified"],
        },
    )
    assert after.status_code == 200 and "Just published" in after.get_data(as_text=True)


def test_an_old_date_alone_gets_the_page(site, client):
    old = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get("/", headers={"If-Modified-Since": old}).status_code == 200


def test_reader_pages_may_be_kept_by_shared_caches_for_the_configured_time(site, client):
    expected = "public, max-age=0, s-maxage=5, stale-while-revalidate=30"
    for url, headers in READER_PAGES.values():
        assert client.get(url, headers=headers).headers["Cache-Control"] == expected, url
    site.config.update(READER_CACHE_SECONDS=60, READER_STALE_SECONDS=600)
    response = client.get("/posts/first/")
    assert response.cache_control.public and response.cache_control.max_age == 0
    assert response.cache_control.s_maxage == 60
    assert "stale-while-revalidate=600" in response.headers["Cache-Control"]
    # The author's request carries the session cookie: a shared copy must not answer it.
    assert "Cookie" in response.vary


def test_search_results_are_shared_like_reader_pages_without_an_etag(site, client):
    for headers in ({}, HX):
        response = client.get("/search?q=Article", headers=headers)
        assert response.status_code == 200
        assert response.headers["Cache-Control"].startswith("public, max-age=0, s-maxage=")
        assert "ETag" not in response.headers


def test_admin_and_api_answers_are_never_stored(site, signed_in_client, token):  # noqa: F811
    for url in ("/admin/articles", "/admin/upload", "/admin/nothing-here"):
        assert signed_in_client.get(url).headers["Cache-Control"] == "no-store", url
    client = site.test_client()
    assert client.get("/admin/login").headers["Cache-Control"] == "no-store"
    for headers in ({}, bearer(token)):
        for url in ("/api/jobs/999", "/api/nothing-here"):
            response = client.get(url, headers=headers)
            assert response.status_code in (401, 404) and response.is_json, url
            assert response.headers["Cache-Control"] == "no-store", url
    published = client.post(
        "/api/articles",
        data=b"---\ntitle: Via API\n---\nText.\n",
        headers={**bearer(token), "Content-Type": "text/markdown; charset=utf-8"},
    )
    assert published.status_code == 200
    assert published.headers["Cache-Control"] == "no-store"


def test_signing_in_is_never_cached(site, client, admin_user):
    from tests.conftest import csrf_token_from

    form_token = csrf_token_from(client)
    response = client.post(
        "/admin/login",
        data={"username": admin_user[0], "password": admin_user[1], "csrf_token": form_token},
    )
    assert response.status_code == 302 and "Set-Cookie" in response.headers
    assert "public" not in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]


def test_a_signed_in_authors_reader_pages_are_private(site, signed_in_client):
    for url, headers in READER_PAGES.values():
        response = signed_in_client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url
    search = signed_in_client.get("/search?q=Article")
    assert search.headers["Cache-Control"] == "private, no-store"


def test_any_answer_that_sets_a_cookie_is_private(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )

    @app.get("/remember-me")
    def remember_me():
        session["seen"] = True
        response = app.make_response("hello")
        response.headers["Cache-Control"] = "public, max-age=600"
        return response

    response = app.test_client().get("/remember-me")
    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == "private, no-store"


def test_errors_on_reader_pages_are_not_shared(site, client):
    for url in ("/posts/nothing-here/", "/?page=99", "/?after=nonsense"):
        response = client.get(url)
        assert response.status_code in (400, 404), url
        assert "public" not in response.headers.get("Cache-Control", ""), url
        assert "ETag" not in response.headers, url


def test_stored_images_keep_their_year_long_lifetime(site, client):
    from tests.conftest import ingest, tiny_png

    ingest(site, {"note.md": b"---\ntitle: Pic\n---\n![x](a.png)\n", "a.png": tiny_png()})
    html = client.get("/posts/pic/").get_data(as_text=True)
    src = html[html.index("/media/") :].split('"')[0]
    image = client.get(src)
    assert image.status_code == 200
    assert image.headers["Cache-Control"] == "public, max-age=31536000"


@pytest.mark.parametrize("value", [-1, "soon", 1.5, True])
def test_a_bad_cache_setting_stops_the_app(tmp_path, value):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-only",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "READER_CACHE_SECONDS": value,
    }
    with pytest.raises(SettingError, match="READER_CACHE_SECONDS"):
        create_app(config)
