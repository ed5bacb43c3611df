"""Minor edits: saved with a revision, but the article keeps its date and its place."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.test_admin_articles import post
from tests.test_api import bearer, token  # noqa: F401 (a fixture)
from tests.test_listing import fragment_titles
from webapp.extensions import db
from webapp.models import Article, Revision
from webapp.services.publishing import publish


def note(title: str, body: str = "First body.", slug: str | None = None) -> str:
    named = f"slug: {slug}\n" if slug else ""
    return f"---\ntitle: {title}\n{named}---\n{body}\n"


@pytest.fixture
def two_articles(app, clock):
    """Publish "Older" then "Newer" an hour apart; return Older's id."""
    with app.app_context():
        older = publish(note("Older", slug="older"), filename="older.md").article.id
        clock.advance(hours=1)
        publish(note("Newer"), filename="newer.md")
        clock.advance(hours=1)
    return older


def state(app, article_id: int) -> tuple:
    with app.app_context():
        article = db.session.get(Article, article_id)
        revisions = db.session.scalar(
            select(func.count(Revision.id)).where(Revision.article_id == article_id)
        )
        return article.updated_at, revisions, article.html


def home_titles(client) -> list[str]:
    return fragment_titles(client.get("/").get_data(as_text=True))


def test_the_editor_offers_a_minor_edit_checkbox(app, signed_in_client, two_articles):
    page = signed_in_client.get(f"/admin/articles/{two_articles}/edit").get_data(as_text=True)
    assert 'name="minor" type="checkbox" value="1"' in page
    assert "Minor edit" in page


def test_a_minor_edit_in_the_editor_keeps_the_date_and_the_place(
    app, signed_in_client, two_articles
):
    assert home_titles(signed_in_client) == ["Newer", "Older"]  # now cached
    updated, revisions, _ = state(app, two_articles)
    source = note("Older, typo fixed", "First body, fixed.", slug="older")
    response = post(
        signed_in_client, f"/admin/articles/{two_articles}/edit", source=source, minor="1"
    )
    assert response.status_code == 302
    after, revisions_after, html = state(app, two_articles)
    assert after == updated and revisions_after == revisions + 1
    assert "First body, fixed." in html
    # Same place, new title: the cached listing is not served stale.
    assert home_titles(signed_in_client) == ["Newer", "Older, typo fixed"]
    page = signed_in_client.get("/posts/older/").get_data(as_text=True)
    assert "First body, fixed." in page


def test_an_ordinary_edit_still_moves_the_article_to_the_top(app, signed_in_client, two_articles):
    source = note("Older, rewritten", "A new body.", slug="older")
    post(signed_in_client, f"/admin/articles/{two_articles}/edit", source=source)
    assert home_titles(signed_in_client) == ["Older, rewritten", "Newer"]


def test_a_minor_edit_that_fails_keeps_the_box_ticked(app, signed_in_client, two_articles):
    broken = "---\ntitle: [unclosed\n---\nBody\n"
    response = post(
        signed_in_client, f"/admin/articles/{two_articles}/edit", source=broken, minor="1"
    )
    assert response.status_code == 422
    assert 'value="1" checked' in response.get_data(as_text=True)
    assert state(app, two_articles)[1] == 1


@pytest.mark.parametrize("where", ["form", "query"])
def test_minor_true_through_the_api(app, client, token, two_articles, where):  # noqa: F811
    updated, revisions, _ = state(app, two_articles)
    document = note("Older", "Fixed through the API.").encode()
    if where == "form":
        response = client.post(
            "/api/articles",
            data={"files": [(io.BytesIO(document), "older.md")], "minor": "true"},
            headers=bearer(token),
            content_type="multipart/form-data",
        )
    else:
        response = client.post(
            "/api/articles?filename=older.md&minor=true",
            data=document,
            headers={**bearer(token), "Content-Type": "text/markdown"},
        )
    assert response.get_json()["results"][0]["outcome"] == "updated"
    after, revisions_after, html = state(app, two_articles)
    assert after == updated and revisions_after == revisions + 1
    assert "Fixed through the API." in html
    assert home_titles(client) == ["Newer", "Older"]


def test_minor_true_holds_for_a_background_job(app, client, token, two_articles):  # noqa: F811
    app.config["BACKGROUND_AFTER_DOCUMENTS"] = 1
    updated, _, _ = state(app, two_articles)
    files = [
        (io.BytesIO(note("Older", "Fixed in a job.").encode()), "older.md"),
        (io.BytesIO(note("Brand new").encode()), "brand-new.md"),
    ]
    response = client.post(
        "/api/articles",
        data={"files": files, "minor": "1"},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    assert response.status_code == 202
    after, _, html = state(app, two_articles)
    assert after == updated and "Fixed in a job." in html
    # A new article is new all the same: it comes in at the top.
    assert home_titles(client)[0] == "Brand new"


def test_without_minor_the_api_moves_the_article(app, client, token, two_articles):  # noqa: F811
    client.post(
        "/api/articles?filename=older.md",
        data=note("Older", "Rewritten.").encode(),
        headers={**bearer(token), "Content-Type": "text/markdown"},
    )
    assert home_titles(client) == ["Older", "Newer"]
