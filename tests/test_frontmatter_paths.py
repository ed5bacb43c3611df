"""Hostile front matter and bodies on every way in: upload form, API, CLI import, preview, editor.

Each is refused with a reason that names the problem: never a 500, never a saved article.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.conftest import ADMIN_NAME
from tests.content.test_frontmatter_limits import BOMB_1GB, BOMB_43MB
from webapp.extensions import db
from webapp.models import Article, Revision
from webapp.services.accounts import find_user
from webapp.services.publishing import publish
from webapp.services.tokens import create_token

BODY = "Body text.\n"
# (id, document, words the refusal must contain)
HOSTILE = [
    ("bomb-345", BOMB_1GB, "alias bomb"),
    ("bomb-310", BOMB_43MB, "alias bomb"),
    ("self-alias", "---\ntitle: T\nx: &x [*x]\n---\n" + BODY, "its own anchor"),
    ("yaml-5000", "---\ntitle: T\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n" + BODY, "nest"),
    ("toml-5000", '+++\ntitle = "T"\nx = ' + "[" * 5000 + "]" * 5000 + "\n+++\n" + BODY, "nest"),
    (
        "toml-tables",
        '+++\ntitle = "T"\n[' + ".".join(f"k{n}" for n in range(5000)) + "]\n+++\n" + BODY,
        "nest",
    ),
    ("far-date", "---\ntitle: T\ndate: 9999-12-31T23:59:59-12:00\n---\n" + BODY, "date 9999"),
    ("toml-date", '+++\ntitle = "T"\nupdated = 0001-01-01T00:00:00+01:00\n+++\n' + BODY, "updated"),
    ("year-0", "---\ntitle: T\ndate: 0000-01-01\n---\n" + BODY, "date: year 0"),
]
IDS = [case[0] for case in HOSTILE]


@pytest.fixture
def token(app, admin_user):
    with app.app_context():
        _, secret = create_token(find_user(ADMIN_NAME), "ci")
    return secret


def count_articles(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Article.id)))


def api(client, secret, data: bytes, content_type: str, query: str = ""):
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": content_type}
    return client.post(f"/api/articles{query}", data=data, headers=headers)


@pytest.mark.parametrize(("name", "text", "words"), HOSTILE, ids=IDS)
def test_the_api_refuses_it_as_a_file_and_as_a_body_with_or_without_charset(
    app, client, token, name, text, words
):
    data = text.encode("utf-8")
    answers = [
        api(client, token, data, "text/markdown"),
        api(client, token, data, "text/markdown; charset=utf-8"),
        api(client, token, data, "text/plain; charset=UTF-8", "?filename=post.md"),
        client.post(
            "/api/articles",
            data={"files": [(io.BytesIO(data), "post.md")]},
            headers={"Authorization": f"Bearer {token}"},
            content_type="multipart/form-data",
        ),
    ]
    for response in answers:
        assert response.status_code == 422, response.get_data(as_text=True)[:300]
        (result,) = response.json["results"]
        assert result["outcome"] == "rejected"
        assert result["reason"].startswith("front matter") and words in result["reason"]
    assert count_articles(app) == 0


@pytest.mark.parametrize("charset", ["", "; charset=utf-8", "; charset=UTF-16"])
def test_a_nul_in_a_raw_body_is_refused_whatever_the_declared_charset(app, client, token, charset):
    encoding = charset.split("=")[-1] if charset else "utf-8"
    data = "---\ntitle: T\n---\nBody\x00with NUL\n".encode(encoding)
    response = api(client, token, data, "text/markdown" + charset)
    assert response.status_code == 400
    assert "not readable text" in response.json["error"]
    assert count_articles(app) == 0


def test_a_codec_that_is_not_a_charset_is_refused(app, client, token):
    response = api(client, token, b"# Hi\n", "text/markdown; charset=punycode")
    assert response.status_code == 400 and count_articles(app) == 0


@pytest.mark.parametrize(("name", "text", "words"), HOSTILE, ids=IDS)
def test_the_upload_form_lists_it_as_rejected(app, signed_in_client, name, text, words):
    client = signed_in_client
    for data in (
        {"markdown": text},
        {"markdown": "", "files": [(io.BytesIO(text.encode()), "post.md")]},
    ):
        response = client.post(
            "/admin/upload",
            data={"csrf_token": client.csrf_token, **data},
            content_type="multipart/form-data",
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "rejected" in html.lower() and words in html
    assert count_articles(app) == 0


@pytest.mark.parametrize(("name", "text", "words"), HOSTILE, ids=IDS)
def test_the_preview_shows_the_reason(signed_in_client, name, text, words):
    client = signed_in_client
    response = client.post(
        "/admin/preview",
        data={"csrf_token": client.csrf_token, "markdown": text},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="form-error"' in html and words in html


@pytest.fixture
def article_id(app):
    with app.app_context():
        return publish("---\ntitle: Kept\n---\nThe original.\n").article.id


@pytest.mark.parametrize(("name", "text", "words"), HOSTILE, ids=IDS)
def test_the_editor_refuses_to_save_it_and_keeps_the_article(
    app, signed_in_client, article_id, name, text, words
):
    client = signed_in_client
    response = client.post(
        f"/admin/articles/{article_id}/edit",
        data={"csrf_token": client.csrf_token, "source": text},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert words in html and "Nothing was saved." in html
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.source_md == "---\ntitle: Kept\n---\nThe original.\n"
        assert len(article.revisions) == 1


def test_restoring_a_revision_the_checks_now_refuse_is_a_message(app, signed_in_client, article_id):
    # A revision saved before the checks existed: restoring it must not end in a 500.
    with app.app_context():
        revision = Revision(article_id=article_id, source_md=HOSTILE[6][1], source_hash="x" * 64)
        db.session.add(revision)
        db.session.commit()
        revision_id = revision.id
    client = signed_in_client
    response = client.post(
        f"/admin/articles/{article_id}/revisions/{revision_id}/restore",
        data={"csrf_token": client.csrf_token},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "date 9999-12-31T23:59:59-12:00 is out of range" in html
    assert "Nothing was restored." in html


def test_flask_import_names_each_refused_file_and_imports_the_rest(app, runner, tmp_path):
    folder = tmp_path / "_posts"
    folder.mkdir()
    for name, text, _words in HOSTILE:
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    (folder / "fine.md").write_text("---\ntitle: Fine\n---\nBody.\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 1, result.output
    for name, _text, words in HOSTILE:
        line = next(line for line in result.output.splitlines() if f"{name}.md" in line)
        assert words in line, result.output
    assert f"1 created, 0 updated, 0 unchanged, {len(HOSTILE)} rejected" in result.output
    with app.app_context():
        assert list(db.session.scalars(select(Article.title))) == ["Fine"]


def test_odd_but_valid_yaml_values_are_stored_on_either_database(app, client, token):
    # NaN, infinity, !!set and !!binary have no JSON form: PostgreSQL refused NaN outright.
    text = "---\ntitle: Odd\nratio: .nan\nlimit: -.inf\nkinds: !!set {b, a}\nraw: !!binary aGk=\n---\nx"
    response = api(client, token, text.encode(), "text/markdown")
    assert response.status_code == 200 and response.json["results"][0]["outcome"] == "created"
    with app.app_context():
        stored = db.session.scalar(select(Article.front_matter))
    assert stored == {
        "title": "Odd",
        "ratio": "nan",
        "limit": "-inf",
        "kinds": ["a", "b"],
        "raw": "hi",
    }
