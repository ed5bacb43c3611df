"""Accounts, for admins: list, create, change role and display name, reset password,
disable, and delete (with what becomes of the articles said on the form)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..models import ROLES, User
from ..services import accounts, users
from ..web.reasons import translate_report_text
from . import bp
from .permits import admin_only

# Where a deleted account's articles go when the form names no other account.
TO_THE_SITE = "site"
ROLE_NAMES = {"admin": _l("admin"), "editor": _l("editor"), "author": _l("author")}


def user_or_404(user_id: int) -> User:
    """Return the account with this id, or answer 404."""
    user = users.get_user(user_id)
    if user is None:
        abort(404)
    return user


def users_page(error: str | None = None, typed: dict | None = None, status: int = 200):
    """Render the account list with the creation form (and what was typed into it)."""
    page = render_template(
        "admin/users.html",
        rows=users.list_accounts(),
        roles=ROLES,
        role_names=ROLE_NAMES,
        error=error,
        typed=typed or {},
    )
    return page, status


def refused(error: accounts.AccountError, typed: dict | None = None):
    """Show the list again with why an account change was refused; nothing was saved."""
    return users_page(translate_report_text(str(error)), typed, 422)


@bp.route("/users", methods=["GET", "POST"])
@admin_only
def users_list():
    """List every account; create one with a role and a first password."""
    if request.method == "GET":
        return users_page()
    form = request.form
    typed = {key: form.get(key, "") for key in ("username", "display_name", "role")}
    try:
        user = accounts.create_user(
            form.get("username", ""),
            form.get("password", ""),
            form.get("role", ""),
            form.get("display_name", ""),
        )
    except accounts.AccountError as error:
        return refused(error, typed)
    flash(_("The account “%(name)s” is created.", name=user.username), "success")
    return redirect(url_for("admin.users_list"))


@bp.post("/users/<int:user_id>/role")
@admin_only
def user_role(user_id: int):
    """Give an account another role; the last admin keeps theirs."""
    user = user_or_404(user_id)
    try:
        accounts.set_role(user, request.form.get("role", ""))
    except accounts.AccountError as error:
        return refused(error)
    role = ROLE_NAMES[user.role]
    flash(_("“%(name)s” is now %(role)s.", name=user.username, role=role), "success")
    return redirect(url_for("admin.users_list"))


@bp.post("/users/<int:user_id>/name")
@admin_only
def user_name(user_id: int):
    """Set the name readers see on the account's articles."""
    user = user_or_404(user_id)
    try:
        users.rename(user, request.form.get("display_name", ""))
    except accounts.AccountError as error:
        return refused(error)
    flash(_("“%(name)s” is shown as “%(shown)s”.", name=user.username, shown=user.shown_name))
    return redirect(url_for("admin.users_list"))


@bp.post("/users/<int:user_id>/password")
@admin_only
def user_password(user_id: int):
    """Give an account a new password; every one of its sessions ends."""
    user = user_or_404(user_id)
    try:
        accounts.set_password(user.username, request.form.get("password", ""))
    except accounts.AccountError as error:
        return refused(error)
    flash(_("The password of “%(name)s” is changed.", name=user.username), "success")
    return redirect(url_for("admin.users_list"))


@bp.post("/users/<int:user_id>/disable")
@admin_only
def user_disable(user_id: int):
    """Disable an account (signed out, tokens refused) or enable it again."""
    user = user_or_404(user_id)
    disable = request.form.get("disabled") == "1"
    try:
        accounts.set_disabled(user, disable)
    except accounts.AccountError as error:
        return refused(error)
    if disable:
        flash(_("“%(name)s” is disabled: it can no longer sign in.", name=user.username))
    else:
        flash(_("“%(name)s” is enabled again.", name=user.username), "success")
    return redirect(url_for("admin.users_list"))


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@admin_only
def user_delete(user_id: int):
    """Ask where the account's articles go, then delete it."""
    user = user_or_404(user_id)
    rows = users.list_accounts()
    others = [row.user for row in rows if row.user.id != user.id]
    count = next(row.articles for row in rows if row.user.id == user.id)
    if request.method == "GET":
        return render_template(
            "admin/delete_user.html", user=user, others=others, count=count, site=TO_THE_SITE
        )
    choice = request.form.get("articles_to", "")
    successor = None
    if choice != TO_THE_SITE:
        successor = users.get_user(int(choice)) if choice.isdigit() else None
        if successor is None:
            abort(400)
    try:
        moved = users.delete_user(user, successor, current_user)
    except accounts.AccountError as error:
        return refused(error)
    flash(_("The account “%(name)s” is deleted.", name=user.username), "success")
    if moved and successor is not None:
        flash(_("Its articles now belong to “%(name)s”.", name=successor.username))
    elif moved:
        flash(_("Its articles are now shown as the site's."))
    return redirect(url_for("admin.users_list"))
