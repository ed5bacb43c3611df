"""Sign-in and sign-out, and what happens to signed-out visitors of authoring pages."""

from __future__ import annotations

import math
from datetime import UTC
from urllib.parse import urlsplit

from flask import (
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from ..config import site_timezone
from ..extensions import login_manager
from ..services import accounts, sessions
from ..services.signin_throttle import TooManyFailures
from . import bp

# Where the Flask session keeps the key of the server-side session (services/sessions.py).
SESSION_KEY = "sign_in"


def safe_next(target: str | None) -> str | None:
    """Return target if it is a path on this site, else None (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 32 for char in target):
        return None
    return target


def _signed_out():
    """Redirect to sign-in; an htmx request gets 401 and HX-Redirect (a page, not a swap)."""
    if request.headers.get("HX-Request") == "true":
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = safe_next(current.path + (f"?{current.query}" if current.query else ""))
        response = current_app.response_class(_("Sign in again to go on."), status=401)
        response.headers["HX-Redirect"] = url_for("admin.login", next=back)
        return response
    back = safe_next(request.full_path.rstrip("?")) if request.method == "GET" else None
    return redirect(url_for("admin.login", next=back))


def _signed_in_user(user_id: str):
    """Return the account of a live server-side session, else None (Flask-Login's loader)."""
    return sessions.user_for(session.get(SESSION_KEY), user_id)


def init_login(app: Flask) -> None:
    """Bind Flask-Login: accounts of live sessions, signed-out visitors to the sign-in page."""
    login_manager.init_app(app)
    login_manager.user_loader(_signed_in_user)
    login_manager.unauthorized_handler(_signed_out)


def _retry_text(error: TooManyFailures) -> str:
    blocked = _("Too many failed sign-ins for this account from this address.")
    seconds = error.seconds_left()
    if seconds < 60:
        retry = ngettext("Try again in %(num)d second.", "Try again in %(num)d seconds.", seconds)
        return f"{blocked} {retry}"
    zone = site_timezone()
    at = error.retry_at.replace(tzinfo=UTC).astimezone(zone).strftime("%H:%M")
    minutes = math.ceil(seconds / 60)
    retry = ngettext(
        "Try again at %(time)s (%(zone)s), in %(num)d minute.",
        "Try again at %(time)s (%(zone)s), in %(num)d minutes.",
        minutes,
        time=at,
        zone=zone.key,
    )
    return f"{blocked} {retry}"


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; sign the author in and go back to where they were headed."""
    target = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("admin.index"))
    if request.method == "GET":
        return render_template("admin/login.html", next=target)
    username = request.form.get("username", "")
    try:
        user = accounts.authenticate(
            username, request.form.get("password", ""), request.remote_addr or ""
        )
    except TooManyFailures as error:
        response = render_template(
            "admin/login.html", next=target, username=username, error=_retry_text(error)
        )
        return response, 429, {"Retry-After": str(error.seconds_left())}
    if user is None:
        error = _("Wrong username or password.")
        return render_template("admin/login.html", next=target, username=username, error=error)
    # A fresh session (and CSRF token) for the signed-in author, recorded on the server and
    # kept by the browser until it expires (SESSION_LIFETIME_DAYS).
    session.clear()
    session[SESSION_KEY] = sessions.start(user)
    session.permanent = True
    login_user(user)
    return redirect(target or url_for("admin.index"))


@bp.post("/logout")
def logout():
    """Sign the author out everywhere: every session of the account ends, copies included."""
    sessions.end_all(current_user.id)
    logout_user()
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("admin.login"))
