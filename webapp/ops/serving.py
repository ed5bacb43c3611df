"""What gunicorn.conf.py takes from the app: a JSON access log, and timeouts from the settings."""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime
from pathlib import Path

from flask import Config
from gunicorn.glogging import Logger, SafeAtoms

from ..config import DEFAULTS, FORM_OVERHEAD_BYTES

# One JSON object per request. Quoted slots are text (escaped by JsonAtoms, so a user agent
# or path holding quotes or backslashes cannot break the line); the others are numbers.
# Behind nginx, `remote` is nginx's address: the reader's is in `forwarded_for`.
ACCESS_LOG_FORMAT = (
    '{"time": "%(time)s", "remote": "%(h)s", "forwarded_for": "%({x-forwarded-for}i)s", '
    '"method": "%(m)s", "path": "%(U)s", "query": "%(q)s", "protocol": "%(H)s", '
    '"status": %(s)s, "bytes": %(B)s, "duration_ms": %(M)s, "referrer": "%(f)s", '
    '"user_agent": "%(a)s", "request_id": "%({x-request-id}i)s", "pid": %(pid)s}'
)


class JsonAtoms(SafeAtoms):
    """gunicorn's log fields, each text escaped for a JSON string; None becomes null."""

    def __init__(self, atoms: dict):
        super().__init__({})
        for key, value in atoms.items():
            if isinstance(value, str):
                self[key] = json.dumps(value, ensure_ascii=False)[1:-1]
            else:
                self[key] = "null" if value is None else value


class JsonAccessLogger(Logger):
    """gunicorn's logger, writing access lines as JSON (ACCESS_LOG_FORMAT) with ISO times."""

    atoms_wrapper_class = JsonAtoms

    def atoms(self, resp, req, environ, request_time) -> dict:
        """Return gunicorn's fields plus the time in ISO 8601 (UTC) and the bare process id."""
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["time"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        atoms["pid"] = os.getpid()
        return atoms


# nginx reads a whole upload before it passes it on (proxy_request_buffering), however slow
# the reader's link: the worker receives it at local speed. This rate is a floor for that
# hand-over plus unpacking and hashing a zip of the same size.
LOCAL_BYTES_PER_SECOND = 10 * 1024 * 1024
# A document's render time when RENDER_BUDGET_SECONDS is off (the largest real articles
# take a quarter of a second).
UNLIMITED_RENDER_SECONDS = 2
# Writing, committing and answering, and room for a slow disk.
MARGIN_SECONDS = 10


def read_settings(instance_path: str | os.PathLike | None = None) -> Config:
    """Read the settings as create_app does (defaults, instance/config.py, FLASK_*), app-less."""
    if instance_path is None:
        root = Path(__file__).resolve().parent.parent.parent
        instance_path = os.environ.get("INSTANCE_PATH") or root / "instance"
    config = Config(str(instance_path), DEFAULTS)
    config.from_pyfile("config.py", silent=True)
    config.from_prefixed_env()
    return config


def longest_request_seconds(config) -> int:
    """Return the longest a request may take under these settings: an upload published inside it.

    Uploads with more than BACKGROUND_AFTER_DOCUMENTS documents go to the job worker, so
    the longest in-request upload renders that many, each within RENDER_BUDGET_SECONDS of
    CPU; its remote images stop by IMAGE_FETCH_REQUEST_SECONDS; its write may wait
    SQLITE_BUSY_TIMEOUT for SQLite's lock; its body (up to MAX_UPLOAD_SIZE) arrives from
    nginx at local speed.
    """
    documents = int(config["BACKGROUND_AFTER_DOCUMENTS"])
    render = documents * float(config["RENDER_BUDGET_SECONDS"] or UNLIMITED_RENDER_SECONDS)
    downloads = float(config["IMAGE_FETCH_REQUEST_SECONDS"])
    lock = float(config["SQLITE_BUSY_TIMEOUT"])
    body_bytes = config.get("MAX_CONTENT_LENGTH") or (
        int(config["MAX_UPLOAD_SIZE"]) + FORM_OVERHEAD_BYTES
    )
    body = int(body_bytes) / LOCAL_BYTES_PER_SECOND
    return math.ceil(render + downloads + lock + body + MARGIN_SECONDS)
