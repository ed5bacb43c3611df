"""The publishing API: token-authenticated, JSON answers, the same inputs as the upload form."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")


def json_error(status: int, message: str, **headers: str):
    """Return a JSON error answer."""
    return jsonify(error=message), status, headers


from . import views  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Register the API; it authenticates with tokens, so it is exempt from CSRF checks."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
