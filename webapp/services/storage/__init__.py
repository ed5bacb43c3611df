"""Where stored images live: a local folder (the default) or an S3-compatible bucket.

Both keep one file per content hash under its Asset.filename (<sha256>.<ext>), so content
addressing, the clean-up of files a failed transaction created, export and `flask media
migrate` work the same on either. The store is built once per app (init_app), from the
MEDIA_* settings, and checked then: a bucket that cannot be reached stops the start.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.exceptions import ServiceUnavailable

from ...config import SettingError


class MediaStorageUnavailable(ServiceUnavailable):
    """The bucket did not answer: the request fails with a 503, never a 500."""


class MediaStore(Protocol):
    """The small interface every backend offers; names are Asset.filename values."""

    kind: str

    def exists(self, name: str) -> bool:
        """Tell whether the file is stored."""
        ...

    def put(self, name: str, data: bytes, mime_type: str) -> bool:
        """Store the file unless it is there; return True when this call created it."""
        ...

    def read(self, name: str) -> bytes | None:
        """Return the file's bytes, or None when it is not stored."""
        ...

    def delete(self, name: str) -> None:
        """Remove the file; a missing one is no error."""
        ...

    def names(self) -> Iterator[str]:
        """Yield the name of every stored file."""
        ...

    def ok(self) -> bool:
        """Tell quickly whether the store answers now (for /healthz)."""
        ...


def init_app(app: Flask) -> None:
    """Check the MEDIA_* settings and build the app's store; raise SettingError if unusable."""
    config = app.config
    config["MEDIA_PUBLIC_BASE_URL"] = public_base_url(config.get("MEDIA_PUBLIC_BASE_URL"))
    if config.get("MEDIA_S3_BUCKET"):
        from .s3 import S3Store

        store: MediaStore = S3Store.from_config(config)
        if config.get("MEDIA_S3_CHECK_AT_START", True):
            store.verify()
    else:
        from .local import LocalStore

        store = LocalStore(Path(app.instance_path) / "uploads")
    app.extensions["media_store"] = store


def media_store() -> MediaStore:
    """Return the current app's store."""
    return current_app.extensions["media_store"]


def media_storage_ok() -> bool:
    """Tell whether the image store answers now: for /healthz, quick and never raising."""
    try:
        return media_store().ok()
    except Exception:  # a health check reports trouble, it does not become it
        return False


def public_base_url(value) -> str | None:
    """Return MEDIA_PUBLIC_BASE_URL checked and ending in "/", or None when it is unset."""
    if value in (None, ""):
        return None
    parts = urlsplit(str(value)) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or any(c.isspace() or c in "\"'<>;," for c in value)
    ):
        raise SettingError(
            f"MEDIA_PUBLIC_BASE_URL: {value!r} is not a public address for images; give an "
            'http(s) URL such as "https://cdn.example.org/media/" (no query, no credentials)'
        )
    return value if value.endswith("/") else value + "/"


def media_origin(config) -> str:
    """Return the origin images are served from besides the site ("" when none), for the CSP."""
    base = config.get("MEDIA_PUBLIC_BASE_URL")
    if not base:
        return ""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"
