"""GET /healthz: can this app server answer? Its database and its media storage, checked."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..services.storage import media_storage_ok

bp = Blueprint("ops", __name__)


def database_ok() -> bool:
    """Tell whether the database answers a trivial query."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        # The reason goes to the log only: the check is public, the database's address is not.
        current_app.logger.warning("Health check: the database did not answer: %s", error)
        return False
    return True


@bp.get("/healthz")
def health():
    """Answer 200 when the database and the media storage work, else 503; JSON, never cached."""
    checks = {
        "database": "ok" if database_ok() else "failing",
        "storage": "ok" if media_storage_ok() else "failing",
    }
    healthy = all(state == "ok" for state in checks.values())
    if checks["storage"] != "ok":
        current_app.logger.warning("Health check: the media storage is not writable")
    response = jsonify(status="ok" if healthy else "failing", checks=checks)
    response.status_code = 200 if healthy else 503
    # A load balancer must see this server's state now, not a proxy's copy of it.
    response.headers["Cache-Control"] = "no-store"
    return response
