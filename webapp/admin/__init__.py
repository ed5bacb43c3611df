"""The authoring pages: sign-in, articles, upload, jobs, revisions, trash, API tokens, export,
accounts."""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_login import current_user

from ..extensions import login_manager
from ..services.preview_links import current_link

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Reachable while signed out; every other admin endpoint requires sign-in.
PUBLIC_ENDPOINTS = {"admin.login"}


@bp.before_request
def require_sign_in():
    """Send a signed-out visitor of any admin page or action to the sign-in page."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


@bp.after_request
def private_pages(response):
    """Keep authoring pages out of shared caches and the Back button after sign-out."""
    response.headers["Cache-Control"] = "no-store"
    return response


# The view modules attach their routes to bp.
from . import (  # noqa: E402, F401
    account,
    addresses,
    articles,
    auth,
    comments,
    jobs,
    preview_links,
    revisions,
    tokens,
    transfer,
    upload,
    users,
)


def init_app(app: Flask) -> None:
    """Set up Flask-Login and register the admin blueprint."""
    auth.init_login(app)
    app.jinja_env.globals["preview_link"] = current_link
    app.register_blueprint(bp)
