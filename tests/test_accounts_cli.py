"""flask create-user, create-admin, set-password and create-token."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from webapp.extensions import db
from webapp.models import ApiToken, User

PASSWORD = "a long enough secret"


def stored_user(app, name="editor") -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == name))
        if user is not None:
            db.session.expunge(user)
        return user


def test_create_admin_asks_for_the_password_twice_and_stores_only_a_hash(app, runner):
    result = runner.invoke(args=["create-admin", "editor"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Created the account 'editor'" in result.output
    user = stored_user(app)
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, PASSWORD)


def test_create_admin_prompt_rejects_a_mismatched_confirmation(app, runner):
    result = runner.invoke(args=["create-admin", "editor"], input=f"{PASSWORD}\nsomething else\n")
    assert result.exit_code != 0
    assert stored_user(app) is None


def test_create_admin_reads_the_password_from_stdin_for_scripts(app, runner):
    result = runner.invoke(
        args=["create-admin", "editor", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    user = stored_user(app)
    assert check_password_hash(user.password_hash, PASSWORD)
    assert PASSWORD not in result.output


def test_the_new_account_can_sign_in(app, runner, client):
    from tests.conftest import csrf_token_from

    runner.invoke(args=["create-admin", "editor", "--password-stdin"], input=PASSWORD)
    token = csrf_token_from(client)
    response = client.post(
        "/admin/login", data={"username": "editor", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_create_admin_refuses_a_short_password_and_an_existing_name(app, runner):
    short = runner.invoke(args=["create-admin", "editor", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    assert stored_user(app) is None
    runner.invoke(args=["create-admin", "editor", "--password-stdin"], input=PASSWORD)
    again = runner.invoke(args=["create-admin", "editor", "--password-stdin"], input=PASSWORD)
    assert again.exit_code == 1 and "already exists" in again.output


def test_create_admin_refuses_an_empty_stdin(app, runner):
    result = runner.invoke(args=["create-admin", "editor", "--password-stdin"], input="")
    assert result.exit_code != 0
    assert stored_user(app) is None


def test_set_password_replaces_the_hash(app, runner):
    runner.invoke(args=["create-admin", "editor", "--password-stdin"], input=PASSWORD)
    result = runner.invoke(
        args=["set-password", "editor", "--password-stdin"], input="another good one\n"
    )
    assert result.exit_code == 0, result.output
    user = stored_user(app)
    assert check_password_hash(user.password_hash, "another good one")
    assert not check_password_hash(user.password_hash, PASSWORD)


def test_create_token_prints_a_token_stored_only_as_a_hash(app, runner):
    runner.invoke(args=["create-admin", "editor", "--password-stdin"], input=PASSWORD)
    result = runner.invoke(args=["create-token", "editor", "laptop"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("snb_") and len(secret) > 40
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.name == "laptop"
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret.startswith(token.prefix) and len(token.prefix) < 16


def test_create_token_for_an_unknown_user_fails(runner):
    result = runner.invoke(args=["create-token", "ghost", "laptop"])
    assert result.exit_code == 1 and "no account" in result.output


@pytest.mark.parametrize("role", ["admin", "editor", "author"])
def test_create_user_gives_the_account_its_role(app, runner, role):
    result = runner.invoke(
        args=["create-user", "ann", "--role", role, "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert f"Created the account 'ann' ({role})" in result.output
    user = stored_user(app, "ann")
    assert user.role == role and user.slug == "ann"
    assert check_password_hash(user.password_hash, PASSWORD)


def test_create_user_is_an_author_unless_told_and_takes_a_display_name(app, runner):
    result = runner.invoke(
        args=["create-user", "li.wei", "--display-name", "李 伟", "--password-stdin"],
        input=PASSWORD,
    )
    assert result.exit_code == 0, result.output
    user = stored_user(app, "li.wei")
    assert (user.role, user.display_name, user.slug) == ("author", "李 伟", "li-wei")


def test_create_user_refuses_an_unknown_role_by_name(app, runner):
    result = runner.invoke(
        args=["create-user", "ann", "--role", "owner", "--password-stdin"], input=PASSWORD
    )
    assert result.exit_code == 2
    assert "'owner' is not one of 'admin', 'editor', 'author'" in result.output
    assert stored_user(app, "ann") is None


def test_create_user_refuses_an_existing_name_and_an_empty_password(app, runner):
    runner.invoke(args=["create-user", "ann", "--password-stdin"], input=PASSWORD)
    again = runner.invoke(args=["create-user", "ann", "--password-stdin"], input=PASSWORD)
    assert again.exit_code == 1 and "The account 'ann' already exists" in again.output
    empty = runner.invoke(args=["create-user", "bo", "--password-stdin"], input="\n")
    assert empty.exit_code != 0 and "standard input had no password line" in empty.output
    assert stored_user(app, "bo") is None


def test_two_names_with_one_slug_get_two_author_pages(app, runner):
    runner.invoke(args=["create-user", "Ann", "--password-stdin"], input=PASSWORD)
    runner.invoke(args=["create-user", "ann", "--password-stdin"], input=PASSWORD)
    assert stored_user(app, "Ann").slug == "ann"
    assert stored_user(app, "ann").slug == "ann-2"
