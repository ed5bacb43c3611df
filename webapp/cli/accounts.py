"""Account commands: create-user, create-admin, set-password, create-token."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from ..models import ADMIN, AUTHOR, ROLES
from ..services import accounts, tokens
from ..services.schema import upgrade_database


def read_password(password_stdin: bool) -> str:
    """Return a new password from standard input (one line) or from a hidden prompt."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("--password-stdin: standard input had no password line.")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def create_account(username: str, password_stdin: bool, role: str, display_name: str) -> None:
    """Create an account with a role, reading its password; a ClickException says what failed."""
    # The first command on a fresh install may be this one.
    upgrade_database()
    if not username.strip():
        raise click.ClickException("Give the account a name.")
    if accounts.find_user(username.strip()) is not None:
        raise click.ClickException(
            f"The account {username!r} already exists; use set-password to change its password."
        )
    try:
        user = accounts.create_user(username, read_password(password_stdin), role, display_name)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created the account {user.username!r} ({user.role}). Sign in at /admin/login.")


@click.command("create-user")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default=AUTHOR,
    show_default=True,
    help="admin: everything; editor: every article; author: their own articles only.",
)
@click.option("--display-name", default="", help="The name readers see (default: the username).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts)."
)
@with_appcontext
def create_user_command(username: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create an account with a role that can sign in at /admin/login."""
    create_account(username, password_stdin, role, display_name)


@click.command("create-admin")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts)."
)
@with_appcontext
def create_admin_command(username: str, password_stdin: bool) -> None:
    """Create an admin account (create-user --role admin) that can sign in at /admin/login."""
    create_account(username, password_stdin, ADMIN, "")


@click.command("set-password")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts)."
)
@with_appcontext
def set_password_command(username: str, password_stdin: bool) -> None:
    """Give an existing account a new password."""
    if accounts.find_user(username.strip()) is None:
        raise click.ClickException(f"There is no account {username!r}.")
    try:
        user = accounts.set_password(username, read_password(password_stdin))
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"The password of {user.username!r} is changed.")


@click.command("create-token")
@click.argument("username")
@click.argument("name")
@with_appcontext
def create_token_command(username: str, name: str) -> None:
    """Create a personal access token for the publishing API and print it (shown only once)."""
    user = accounts.find_user(username.strip())
    if user is None:
        raise click.ClickException(f"There is no account {username!r}.")
    try:
        _, secret = tokens.create_token(user, name)
    except tokens.TokenError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Token {name!r} for {user.username!r} (shown only now; store it safely):", err=True)
    click.echo(secret)


def register(app: Flask) -> None:
    """Register the account commands."""
    for command in (
        create_user_command,
        create_admin_command,
        set_password_command,
        create_token_command,
    ):
        app.cli.add_command(command)
