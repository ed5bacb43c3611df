"""Content-addressed image storage: Asset rows, their files in the media store (storage/)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..content.feedhtml import rebase
from ..content.images import ImageFile, image_file
from ..extensions import db
from ..models import Asset
from .storage import media_store


def media_url(asset: Asset) -> str:
    """Return the site path of a stored file; works outside a request (CLI imports)."""
    return media_prefix() + asset.filename


def media_prefix() -> str:
    """Return the site path stored files sit under ("/media/"), which a file name completes."""
    root = current_app.config.get("APPLICATION_ROOT", "/")
    adapter = current_app.url_map.bind("localhost", script_name=root)
    # Built once with a placeholder name: rendering in another process needs it as text.
    return adapter.build("blog.media", {"filename": "_"})[:-1]


def public_media_url(url: str | None) -> str | None:
    """Return a stored image's address as readers load it: under MEDIA_PUBLIC_BASE_URL if set."""
    base = current_app.config.get("MEDIA_PUBLIC_BASE_URL")
    if not base or not url:
        return url
    prefix = media_prefix()
    return base + url[len(prefix) :] if url.startswith(prefix) else url


def public_media_html(html: str) -> str:
    """Return article HTML whose stored images load from MEDIA_PUBLIC_BASE_URL if set.

    Stored HTML always says /media/<name>: moving the images (or dropping the CDN) needs
    no re-render, only this setting.
    """
    base = current_app.config.get("MEDIA_PUBLIC_BASE_URL")
    return rebase(html, media_prefix(), base) if base and html else html


def store_image(data: bytes | ImageFile, written: list[str] | None = None) -> Asset:
    """Store image bytes once per content hash and return their Asset row (not yet committed).

    The name of a file this call creates is appended to `written`, so that a failed
    transaction can remove it again instead of leaving an orphan in the store.
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
    created = media_store().put(asset.filename, image.data, asset.mime_type)
    if created and written is not None:
        written.append(asset.filename)
    return asset
