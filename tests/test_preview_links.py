"""Private preview links of drafts and scheduled articles: signed, expiring, revocable."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.test_admin_articles import post
from webapp import create_app
from webapp.config import SettingError
from webapp.extensions import db
from webapp.models import Article
from webapp.services import authoring, preview_links
from webapp.services.publishing import publish

DRAFT_NOTE = "---\ntitle: Secret plans\ndraft: true\n---\nThe plan is kumquats.\n"
SCHEDULED_NOTE = "---\ntitle: Coming soon\ndate: 2026-01-03 09:00\n---\nSoon.\n"
_ADDRESS = re.compile(r'id="preview-address" type="text" readonly value="http://blog.test([^"]+)"')


@pytest.fixture
def draft_id(app, clock):
    with app.app_context():
        return publish(DRAFT_NOTE).article.id


def make_link(client, article_id: int) -> str:
    """Make a preview link on the edit page as the author does; return its path."""
    response = post(client, f"/admin/articles/{article_id}/preview-link")
    assert response.status_code == 302
    page = client.get(f"/admin/articles/{article_id}/edit").get_data(as_text=True)
    return _ADDRESS.search(page).group(1)


def test_a_draft_opened_by_its_link_is_marked_as_a_preview(app, signed_in_client, draft_id):
    path = make_link(signed_in_client, draft_id)
    assert path.startswith("/_preview/")
    reader = app.test_client()  # not signed in
    response = reader.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The plan is kumquats." in page
    assert 'class="preview-banner"' in page and "This article is a draft" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "ETag" not in response.headers
    # The article itself stays hidden from readers.
    assert reader.get("/posts/secret-plans/").status_code == 404


def test_a_preview_is_never_served_from_the_page_cache(app, signed_in_client, draft_id):
    path = make_link(signed_in_client, draft_id)
    reader = app.test_client()
    assert "kumquats" in reader.get(path).get_data(as_text=True)
    with app.app_context():
        article = db.session.get(Article, draft_id)
        authoring.save_source(article, DRAFT_NOTE.replace("kumquats", "loquats"))
    assert "loquats" in reader.get(path).get_data(as_text=True)
    assert not any(key[1] == "article" for key in app.extensions["page_cache"]._pages)


def test_a_scheduled_article_preview_names_its_date(app, signed_in_client, clock):
    with app.app_context():
        article_id = publish(SCHEDULED_NOTE).article.id
    path = make_link(signed_in_client, article_id)
    page = app.test_client().get(path).get_data(as_text=True)
    assert "scheduled for" in page and "2026-01-03" in page
    # Once it is out, the link leads to the real page.
    clock.advance(days=1)
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/posts/coming-soon/")


def test_the_link_expires_after_the_setting_s_days(app, signed_in_client, draft_id, clock):
    path = make_link(signed_in_client, draft_id)
    reader = app.test_client()
    clock.advance(days=6, hours=23)
    assert reader.get(path).status_code == 200
    clock.advance(hours=1)
    response = reader.get(path)
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    page = signed_in_client.get(f"/admin/articles/{draft_id}/edit").get_data(as_text=True)
    assert "Expired on" in page


def test_a_shorter_setting_shortens_links(app, signed_in_client, draft_id, clock):
    app.config["PREVIEW_LINK_DAYS"] = 1
    path = make_link(signed_in_client, draft_id)
    clock.advance(days=1)
    assert app.test_client().get(path).status_code == 404


def test_revoking_and_replacing_the_link(app, signed_in_client, draft_id):
    first = make_link(signed_in_client, draft_id)
    second = make_link(signed_in_client, draft_id)
    assert first != second
    reader = app.test_client()
    assert reader.get(first).status_code == 404
    assert reader.get(second).status_code == 200
    response = post(signed_in_client, f"/admin/articles/{draft_id}/preview-link/revoke")
    assert response.status_code == 302
    assert reader.get(second).status_code == 404
    page = signed_in_client.get(f"/admin/articles/{draft_id}/edit").get_data(as_text=True)
    assert "preview-address" not in page and "Make a preview link" in page


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "999." + token.split(".", 1)[1],
        lambda token: token.split(".")[0] + ".1999999999." + token.rsplit(".", 1)[1],
        lambda token: "not-a-token",
        lambda token: "1.2." + "x" * 500,
    ],
)
def test_forged_links_open_nothing(app, signed_in_client, draft_id, tamper):
    token = make_link(signed_in_client, draft_id).split("/")[2]
    response = app.test_client().get(f"/_preview/{tamper(token)}/")
    assert response.status_code == 404


def test_a_trashed_article_has_no_preview(app, signed_in_client, draft_id):
    path = make_link(signed_in_client, draft_id)
    with app.app_context():
        authoring.move_to_trash(db.session.get(Article, draft_id))
    assert app.test_client().get(path).status_code == 404


def test_a_link_for_another_site_key_is_refused(app, signed_in_client, draft_id):
    path = make_link(signed_in_client, draft_id)
    app.secret_key = "another-key"
    assert app.test_client().get(path).status_code == 404


def test_making_links_needs_sign_in_and_csrf(app, client, signed_in_client, draft_id):
    reader = app.test_client()
    token = csrf_token_from(reader)
    response = reader.post(f"/admin/articles/{draft_id}/preview-link", data={"csrf_token": token})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    response = signed_in_client.post(f"/admin/articles/{draft_id}/preview-link")
    assert response.status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.scalar(select(Article.preview_key)) is None


def test_a_published_article_gets_no_new_link(app, signed_in_client, clock):
    with app.app_context():
        article_id = publish("---\ntitle: Out\n---\nOut.\n").article.id
    page = signed_in_client.get(f"/admin/articles/{article_id}/edit").get_data(as_text=True)
    assert "Make a preview link" not in page
    response = post(signed_in_client, f"/admin/articles/{article_id}/preview-link")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Article, article_id).preview_key is None


def test_tokens_depend_on_the_stored_secret(app, draft_id):
    with app.app_context(), app.test_request_context():
        article = db.session.get(Article, draft_id)
        assert preview_links.current_link(article) is None
        link = preview_links.issue(article)
        assert preview_links.article_for(link.token).id == draft_id
        article.preview_key = "another"
        assert preview_links.article_for(link.token) is None


@pytest.mark.parametrize("value", [0, -1, "seven", True, float("nan")])
def test_a_bad_preview_days_setting_stops_the_app(tmp_path, value):
    with pytest.raises(SettingError, match="PREVIEW_LINK_DAYS"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "INSTANCE_PATH": str(tmp_path),
                "PREVIEW_LINK_DAYS": value,
            }
        )
