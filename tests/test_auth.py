"""Sign-in, sign-out, the failure throttle, CSRF on every form, and signed-out visitors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.conftest import ADMIN_NAME, ADMIN_PASSWORD, csrf_token_from
from webapp.extensions import db
from webapp.models import LoginFailure, utcnow
from webapp.services.tokens import create_token

ADMIN_PAGES = [
    "/admin/",
    "/admin/articles",
    "/admin/articles?q=x",
    "/admin/articles/{id}/edit",
    "/admin/articles/{id}/delete",
    "/admin/articles/{id}/revisions",
    "/admin/articles/{id}/revisions/{rev}/source",
    "/admin/upload",
    "/admin/trash",
    "/admin/trash/empty",
    "/admin/tokens",
]
# Every state-changing form: (url, form data without the CSRF token).
ACTIONS = [
    ("/admin/logout", {}),
    ("/admin/upload", {"markdown": "# Hello\n\nText."}),
    ("/admin/preview", {"markdown": "# Hello"}),
    ("/admin/articles/{id}/edit", {"source": "# Changed\n\nText."}),
    ("/admin/articles/{id}/status", {"status": "draft"}),
    ("/admin/articles/{id}/delete", {}),
    ("/admin/articles/{id}/restore", {}),
    ("/admin/articles/{id}/revisions/{rev}/restore", {}),
    ("/admin/trash/empty", {}),
    ("/admin/tokens", {"name": "laptop"}),
    ("/admin/tokens/{token}/revoke", {}),
]


def sign_in(client, username=ADMIN_NAME, password=ADMIN_PASSWORD, address="10.0.0.1", **extra):
    token = csrf_token_from(client)
    data = {"username": username, "password": password, "csrf_token": token, **extra}
    return client.post("/admin/login", data=data, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def targets(app, admin_user, add_article):
    """Return the ids the admin URLs need: an article with a revision, and a token."""
    from webapp.services.publishing import publish

    with app.app_context():
        article = publish("---\ntitle: Target\n---\nBody.\n").article
        revision = article.revisions[0].id
        from webapp.services.accounts import find_user

        token, _ = create_token(find_user(ADMIN_NAME), "ci")
        return {"id": article.id, "rev": revision, "token": token.id}


def test_login_page_has_a_form_with_a_csrf_field(client):
    response = client.get("/admin/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="csrf_token"' in html
    assert 'autocomplete="current-password"' in html
    assert "admin.css" in html


def test_sign_in_goes_to_the_articles(client, admin_user):
    response = sign_in(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    page = client.get("/admin/articles")
    assert page.status_code == 200
    assert ADMIN_NAME in page.get_data(as_text=True)


def test_sign_in_returns_to_a_local_next_page(client, admin_user):
    response = sign_in(client, next="/admin/tokens")
    assert response.headers["Location"].endswith("/admin/tokens")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "\t//x",
    ],
)
def test_sign_in_never_redirects_off_site(client, admin_user, target):
    response = sign_in(client, next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and location.endswith("/admin/")


def test_wrong_password_says_so_and_does_not_sign_in(client, admin_user):
    response = sign_in(client, password="wrong password")
    assert response.status_code == 200
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/admin/articles").status_code == 302


def test_unknown_user_gets_the_same_message(client, admin_user):
    response = sign_in(client, username="nobody")
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_five_failures_for_one_account_block_it_from_any_address(client, admin_user):
    for n in range(4):
        assert sign_in(client, password="nope", address=f"10.0.1.{n}").status_code == 200
    blocked = sign_in(client, password="nope", address="10.0.1.9")
    assert blocked.status_code == 429
    # Even the right password, from yet another address, waits.
    again = sign_in(client, address="10.0.2.1")
    assert again.status_code == 429
    html = again.get_data(as_text=True)
    assert "Too many failed sign-ins" in html and "Try again at" in html and "15 minutes" in html
    assert 800 < int(again.headers["Retry-After"]) <= 900
    assert client.get("/admin/articles").status_code == 302


def test_five_failures_from_one_address_block_it_for_every_account(client, admin_user):
    for n in range(5):
        sign_in(client, username=f"guess{n}", password="nope", address="10.9.9.9")
    assert sign_in(client, address="10.9.9.9").status_code == 429
    # Another address may still sign in to the real account.
    assert sign_in(client, address="10.9.9.10").status_code == 302


def test_the_block_lifts_when_the_failures_are_old(app, client, admin_user):
    for _ in range(5):
        sign_in(client, password="nope")
    assert sign_in(client).status_code == 429
    with app.app_context():
        db.session.execute(update(LoginFailure).values(created_at=utcnow() - timedelta(minutes=16)))
        db.session.commit()
    assert sign_in(client).status_code == 302


def test_username_case_does_not_reset_the_count(client, admin_user):
    for name in ["author", "Author", "AUTHOR", " author", "AuThOr"]:
        sign_in(client, username=name, password="nope", address=f"10.1.{len(name)}.{ord(name[1])}")
    assert sign_in(client, address="10.3.3.3").status_code == 429


def test_logout_signs_out(signed_in_client):
    client = signed_in_client
    response = client.post("/admin/logout", data={"csrf_token": client.csrf_token})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert client.get("/admin/articles").status_code == 302
    assert "You are signed out." in client.get("/admin/login").get_data(as_text=True)


def test_logout_is_not_a_get(signed_in_client):
    assert signed_in_client.get("/admin/logout").status_code == 405
    assert signed_in_client.get("/admin/articles").status_code == 200


def test_session_cookie_is_httponly_and_samesite_lax(client, admin_user):
    response = sign_in(client)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_signed_out_pages_redirect_to_sign_in(client, targets, page):
    url = page.format(**targets)
    response = client.get(url)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/admin/login" in location


def test_sign_in_redirect_remembers_the_page(client, targets):
    location = client.get("/admin/tokens").headers["Location"]
    assert "next=/admin/tokens" in location.replace("%2F", "/")


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_signed_out_actions_redirect_to_sign_in(app, client, targets, action, data):
    url = action.format(**targets)
    token = csrf_token_from(client)
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]
    if "logout" not in url:
        with app.app_context():
            from webapp.models import Article

            assert (
                db.session.get(Article, targets["id"]).source_md
                == "---\ntitle: Target\n---\nBody.\n"
            )


def test_signed_out_htmx_request_gets_401_and_hx_redirect(client, targets):
    token = csrf_token_from(client)
    response = client.post(
        "/admin/preview",
        data={"markdown": "# x", "csrf_token": token},
        headers={"HX-Request": "true", "HX-Current-URL": "http://blog.test/admin/upload"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/admin/login")
    assert "upload" in response.headers["HX-Redirect"]


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_every_form_needs_its_csrf_token(signed_in_client, targets, action, data):
    url = action.format(**targets)
    response = signed_in_client.post(url, data=data)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    # Still signed in: nothing happened.
    assert signed_in_client.get("/admin/articles").status_code == 200


def test_sign_in_form_needs_its_csrf_token(client, admin_user):
    response = client.post(
        "/admin/login", data={"username": ADMIN_NAME, "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/admin/articles").status_code == 302


def test_admin_pages_are_not_cached(signed_in_client):
    assert signed_in_client.get("/admin/articles").headers["Cache-Control"] == "no-store"


def test_signed_in_visit_to_login_goes_to_the_dashboard(signed_in_client):
    response = signed_in_client.get("/admin/login")
    assert response.status_code == 302
