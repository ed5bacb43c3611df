"""Sign-in sessions kept on the server: sign-out and a new password end every copy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import ADMIN_NAME, ADMIN_PASSWORD, csrf_token_from
from webapp.extensions import db
from webapp.models import UserSession
from webapp.services.accounts import create_user, find_user
from webapp.services.tokens import create_token

DOC = "---\ntitle: From the API\n---\nPublished by a script.\n"


def signed_in(app):
    """Return a new client signed in through the form."""
    client = app.test_client()
    token = csrf_token_from(client)
    data = {"username": ADMIN_NAME, "password": ADMIN_PASSWORD, "csrf_token": token}
    assert client.post("/admin/login", data=data).status_code == 302
    return client


def copy_of(app, client):
    """Return another client carrying a copy of `client`'s session cookie."""
    cookie = client.get_cookie("session", domain="blog.test")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain="blog.test")
    return thief


def can_open_admin(client) -> bool:
    response = client.get("/admin/articles")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def live_sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(UserSession.id)))


def log_out(client):
    token = csrf_token_from(client, "/admin/upload")
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302


def test_a_copied_cookie_stops_working_after_logout(app, admin_user):
    author = signed_in(app)
    thief = copy_of(app, author)
    assert can_open_admin(thief)
    log_out(author)
    assert not can_open_admin(thief)
    assert not can_open_admin(author)


def test_logout_ends_the_sessions_of_the_account_on_every_device(app, admin_user):
    laptop, phone = signed_in(app), signed_in(app)
    assert live_sessions(app) == 2
    log_out(laptop)
    assert not can_open_admin(phone)
    assert live_sessions(app) == 0


def test_a_new_password_ends_every_session(app, runner, admin_user):
    author = signed_in(app)
    thief = copy_of(app, author)
    result = runner.invoke(
        args=["set-password", ADMIN_NAME, "--password-stdin"], input="a brand new password\n"
    )
    assert result.exit_code == 0, result.output
    assert not can_open_admin(author) and not can_open_admin(thief)
    assert live_sessions(app) == 0


@pytest.mark.parametrize(("days", "live"), [(13, True), (15, False)])
def test_sessions_expire_after_the_lifetime(app, admin_user, days, live):
    author = signed_in(app)
    with app.app_context():
        for row in db.session.scalars(select(UserSession)):
            row.created_at -= timedelta(days=days)
        db.session.commit()
    assert can_open_admin(author) is live


def test_the_lifetime_is_a_setting(app, admin_user):
    author = signed_in(app)
    app.config["SESSION_LIFETIME_DAYS"] = 0
    assert not can_open_admin(author)


def test_the_cookie_expires_with_the_session(app, admin_user):
    client = app.test_client()
    token = csrf_token_from(client)
    data = {"username": ADMIN_NAME, "password": ADMIN_PASSWORD, "csrf_token": token}
    response = client.post("/admin/login", data=data)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Expires=" in cookie
    assert app.permanent_session_lifetime == timedelta(days=14)


def test_a_cookie_naming_only_the_account_signs_nobody_in(app, admin_user):
    # What a session cookie held before sessions were kept on the server: the account id.
    with app.app_context():
        user_id = find_user(ADMIN_NAME).id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    assert not can_open_admin(client)
    with client.session_transaction() as session:
        session["sign_in"] = "a guessed key"
    assert not can_open_admin(client)


def test_a_session_signs_in_only_the_account_that_started_it(app, admin_user):
    with app.app_context():
        editor_id = create_user("editor", "another long password").id
    author = signed_in(app)
    with author.session_transaction() as session:
        session["_user_id"] = str(editor_id)
    assert not can_open_admin(author)


def test_api_tokens_keep_working_after_logout(app, admin_user):
    with app.app_context():
        _, secret = create_token(find_user(ADMIN_NAME), "ci")
    author = signed_in(app)
    log_out(author)
    response = author.post(
        "/api/articles",
        data=DOC,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/markdown"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_only_a_hash_of_the_key_is_stored(app, admin_user):
    author = signed_in(app)
    with author.session_transaction() as session:
        key = session["sign_in"]
    with app.app_context():
        stored = db.session.scalar(select(UserSession.key_hash))
    assert len(key) >= 40 and key not in stored
