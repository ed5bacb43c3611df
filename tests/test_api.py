"""POST /api/articles with personal access tokens, and the token pages."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from tests.conftest import ADMIN_NAME, tiny_png
from webapp.extensions import db
from webapp.models import ApiToken, Article
from webapp.services.accounts import find_user
from webapp.services.tokens import create_token, revoke_token

DOC = "---\ntitle: From the API\n---\nPublished by a script.\n"


@pytest.fixture
def token(app, admin_user):
    """Return a live token's secret for the admin account."""
    with app.app_context():
        _, secret = create_token(find_user(ADMIN_NAME), "ci")
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def send_files(client, secret, files, **data):
    payload = {"files": [(io.BytesIO(content), name) for name, content in files], **data}
    return client.post(
        "/api/articles", data=payload, headers=bearer(secret), content_type="multipart/form-data"
    )


def count_articles(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Article.id)))


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}],
)
def test_a_missing_token_is_401_with_a_challenge(app, client, headers):
    response = client.post(
        "/api/articles", data=DOC, headers={**headers, "Content-Type": "text/markdown"}
    )
    assert response.status_code == 401
    assert response.is_json and "token" in response.json["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert count_articles(app) == 0


def test_a_wrong_token_is_401(app, client, token):
    response = client.post(
        "/api/articles", data=DOC, headers={**bearer(token + "x"), "Content-Type": "text/markdown"}
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert count_articles(app) == 0


def test_a_revoked_token_stops_working_at_once(app, client, token):
    headers = {**bearer(token), "Content-Type": "text/markdown"}
    assert client.post("/api/articles", data=DOC, headers=headers).status_code == 200
    with app.app_context():
        user = find_user(ADMIN_NAME)
        revoke_token(user, db.session.scalar(select(ApiToken.id)))
    response = client.post("/api/articles", data=DOC.replace("script", "robot"), headers=headers)
    assert response.status_code == 401 and response.is_json


def test_files_are_published_then_unchanged_with_per_file_results(app, client, token):
    files = [("api.md", DOC.encode()), ("second.md", b"# Second\n\nText.\n")]
    first = send_files(client, token, files)
    assert first.status_code == 200, first.get_data(as_text=True)
    results = first.json["results"]
    assert [(r["name"], r["outcome"]) for r in results] == [
        ("api.md", "created"),
        ("second.md", "created"),
    ]
    assert results[0]["slug"] == "from-the-api" and results[0]["status"] == "published"
    assert results[0]["url"] == "http://blog.test/posts/from-the-api/"
    assert results[0]["warnings"] == [] and results[0]["reason"] is None
    again = send_files(client, token, files)
    assert [r["outcome"] for r in again.json["results"]] == ["unchanged", "unchanged"]
    assert count_articles(app) == 2
    assert client.get("/posts/from-the-api/").status_code == 200


def test_a_raw_markdown_body(app, client, token):
    response = client.post(
        "/api/articles",
        data=DOC.encode(),
        headers={**bearer(token), "Content-Type": "text/markdown; charset=utf-8"},
    )
    assert response.status_code == 200
    assert response.json["results"][0]["outcome"] == "created"
    plain = client.post(
        "/api/articles", data=DOC.encode(), headers={**bearer(token), "Content-Type": "text/plain"}
    )
    assert plain.json["results"][0]["outcome"] == "unchanged"


def test_a_raw_body_in_gb18030_with_a_file_name(app, client, token):
    text = "---\ntitle: 中文笔记\nslug: zh-note\n---\n这是正文。\n"
    response = client.post(
        "/api/articles?filename=zh-note.md",
        data=text.encode("gb18030"),
        headers={**bearer(token), "Content-Type": "text/markdown"},
    )
    assert response.status_code == 200
    assert response.json["results"][0]["title"] == "中文笔记"


def test_a_zip_with_an_image(app, client, token):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("post.md", "---\ntitle: Zipped\n---\n![sq](sq.png)\n")
        bundle.writestr("sq.png", tiny_png())
    response = send_files(client, token, [("bundle.zip", buffer.getvalue())])
    assert response.status_code == 200
    (result,) = response.json["results"]
    assert result["outcome"] == "created" and result["warnings"] == []
    html = client.get("/posts/zipped/").get_data(as_text=True)
    assert re.search(r'<img[^>]+src="/media/[0-9a-f]{64}\.png"', html)


def test_rejections_are_reported_and_all_rejected_is_422(client, token):
    response = send_files(client, token, [("bad.md", b"---\ntitle: [x\n---\nBody\n")])
    assert response.status_code == 422
    (result,) = response.json["results"]
    assert result["outcome"] == "rejected" and "front matter" in result["reason"]
    assert result["url"] is None


def test_nothing_to_publish_is_400(client, token):
    response = client.post("/api/articles", headers=bearer(token), data={})
    assert response.status_code == 400 and response.is_json


def test_an_oversize_upload_is_413_json_with_the_limit(app, client, token):
    app.config["MAX_FILE_SIZE"] = 1024
    response = send_files(client, token, [("big.md", b"z" * 5000)])
    assert response.status_code == 413 and response.is_json
    assert "big.md" in response.json["error"]


def test_a_body_over_max_content_length_is_413_json(app, client, token):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post(
        "/api/articles",
        data=b"q" * 5000,
        headers={**bearer(token), "Content-Type": "text/markdown"},
    )
    assert response.status_code == 413 and response.is_json
    assert "Uploads are limited to" in response.json["error"]


def test_use_is_recorded(app, client, token):
    client.post(
        "/api/articles", data=DOC, headers={**bearer(token), "Content-Type": "text/markdown"}
    )
    with app.app_context():
        assert db.session.scalar(select(ApiToken)).last_used_at is not None


def test_other_api_errors_are_json(client):
    response = client.get("/api/articles")
    assert response.status_code == 405 and response.is_json


def test_token_page_creates_a_token_shown_once_and_stores_its_hash(app, signed_in_client):
    client = signed_in_client
    response = client.post(
        "/admin/tokens", data={"name": "laptop", "csrf_token": client.csrf_token}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    secret = re.search(r'id="new-token"[^>]*value="(snb_[^"]+)"', html).group(1)
    assert "shown only this once" in html
    with app.app_context():
        stored = db.session.scalar(select(ApiToken).where(ApiToken.name == "laptop"))
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert secret not in listing and f"<code>{secret[:12]}…</code>" in listing
    # The new token works.
    ok = client.post(
        "/api/articles", data=DOC, headers={**bearer(secret), "Content-Type": "text/markdown"}
    )
    assert ok.status_code == 200


def test_token_page_revokes_a_token(app, signed_in_client, token):
    client = signed_in_client
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = client.post(
        f"/admin/tokens/{token_id}/revoke", data={"csrf_token": client.csrf_token}
    )
    assert response.status_code == 302
    assert "revoked" in client.get("/admin/tokens").get_data(as_text=True)
    refused = client.post(
        "/api/articles", data=DOC, headers={**bearer(token), "Content-Type": "text/markdown"}
    )
    assert refused.status_code == 401


def test_a_token_needs_a_name(signed_in_client):
    client = signed_in_client
    response = client.post("/admin/tokens", data={"name": "  ", "csrf_token": client.csrf_token})
    assert response.status_code == 422
    assert "Give the token a name" in response.get_data(as_text=True)


LONG = "长" * 600


@pytest.mark.parametrize(
    ("name", "document", "reason"),
    [
        ("title.md", f"---\ntitle: {LONG}\n---\nx\n", "the title is 600 characters long"),
        ("heading.md", f"# {LONG}\n\nx\n", "the title is 600 characters long"),
        ("tag.md", f"---\ntitle: t\ntags: [ok, {LONG}]\n---\nx\n", "the tag “长长长"),
        ("category.md", f"---\ntitle: t\ncategories: [{LONG}]\n---\nx\n", "the category “长长"),
        (
            "path.md",
            "---\ntitle: t\ncategories: [" + ", ".join(["c" * 190] * 8) + "]\n---\nx\n",
            "the category path is 1,527 characters long; at most 1,000 fit",
        ),
        ("f" * 450 + ".md", "# Short\n\nx\n", "the file name is 453 characters long"),
    ],
)
def test_values_longer_than_the_site_stores_are_rejected_by_name(
    app, client, token, name, document, reason
):
    # The same answer on every database: SQLite would store them, PostgreSQL refuse them.
    response = send_files(client, token, [(name, document.encode()), ("fine.md", DOC.encode())])
    assert response.status_code == 200
    bad, fine = response.json["results"]
    assert bad["outcome"] == "rejected" and reason in bad["reason"]
    assert fine["outcome"] == "created"
    assert count_articles(app) == 1


def test_a_title_of_the_longest_stored_length_is_accepted(app, client, token):
    document = f"---\ntitle: {'长' * 500}\ntags: [{'t' * 200}]\n---\nx\n"
    response = send_files(client, token, [("edge.md", document.encode())])
    assert response.json["results"][0]["outcome"] == "created"
