"""Sign-in, sign-out, the sign-in throttle, CSRF on every form, and signed-out visitors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import ADMIN_NAME, ADMIN_PASSWORD, csrf_token_from
from webapp.extensions import db
from webapp.models import LoginFailure, utcnow
from webapp.services import signin_throttle
from webapp.services.signin_throttle import delay_after
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


def fail(client, times, username=ADMIN_NAME, address="10.0.0.1"):
    """Fail to sign in `times` times, each answered with the form again."""
    for _ in range(times):
        assert (
            sign_in(client, username=username, password="nope", address=address).status_code == 200
        )


class Clock:
    """The throttle's clock, stopped: time moves only when a test moves it."""

    def __init__(self):
        self.now = utcnow()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    """Stop the sign-in throttle's clock, so waits are exact whatever the machine's speed."""
    stopped = Clock()
    monkeypatch.setattr(signin_throttle, "utcnow", lambda: stopped.now)
    return stopped


def failures_recorded(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LoginFailure.id)))


def test_five_failures_make_that_address_wait_for_that_account(client, admin_user, clock):
    fail(client, 5)
    # Even the right password waits: the wait is what slows a guesser down.
    waiting = sign_in(client)
    assert waiting.status_code == 429
    assert waiting.headers["Retry-After"] == "2"
    html = waiting.get_data(as_text=True)
    assert "Too many failed sign-ins for this account from this address." in html
    assert "Try again in 2 seconds." in html
    assert client.get("/admin/articles").status_code == 302


def test_another_address_still_signs_in_to_the_account(client, admin_user, clock):
    fail(client, 5, address="10.0.1.1")
    assert sign_in(client, address="10.0.1.1").status_code == 429
    assert sign_in(client, address="10.0.2.2").status_code == 302


def test_one_address_failing_on_many_accounts_locks_nobody_out(app, client, admin_user, clock):
    # A guesser behind the author's NAT tries many names, the author's among them.
    for n in range(10):
        fail(client, 5, username=f"guess{n}", address="192.0.2.7")
    fail(client, 5, address="192.0.2.7")
    waiting = sign_in(client, address="192.0.2.7")
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "2"
    # A wait, not a block: once it has passed, the author behind that address signs in.
    clock.advance(2)
    assert sign_in(client, address="192.0.2.7").status_code == 302


def test_each_further_failure_doubles_the_wait_up_to_the_longest(app, client, admin_user, clock):
    app.config["LOGIN_DELAY_MAX"] = 60
    fail(client, 5)
    waits = []
    for _ in range(7):
        refused = sign_in(client, password="nope")
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        waits.append(wait)
        clock.advance(wait)
        fail(client, 1)
    assert waits == [2, 4, 8, 16, 32, 60, 60]


def test_an_attempt_made_while_waiting_checks_nothing_and_adds_no_wait(
    app, client, admin_user, clock
):
    fail(client, 5)
    for _ in range(3):
        assert sign_in(client).status_code == 429
    assert failures_recorded(app) == 5
    clock.advance(2)
    assert sign_in(client).status_code == 302


def test_a_long_wait_says_when_in_minutes(app, client, admin_user, clock):
    with app.app_context():
        db.session.add_all(
            LoginFailure(username=ADMIN_NAME, address="10.0.0.1", created_at=clock.now)
            for _ in range(20)
        )
        db.session.commit()
    waiting = sign_in(client)
    assert waiting.status_code == 429
    html = waiting.get_data(as_text=True)
    assert "Try again at" in html and "15 minutes" in html
    assert waiting.headers["Retry-After"] == "900"


def test_failures_are_forgotten_after_the_window(app, client, admin_user, clock):
    fail(client, 5)
    assert sign_in(client).status_code == 429
    # Older than the window: no longer counted (and removed by the next attempt).
    clock.advance(app.config["LOGIN_FAILURE_WINDOW"])
    assert sign_in(client, password="nope").status_code == 200
    assert failures_recorded(app) == 1


def test_the_right_password_clears_only_its_own_address(app, client, admin_user, clock):
    fail(client, 3, address="10.0.0.1")
    fail(client, 5, address="10.6.6.6")
    assert sign_in(client, address="10.0.0.1").status_code == 302
    assert failures_recorded(app) == 5
    assert sign_in(client.application.test_client(), address="10.6.6.6").status_code == 429


def test_username_case_does_not_reset_the_count(client, admin_user, clock):
    for name in ["author", "Author", "AUTHOR", " author", "AuThOr"]:
        sign_in(client, username=name, password="nope")
    assert sign_in(client).status_code == 429


@pytest.mark.parametrize(
    ("failures", "wait"), [(0, 0), (4, 0), (5, 2), (6, 4), (9, 32), (14, 900), (10**6, 900)]
)
def test_delay_after_doubles_past_the_limit_up_to_the_longest(failures, wait):
    assert delay_after(failures, limit=5, longest=900) == wait


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
