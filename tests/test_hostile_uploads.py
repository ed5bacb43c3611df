"""Hostile Markdown through the API, the preview and the editor: a 2xx or a clear 4xx, never
a 500, and a document over the render budget refused by name while the others are saved."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from tests.test_admin_articles import SOURCE, load, revision_count, save
from tests.test_api import bearer, send_files, token  # noqa: F401 - the fixture
from tests.test_upload_form import preview
from webapp.content import render
from webapp.extensions import db
from webapp.models import Article
from webapp.services.publishing.single import publish

# Issue 11's table, at its sizes.
HOSTILE = {
    "dollars 5,000": "$5 " * 5_000,
    "dollars 20,000": "$5 " * 20_000,
    "unclosed fences": "```x\n" * 10_000,
    "tex parentheses": "\\( a " * 5_000,
    "code tags": "x <code> " * 10_000,
    "brackets": "[" * 5_000,
    "deep quotes": "\n".join("> " * level + "x" for level in range(1, 300)),
    "deep lists": "".join("    " * level + "- x\n" for level in range(300)),
}
SLOW_MARK = "render me slowly"


def articles(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Article.id)))


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_bodies_publish_through_the_api(app, client, token, name):  # noqa: F811
    text = f"---\ntitle: {name}\n---\n" + HOSTILE[name]
    headers = {**bearer(token), "Content-Type": "text/markdown; charset=utf-8"}
    response = client.post("/api/articles", data=text.encode(), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    (result,) = response.json["results"]
    assert result["outcome"] == "created" and result["title"] == name
    if name.startswith("deep"):
        assert any("levels" in warning for warning in result["warnings"])
    assert articles(app) == 1


@pytest.fixture
def slow_renderer(app, monkeypatch):
    """Make documents holding SLOW_MARK render forever (until the budget stops them)."""
    app.config["RENDER_BUDGET_SECONDS"] = 0.2
    original = render.limit_nesting
    slow_renders = []

    # Slow inside render_markdown, whose catch-all must let the budget's exception through.
    def limit_nesting(text):
        if SLOW_MARK in text:
            slow_renders.append(text)
            start = time.process_time()
            while time.process_time() - start < 100:  # far past the budget
                sum(range(1_000))
        return original(text)

    monkeypatch.setattr(render, "limit_nesting", limit_nesting)
    return slow_renders


def test_a_document_over_the_budget_is_refused_and_the_others_are_saved(
    app,
    client,
    token,  # noqa: F811
    slow_renderer,
):
    files = [
        ("slow.md", f"---\ntitle: Slow\n---\n{SLOW_MARK}\n".encode()),
        ("fine.md", b"---\ntitle: Fine\n---\nQuick.\n"),
    ]
    response = send_files(client, token, files)
    assert response.status_code == 200
    results = {result["name"]: result for result in response.json["results"]}
    assert results["slow.md"]["outcome"] == "rejected"
    assert results["slow.md"]["reason"] == "took longer than 0.2 s to render"
    assert results["fine.md"]["outcome"] == "created"
    assert articles(app) == 1
    assert len(slow_renderer) == 1  # refused at its first rendering, not tried again
    # The worker goes on: the next upload is served as usual.
    response = send_files(client, token, [("again.md", b"---\ntitle: Again\n---\nYes.\n")])
    assert response.json["results"][0]["outcome"] == "created"


def test_a_pasted_body_over_the_budget_is_a_422(app, client, token, slow_renderer):  # noqa: F811
    headers = {**bearer(token), "Content-Type": "text/markdown"}
    response = client.post("/api/articles", data=SLOW_MARK.encode(), headers=headers)
    assert response.status_code == 422
    assert response.json["results"][0]["reason"] == "took longer than 0.2 s to render"
    assert articles(app) == 0
    assert len(slow_renderer) == 1


def test_the_preview_says_the_text_takes_too_long(app, signed_in_client, slow_renderer):
    response = preview(signed_in_client, f"{SLOW_MARK}\n")
    assert response.status_code == 200
    assert "took longer than 0.2 s to render" in response.get_data(as_text=True)


def test_the_editor_saves_nothing_over_the_budget(app, signed_in_client, slow_renderer):
    with app.app_context():
        article_id = publish(SOURCE, filename="editable.md").article.id
    response = save(signed_in_client, article_id, SOURCE + f"\n{SLOW_MARK}\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "took longer than 0.2 s to render" in html and "Nothing was saved." in html
    assert load(app, article_id).source_md == SOURCE
    assert revision_count(app, article_id) == 1
