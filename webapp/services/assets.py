"""Content-addressed image storage under instance/uploads."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..content.images import ImageFile, image_file
from ..extensions import db
from ..models import Asset


def media_url(asset: Asset) -> str:
    """Return the site path of a stored file; works outside a request (CLI imports)."""
    return media_prefix() + asset.filename


def media_prefix() -> str:
    """Return the site path stored files sit under ("/media/"), which a file name completes."""
    root = current_app.config.get("APPLICATION_ROOT", "/")
    adapter = current_app.url_map.bind("localhost", script_name=root)
    # Built once with a placeholder name: rendering in another process needs it as text.
    return adapter.build("blog.media", {"filename": "_"})[:-1]


def uploads_dir() -> Path:
    """Return the folder holding stored files, creating it when needed."""
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def storage_ok() -> bool:
    """Tell whether the media storage takes a small file and gives it back (for /healthz).

    Every worker writes and reads here, so this is what a full or read-only disk breaks
    first; an object-storage backend checks its bucket instead.
    """
    probe = Path(current_app.instance_path) / "uploads" / f".health-{secrets.token_hex(8)}"
    try:
        probe.parent.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        return probe.read_bytes() == b"ok"
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


def store_image(data: bytes | ImageFile, written: list[Path] | None = None) -> Asset:
    """Store image bytes once per content hash and return their Asset row (not yet committed).

    A file this call creates is appended to `written`, so that a failed transaction can
    remove it again instead of leaving an orphan on disk.
    """
    image = data if isinstance(data, ImageFile) else image_file(data)
    asset = db.session.scalar(select(Asset).where(Asset.sha256 == image.sha256))
    if asset is None:
        asset = Asset(
            sha256=image.sha256,
            mime_type=image.mime_type,
            extension=image.extension,
            size=len(image.data),
        )
        db.session.add(asset)
    target = uploads_dir() / asset.filename
    if not target.exists():
        # Write then rename, so a reader never sees half a file; the temporary name is
        # unique per call, so two threads storing the same image do not share it.
        partial = target.with_suffix(f".{os.getpid()}.{secrets.token_hex(6)}.part")
        partial.write_bytes(image.data)
        partial.replace(target)
        if written is not None:
            written.append(target)
    return asset
