"""Content-addressed image storage under instance/uploads."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Asset
from .svg import UnsafeSvg, sanitize_svg

# Types are recognised by their first bytes, never by the file name.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)
# A document that starts like XML and has an <svg> element near the top is taken for an
# SVG; svg.sanitize_svg then parses all of it and refuses anything that is not one.
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<[?!a-zA-Z]")
_SVG_ELEMENT = re.compile(rb"<svg[\s>/]")


class UnsupportedImage(ValueError):
    """Bytes that are not one of the image types the blog stores."""


def sniff_image(data: bytes) -> tuple[str, str]:
    """Return (mime type, extension) of PNG, JPEG, GIF, WebP or SVG data; raise otherwise."""
    for signature, mime, extension in _SIGNATURES:
        if data.startswith(signature):
            return mime, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    head = data[:4096]
    if _XML_START.match(head) and _SVG_ELEMENT.search(head):
        return "image/svg+xml", "svg"
    raise UnsupportedImage("not a PNG, JPEG, GIF, WebP or SVG image")


def media_url(asset: Asset) -> str:
    """Return the site path of a stored file; works outside a request (CLI imports)."""
    root = current_app.config.get("APPLICATION_ROOT", "/")
    adapter = current_app.url_map.bind("localhost", script_name=root)
    return adapter.build("blog.media", {"filename": asset.filename})


def uploads_dir() -> Path:
    """Return the folder holding stored files, creating it when needed."""
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_image(data: bytes, written: list[Path] | None = None) -> Asset:
    """Store image bytes once per content hash and return their Asset row (not yet committed).

    A file this call creates is appended to `written`, so that a failed transaction can
    remove it again instead of leaving an orphan on disk.
    """
    mime, extension = sniff_image(data)
    if extension == "svg":
        # What is stored (and addressed by its hash) is the sanitised copy, never the upload.
        try:
            data = sanitize_svg(data)
        except UnsafeSvg as error:
            raise UnsupportedImage(f"SVG refused: {error}") from None
    digest = hashlib.sha256(data).hexdigest()
    asset = db.session.scalar(select(Asset).where(Asset.sha256 == digest))
    if asset is None:
        asset = Asset(sha256=digest, mime_type=mime, extension=extension, size=len(data))
        db.session.add(asset)
    target = uploads_dir() / asset.filename
    if not target.exists():
        # Write then rename, so a reader never sees half a file; the temporary name is
        # unique per call, so two threads storing the same image do not share it.
        partial = target.with_suffix(f".{os.getpid()}.{secrets.token_hex(6)}.part")
        partial.write_bytes(data)
        partial.replace(target)
        if written is not None:
            written.append(target)
    return asset
