"""Images uploaded without their Markdown: attached to every article referencing them,
which is rendered again and named in the report, by the form, the API and jobs."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import func, select

from tests.conftest import ADMIN_NAME, ingest, make_zip, tiny_png
from webapp.extensions import db
from webapp.models import Article, Revision
from webapp.services.accounts import find_user
from webapp.services.tokens import create_token

FIGURE = tiny_png(4, 3, (10, 20, 30))
NEWER = tiny_png(4, 3, (200, 20, 30))
TYPORA = b"# Attention\n\n![QK](assets/figure.png)\n"
OBSIDIAN = b"---\ntitle: Softmax\n---\nSee ![[figure.png|300]].\n"


def src(data: bytes) -> str:
    return f'src="/media/{hashlib.sha256(data).hexdigest()}.png"'


def html_of(app, slug: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Article.html).where(Article.slug == slug))


def by_name(results) -> dict:
    return {result.name: result for result in results}


def test_an_image_alone_is_added_to_every_article_missing_it(app):
    ingest(app, {"attention.md": TYPORA, "softmax.md": OBSIDIAN, "other.md": b"# Other\n"})
    assert 'class="missing-image"' in html_of(app, "attention")
    results = by_name(ingest(app, {"figure.png": FIGURE}))
    result = results["figure.png"]
    assert result.outcome == "updated"
    assert result.reason == "added to 2 articles: “Attention”, “Softmax”"
    for slug in ("attention", "softmax"):
        html = html_of(app, slug)
        assert src(FIGURE) in html and "missing-image" not in html
    assert 'width="300"' in html_of(app, "softmax")  # rendered by the same pipeline
    with app.app_context():
        # Rendered again, not a new version: no revision is added.
        assert db.session.scalar(select(func.count(Revision.id))) == 3


def test_an_image_beside_an_unchanged_note_is_added_to_it(app):
    ingest(app, {"attention.md": TYPORA})
    results = by_name(ingest(app, {"attention.md": TYPORA, "figure.png": FIGURE}))
    assert results["attention.md"].outcome == "unchanged"
    assert results["figure.png"].outcome == "updated"
    assert "“Attention”" in results["figure.png"].reason
    assert src(FIGURE) in html_of(app, "attention")


def test_an_image_with_new_content_replaces_the_old_one(app):
    ingest(app, {"attention.md": TYPORA, "figure.png": FIGURE})
    assert src(FIGURE) in html_of(app, "attention")
    result = ingest(app, {"figure.png": NEWER})[0]
    assert (result.outcome, result.reason) == ("updated", "replaced in 1 article: “Attention”")
    assert src(NEWER) in html_of(app, "attention") and src(FIGURE) not in html_of(app, "attention")
    again = ingest(app, {"figure.png": NEWER})[0]
    assert (again.outcome, again.reason) == ("unchanged", "already in 1 article: “Attention”")


def test_an_image_no_article_references_is_still_refused(app):
    ingest(app, {"attention.md": TYPORA})
    result = ingest(app, {"stray.png": FIGURE})[0]
    assert result.outcome == "rejected"
    assert result.reason == (
        "not a Markdown file (.md, .markdown, .txt) or a .zip, and no uploaded Markdown file "
        "uses it"
    )


def test_a_file_that_is_not_an_image_is_refused_as_before(app):
    ingest(app, {"attention.md": b"# A\n\n![x](figure.png)\n"})
    result = ingest(app, {"figure.png": b"not really a png"})[0]
    assert result.outcome == "rejected" and "not a Markdown file" in result.reason
    assert 'class="missing-image"' in html_of(app, "a")


def test_a_missing_cover_is_added_later(app, client):
    ingest(app, {"k.md": b"---\ntitle: Kafka\ncover: /img/kafka.png\n---\nText.\n"})
    result = ingest(app, {"kafka.png": FIGURE})[0]
    assert result.outcome == "updated" and "“Kafka”" in result.reason
    with app.app_context():
        cover = db.session.scalar(select(Article.cover_url))
    assert cover == f"/media/{hashlib.sha256(FIGURE).hexdigest()}.png"
    assert f'src="{cover}"' in client.get("/").get_data(as_text=True)


def test_two_references_of_one_name_are_left_alone(app):
    ingest(app, {"a.md": b"# Two\n\n![a](x/figure.png) ![b](y/figure.png)\n"})
    result = ingest(app, {"figure.png": FIGURE})[0]
    assert result.outcome == "unchanged"
    assert "not added to 1 article: “Two”" in result.reason
    assert src(FIGURE) not in html_of(app, "two")


def test_the_article_page_shows_the_image_at_once(app, client):
    ingest(app, {"attention.md": TYPORA})
    assert "missing-image" in client.get("/posts/attention/").get_data(as_text=True)
    ingest(app, {"figure.png": FIGURE})
    assert src(FIGURE) in client.get("/posts/attention/").get_data(as_text=True)


def test_the_upload_form_reports_the_articles(app, signed_in_client):
    ingest(app, {"attention.md": TYPORA})
    response = signed_in_client.post(
        "/admin/upload",
        data={
            "csrf_token": signed_in_client.csrf_token,
            "files": [(io.BytesIO(FIGURE), "figure.png")],
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "figure.png" in html and "added to 1 article: “Attention”" in html


@pytest.fixture
def token(app, admin_user):
    with app.app_context():
        return create_token(find_user(ADMIN_NAME), "ci")[1]


def test_the_api_reports_the_articles(app, client, token):
    ingest(app, {"attention.md": TYPORA, "softmax.md": OBSIDIAN})
    response = client.post(
        "/api/articles",
        data={"files": [(io.BytesIO(FIGURE), "figure.png")]},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    [result] = response.json["results"]
    assert result["outcome"] == "updated"
    assert result["reason"] == "added to 2 articles: “Attention”, “Softmax”"


def test_a_job_attaches_and_records_the_images(app, client, token):
    """An upload made a job (here: any upload with a document) attaches in its report."""
    from webapp.jobs import records

    ingest(app, {"attention.md": TYPORA})
    app.config["BACKGROUND_AFTER_DOCUMENTS"] = 0
    response = client.post(
        "/api/articles",
        data={"files": [(io.BytesIO(TYPORA), "attention.md"), (io.BytesIO(FIGURE), "figure.png")]},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    with app.app_context():
        job = records.get_job(response.json["job"]["id"])
        assert job.state == "done", job.message
        files = {file.name: file for file in records.job_files(job)}
    assert files["attention.md"].outcome == "unchanged"
    assert files["figure.png"].outcome == "updated"
    assert files["figure.png"].reason == "added to 1 article: “Attention”"
    assert src(FIGURE) in html_of(app, "attention")


def test_an_article_rendered_again_for_its_image_keeps_its_wikilinks(app):
    ingest(app, {"other.md": b"# Other\n", "attention.md": TYPORA + b"\nSee [[other]].\n"})
    assert 'class="wikilink" href="/posts/other/"' in html_of(app, "attention")
    assert by_name(ingest(app, {"figure.png": FIGURE}))["figure.png"].outcome == "updated"
    html = html_of(app, "attention")
    assert src(FIGURE) in html and 'class="wikilink" href="/posts/other/"' in html


def test_a_zip_with_the_missing_image_beside_its_unchanged_note_adds_it(app):
    note = {"vault/attention.md": TYPORA}
    ingest(app, {"notes.zip": make_zip(note)})
    with app.app_context():
        before = db.session.scalar(select(Article).where(Article.slug == "attention"))
        updated_at, revisions = before.updated_at, len(before.revisions)
    with_image = make_zip({**note, "vault/assets/figure.png": FIGURE})
    result = ingest(app, {"notes.zip": with_image})[0]
    assert (result.outcome, result.warnings) == (
        "updated",
        ["images added from this upload: assets/figure.png"],
    )
    html = html_of(app, "attention")
    assert src(FIGURE) in html and "missing-image" not in html
    with app.app_context():
        after = db.session.scalar(select(Article).where(Article.slug == "attention"))
        # Its source did not change: no new version, and it keeps its place in the listing.
        assert (after.updated_at, len(after.revisions)) == (updated_at, revisions)
    assert ingest(app, {"notes.zip": with_image})[0].outcome == "unchanged"


def test_flask_import_of_a_folder_adds_an_image_put_in_it_later(app, runner, tmp_path):
    vault = tmp_path / "vault"
    (vault / "assets").mkdir(parents=True)
    (vault / "attention.md").write_bytes(TYPORA)
    assert runner.invoke(args=["import", str(vault)]).exit_code == 0
    (vault / "assets" / "figure.png").write_bytes(FIGURE)
    result = runner.invoke(args=["import", str(vault)])
    assert "1 updated" in result.output, result.output
    assert src(FIGURE) in html_of(app, "attention")
