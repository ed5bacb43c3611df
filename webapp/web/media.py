"""Answering /media/<name>: from the local folder, or streamed from the bucket.

Without MEDIA_PUBLIC_BASE_URL the site serves its images itself whichever the store, so
pages, feeds and old links need nothing else; with it, pages point at that address
instead, and /media/ stays the origin a pull-through CDN may fetch from. Streaming (rather
than a redirect to a presigned URL) keeps one address per image, cacheable for a year by
browsers, nginx and CDNs, and keeps the sandboxing headers below on every image.
"""

from __future__ import annotations

import mimetypes
import re

from flask import Flask, abort, current_app, request, send_from_directory
from werkzeug.http import is_resource_modified

from ..services.assets import public_media_html, public_media_url
from ..services.storage import media_store

ONE_YEAR = 31536000
# Stored names are content hashes: anything else is not in the store.
_STORED_NAME = re.compile(r"[0-9a-f]{64}\.[a-z0-9]{1,10}")


def init_app(app: Flask) -> None:
    """Let templates point stored images at MEDIA_PUBLIC_BASE_URL when it is set."""
    app.jinja_env.filters["public_media"] = public_media_html
    app.jinja_env.filters["public_media_url"] = public_media_url


def media_response(filename: str):
    """Return the response serving one stored image, 304 or 404 as it applies."""
    store = media_store()
    if store.kind == "local":
        response = send_from_directory(store.folder, filename, max_age=ONE_YEAR)
    else:
        response = _streamed(store, filename)
    # An SVG opened on its own must not run anything.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    return response


def _streamed(store, filename: str):
    """Stream an object from the bucket; its name is its strong validator."""
    if not _STORED_NAME.fullmatch(filename):
        abort(404)
    etag = filename.partition(".")[0]
    if not is_resource_modified(request.environ, etag=etag):
        response = current_app.response_class(status=304)
    else:
        body = store.open(filename)
        if body is None:
            abort(404)
        mimetype = body.content_type or mimetypes.guess_type(filename)[0]
        response = current_app.response_class(
            body.chunks(), mimetype=mimetype or "application/octet-stream", direct_passthrough=True
        )
        response.content_length = body.size
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response
