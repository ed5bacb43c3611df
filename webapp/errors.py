"""Error pages in the site's style, for readers and for htmx requests alike."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .services.listing import BadPageRequest

MESSAGES = {
    400: "This request could not be understood.",
    404: "Nothing is transmitting on this frequency.",
    405: "That method is not allowed here.",
    413: "The upload is larger than this site accepts.",
}


def render_error(code: int, title: str, message: str):
    """Render the error page (or, for htmx, just its message) with a status code."""
    template = "errors/_message.html" if request.headers.get("HX-Request") else "errors/page.html"
    return render_template(template, code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(BadPageRequest)
    def bad_page(error: BadPageRequest):
        return render_error(400, "Bad page link", str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        message = MESSAGES.get(code) or error.description or ""
        return render_error(code, error.name, message)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return render_error(500, "Signal lost", "Something broke on our side. Please try again.")
