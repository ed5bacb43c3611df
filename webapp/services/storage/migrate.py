"""Copying stored images from a local folder into the configured store (`flask media migrate`)."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from ...extensions import db
from ...models import Asset
from . import MediaStore
from .local import LocalStore

_STORED_NAME = re.compile(r"(?P<sha>[0-9a-f]{64})\.(?P<ext>[a-z0-9]{1,10})")


@dataclass
class MigrateSummary:
    """What a migration did, file by file counted."""

    copied: int = 0
    present: int = 0  # already in the store with the right content
    verified: int = 0
    skipped: list[str] = field(default_factory=list)  # not a stored image's name
    failed: list[str] = field(default_factory=list)  # "name: reason"
    missing: list[str] = field(default_factory=list)  # known to the database, found nowhere


def migrate_media(
    source: LocalStore, target: MediaStore, progress: Callable[[int], None] | None = None
) -> MigrateSummary:
    """Copy every image of source missing from target, then check each one's hash there.

    Safe to run again: files already in the target are not copied twice, only checked.
    """
    summary = MigrateSummary()
    types = dict(db.session.execute(select(Asset.sha256, Asset.mime_type)).all())
    for done, name in enumerate(source.names(), start=1):
        match = _STORED_NAME.fullmatch(name)
        if match is None:
            summary.skipped.append(name)
            continue
        sha = match.group("sha")
        data = source.read(name)
        if data is None or hashlib.sha256(data).hexdigest() != sha:
            summary.failed.append(f"{name}: the local file does not match its hash")
            continue
        mime_type = types.get(sha) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        if target.put(name, data, mime_type):
            summary.copied += 1
        else:
            summary.present += 1
        stored = target.read(name)
        if stored is None or hashlib.sha256(stored).hexdigest() != sha:
            summary.failed.append(f"{name}: the stored copy does not match its hash")
        else:
            summary.verified += 1
        if progress and done % 500 == 0:
            progress(done)
    summary.missing = _missing(source, target)
    return summary


def _missing(source: LocalStore, target: MediaStore) -> list[str]:
    """Return the database's images that neither the folder nor the target holds."""
    missing = []
    for asset in db.session.scalars(select(Asset).order_by(Asset.id)):
        if not source.exists(asset.filename) and not target.exists(asset.filename):
            missing.append(asset.filename)
    return missing
