"""Error pages in the site's style, for readers and for htmx requests alike; JSON for the API."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
)

from .services.listing import BadPageRequest
from .services.redirects import redirect_for
from .web.hosts import UntrustedHost
from .web.reasons import translate_report_text

# What an error page says, in the interface's language; other codes fall back to werkzeug's
# English name and description.
MESSAGES = {
    400: _l("This request could not be understood."),
    401: _l("Sign in to see this page."),
    403: _l("You may not open this page."),
    404: _l("Nothing is transmitting on this frequency."),
    405: _l("That method is not allowed here."),
    410: _l("This page is gone for good."),
    413: _l("The upload is larger than this site accepts."),
    429: _l("Too many requests in a short time. Wait a moment and try again."),
    500: _l("Something broke on our side. Please try again."),
    503: _l("The site is busy or down for maintenance. Please try again shortly."),
}
TITLES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    410: _l("Gone"),
    413: _l("Upload too large"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
    503: _l("Service Unavailable"),
}
API_PREFIX = "/api/"
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
NUL_DROPPED = frozenset({"search.index"})
# Requests that never follow a reader's old link: the author's pages and the API.
NOT_MOVED_PREFIXES = ("/admin/", "/api/", "/media/", "/static/")


def human_size(size: int) -> str:
    """Return a byte count as people write it: 100 MB, 512 KB, 300 bytes."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def upload_limits_message() -> str:
    """Return the configured upload limits in plain words."""
    config = current_app.config
    return _(
        "Uploads are limited to %(total)s in total and %(file)s per file.",
        total=human_size(config["MAX_UPLOAD_SIZE"]),
        file=human_size(config["MAX_FILE_SIZE"]),
    )


def describe_http_error(error: HTTPException) -> str:
    """Return what an error page says; an oversize upload names the limits."""
    code = error.code or 500
    if isinstance(error, RequestEntityTooLarge):
        # werkzeug's own description is generic; ingest's names the file and its limit.
        specific = error.description != RequestEntityTooLarge.description
        if not specific:
            return upload_limits_message()
        # Not capitalised: it may begin with a file name.
        reason = translate_report_text(error.description.rstrip("."))
        refused = _("Refused: %(reason)s.", reason=reason)
        return f"{refused} {upload_limits_message()}"
    if isinstance(error, NulCharacter | UntrustedHost):
        return str(error.description)
    return str(MESSAGES.get(code) or error.description or "")


def render_error(code: int, title: str, message: str):
    """Render the error page (or, for htmx, just its message) with a status code."""
    title, message = str(title), str(message)  # lazy strings become this request's language
    if request.path.startswith(API_PREFIX):
        return jsonify(error=message), code
    template = "errors/_message.html" if request.headers.get("HX-Request") else "errors/page.html"
    return render_template(template, code=code, title=title, message=message), code


class NulCharacter(BadRequest):
    """A URL or form field holds a NUL character, which no slug, query or name can contain."""

    description = _l(
        "The address or a form field contains a NUL character (%00), which nothing on "
        "this site can hold."
    )


def refuse_nul_characters() -> None:
    """Turn away a request whose path, query or form fields hold NUL.

    PostgreSQL refuses NUL in text parameters, so a lookup by such a slug or name would end
    in a database error (a 500) instead of a plain 404 or 400; no real input holds it. File
    uploads are checked by content elsewhere (a NUL byte makes a file binary, not text).
    Search is left alone: its view drops NUL from the query, so any odd query still answers.
    """
    values = [request.path]
    if request.endpoint not in NUL_DROPPED:
        values += request.args.values()
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        values += request.form.values()
    if any("\x00" in value for value in values):
        raise NulCharacter()


def moved_address():
    """Answer 301 when a reader's request that would 404 is an old address; else None.

    Only here, on the way to a 404 page, so normal pages cost nothing more. The query
    string is left off: the old site's parameters mean nothing to the new one.
    """
    if request.method not in ("GET", "HEAD") or request.path.startswith(NOT_MOVED_PREFIXES):
        return None
    target = redirect_for(request.path)
    return redirect(target, 301) if target else None


def init_app(app: Flask) -> None:
    """Register the error handlers and the request checks that would otherwise fail late."""
    app.before_request(refuse_nul_characters)

    @app.errorhandler(BadPageRequest)
    def bad_page(error: BadPageRequest):
        return render_error(400, _("Bad page link"), str(error))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _(
            "This form was sent without a valid security token, perhaps from a page opened "
            "before you signed in again. Reload the page and send the form once more."
        )
        return render_error(400, _("Form expired"), message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code == 404 and (moved := moved_address()) is not None:
            return moved
        return render_error(code, TITLES.get(code, error.name), describe_http_error(error))

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return render_error(500, _("Signal lost"), MESSAGES[500])
