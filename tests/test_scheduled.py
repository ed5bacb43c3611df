"""Scheduled publishing: an article dated later stays hidden until its time, then appears by
itself on the next read (the site's clock is frozen and moved by the tests)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.conftest import ingest
from tests.test_api import bearer, token  # noqa: F401 (a fixture)
from tests.test_listing import fragment_titles
from webapp.extensions import db
from webapp.models import Article
from webapp.services import authoring
from webapp.services.publishing import publish

DUE = datetime(2026, 1, 3, 9, 0)  # the clock stands at 2026-01-02 12:00 UTC
LATER = "2026-01-03 09:00"


def note(title: str, date: str | None = None, **front) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in front.items())
    dated = f"date: {date}\n" if date else ""
    return f"---\ntitle: {title}\n{dated}{extra}---\nAbout {title}, with the word kumquat.\n"


def publish_note(app, title: str, date: str | None = None, **front) -> str:
    with app.app_context():
        return publish(note(title, date, **front)).article.slug


def titles(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return fragment_titles(response.get_data(as_text=True))


def reader_view(client, slug: str) -> dict[str, str]:
    """Return what a reader gets at each place an article may show up."""
    return {
        "article": str(client.get(f"/posts/{slug}/").status_code),
        "home": " ".join(titles(client, "/")),
        "category": client.get("/categories/").get_data(as_text=True),
        "tag": client.get("/tags/citrus/").get_data(as_text=True),
        "archive": client.get("/archive/").get_data(as_text=True),
        "feed": client.get("/feed.xml").get_data(as_text=True),
        "sitemap": client.get("/sitemap.xml").get_data(as_text=True),
        "search": client.get("/search?q=kumquat").get_data(as_text=True),
    }


def test_a_future_article_is_hidden_everywhere_until_its_time(app, client, clock):
    publish_note(app, "Already out", "2026-01-01 08:00")
    slug = publish_note(app, "Coming soon", LATER, categories="Fruit", tags="citrus")

    before = reader_view(client, slug)
    assert before["article"] == "404"
    assert before["home"] == "Already out"
    assert "Fruit" not in before["category"] and "Coming soon" not in before["tag"]
    assert "2026" in before["archive"] and "Coming soon" not in before["archive"]
    for place in ("feed", "sitemap", "search"):
        assert "Coming soon" not in before[place] and f"/posts/{slug}/" not in before[place]

    # Nothing is written: the clock passing the date is enough, on the very next request.
    clock.moment = DUE
    after = reader_view(client, slug)
    assert after["article"] == "200"
    # It comes in at the top: its update is its publication.
    assert after["home"] == "Coming soon Already out"
    assert "Fruit" in after["category"] and "Coming soon" in after["tag"]
    assert "Coming soon" in after["feed"]
    assert f"/posts/{slug}/" in after["sitemap"]
    assert "Coming soon" in after["search"]


def test_cached_pages_and_their_validators_change_when_it_comes_due(app, client, clock):
    publish_note(app, "Already out", "2026-01-01 08:00")
    slug = publish_note(app, "Coming soon", LATER)
    first = client.get("/")
    neighbour = client.get("/posts/already-out/")
    assert "Coming soon" not in neighbour.get_data(as_text=True)
    # Served again from the cache, the same page answers 304 to its own validators.
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304

    clock.moment = DUE
    fresh = client.get(
        "/",
        headers={
            "If-None-Match": first.headers["ETag"],
            "If-Modified-Since": first.headers["Last-Modified"],
        },
    )
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != first.headers["ETag"]
    assert fresh.headers["Last-Modified"] == "Sat, 03 Jan 2026 09:00:00 GMT"
    assert fragment_titles(fresh.get_data(as_text=True))[0] == "Coming soon"
    # The older article's page links to its new neighbour at once.
    assert f"/posts/{slug}/" in client.get("/posts/already-out/").get_data(as_text=True)
    feed = client.get("/feed.xml")
    assert "<updated>2026-01-03T09:00:00Z</updated>" in feed.get_data(as_text=True)


def test_related_and_neighbour_links_wait_for_the_date(app, client, clock):
    publish_note(app, "Older", "2026-01-01 08:00", tags="citrus")
    slug = publish_note(app, "Coming soon", LATER, tags="citrus")
    page = client.get("/posts/older/").get_data(as_text=True)
    assert f"/posts/{slug}/" not in page
    clock.moment = DUE
    page = client.get("/posts/older/").get_data(as_text=True)
    # Once as the next article, once among the related ones.
    assert page.count(f'href="/posts/{slug}/"') == 2


def test_an_old_address_of_a_scheduled_article_leads_nowhere_until_then(app, client, clock):
    publish_note(app, "Coming soon", LATER, permalink="/2026/01/03/coming-soon/")
    assert client.get("/2026/01/03/coming-soon/").status_code == 404
    clock.moment = DUE
    response = client.get("/2026/01/03/coming-soon/")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/posts/coming-soon/")


def test_the_admin_lists_it_as_scheduled_with_its_time(app, signed_in_client, clock):
    publish_note(app, "Coming soon", LATER)
    publish_note(app, "Already out", "2026-01-01 08:00")
    page = signed_in_client.get("/admin/articles").get_data(as_text=True)
    row = re.search(r"Coming soon.*?</tr>", page, re.S).group(0)
    assert (
        "scheduled" in row
        and '<time datetime="2026-01-03T09:00:00+00:00">2026-01-03 09:00</time>' in row
    )
    assert "/posts/coming-soon/" in row and 'href="/posts/coming-soon/"' not in row  # no View
    scheduled = signed_in_client.get("/admin/articles?status=scheduled").get_data(as_text=True)
    assert "Coming soon" in scheduled and "Already out" not in scheduled
    published = signed_in_client.get("/admin/articles?status=published").get_data(as_text=True)
    assert "Already out" in published and "Coming soon" not in published
    clock.moment = DUE
    page = signed_in_client.get("/admin/articles").get_data(as_text=True)
    assert "scheduled" not in re.search(r"Coming soon.*?</tr>", page, re.S).group(0)


def test_an_edited_scheduled_article_still_comes_in_at_the_top(app, client, clock):
    publish_note(app, "Coming soon", LATER)
    publish_note(app, "Written later", "2026-01-02 10:00")
    with app.app_context():
        article = db.session.scalar(select(Article).filter_by(slug="coming-soon"))
        authoring.save_source(article, note("Coming soon", LATER).replace("About", "All about"))
        assert article.updated_at == DUE
        assert len(article.revisions) == 2
    clock.moment = DUE
    assert titles(client, "/") == ["Coming soon", "Written later"]


def test_a_new_future_date_reschedules_and_a_past_one_publishes_at_once(app, client, clock):
    publish_note(app, "Out now", "2026-01-01 08:00")
    # A re-upload that keeps a past date leaves the archive date alone...
    publish_note(app, "Out now", "2025-12-30 08:00", slug="out-now")
    with app.app_context():
        assert db.session.scalar(select(Article.published_at)) == datetime(2026, 1, 1, 8, 0)
    # ...one with a date to come takes the article off the site until then...
    publish_note(app, "Out now", LATER, slug="out-now")
    assert client.get("/posts/out-now/").status_code == 404
    # ...and a scheduled article given a past date is out at once.
    publish_note(app, "Out now", "2026-01-02 11:00", slug="out-now")
    assert client.get("/posts/out-now/").status_code == 200


@pytest.mark.parametrize("through", ["upload", "api"])
def test_upload_and_api_report_it_as_scheduled(app, signed_in_client, token, clock, through):  # noqa: F811
    document = note("Coming soon", LATER).encode()
    if through == "upload":
        results = ingest(app, {"soon.md": document})
        assert results[0].status == "scheduled"
        return
    response = signed_in_client.post(
        "/api/articles?filename=soon.md",
        data=document,
        headers={**bearer(token), "Content-Type": "text/markdown"},
    )
    result = response.get_json()["results"][0]
    assert (result["status"], result["url"]) == ("scheduled", None)


def test_publishing_a_scheduled_draft_keeps_it_waiting(app, client, clock):
    publish_note(app, "Coming soon", LATER, draft="true")
    with app.app_context():
        article = db.session.scalar(select(Article).filter_by(slug="coming-soon"))
        authoring.set_status(article, "published")
        assert article.is_scheduled and article.updated_at == DUE
    assert client.get("/posts/coming-soon/").status_code == 404
    clock.advance(days=1)
    assert client.get("/posts/coming-soon/").status_code == 200
