"""The export format: manifest fields, their parsing, and reading an export folder or zip."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from ...models import DRAFT, PUBLISHED

MANIFEST = "blog-export.json"
FORMAT = "blog-export"
# Bump on an incompatible change; a reader refuses versions newer than it knows.
FORMAT_VERSION = 1


class ExportFormatError(ValueError):
    """A manifest or manifest entry that cannot be read."""


def format_time(value: datetime | None) -> str | None:
    """Return a stored (naive UTC) time as ISO 8601 with microseconds and a Z."""
    return None if value is None else value.isoformat(timespec="microseconds") + "Z"


def parse_time(value: object, field: str) -> datetime:
    """Parse a manifest time back into naive UTC; raise ExportFormatError if unreadable."""
    if not isinstance(value, str):
        raise ExportFormatError(f"{field}: expected a time, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise ExportFormatError(f"{field}: cannot read {value!r} as a time") from error
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@dataclass(frozen=True)
class RevisionRecord:
    """One exported revision: its file and the time it was saved."""

    file: str
    created_at: datetime


@dataclass(frozen=True)
class ArticleRecord:
    """What the manifest says about one article."""

    file: str
    slug: str
    title: str | None
    source_sha256: str | None
    status: str
    deleted_at: datetime | None
    created_at: datetime
    published_at: datetime
    updated_at: datetime
    source_filename: str | None
    category: str | None
    tags: list[str]
    images: dict[str, str]
    # None when the export was made without --revisions.
    revisions: list[RevisionRecord] | None

    @classmethod
    def parse(cls, entry: object) -> ArticleRecord:
        """Validate one manifest entry; raise ExportFormatError naming the bad field."""
        if not isinstance(entry, dict):
            raise ExportFormatError("article entry is not an object")
        for key in ("file", "slug"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise ExportFormatError(f"{key}: missing")
        if entry.get("status", PUBLISHED) not in (DRAFT, PUBLISHED):
            raise ExportFormatError(f"status: unknown value {entry.get('status')!r}")
        images = entry.get("images") or {}
        tags = entry.get("tags") or []
        if not isinstance(images, dict) or not all(isinstance(v, str) for v in images.values()):
            raise ExportFormatError("images: expected a map of reference to asset hash")
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise ExportFormatError("tags: expected a list of tag slugs")
        revisions = entry.get("revisions")
        if revisions is not None:
            revisions = [
                RevisionRecord(str(item["file"]), parse_time(item["created_at"], "revision"))
                for item in revisions
            ]
        deleted = entry.get("deleted_at")
        return cls(
            file=entry["file"],
            slug=entry["slug"],
            title=entry.get("title"),
            source_sha256=entry.get("source_sha256"),
            status=entry.get("status", PUBLISHED),
            deleted_at=parse_time(deleted, "deleted_at") if deleted else None,
            created_at=parse_time(entry.get("created_at"), "created_at"),
            published_at=parse_time(entry.get("published_at"), "published_at"),
            updated_at=parse_time(entry.get("updated_at"), "updated_at"),
            source_filename=entry.get("source_filename"),
            category=entry.get("category") or None,
            tags=tags,
            images=images,
            revisions=revisions,
        )


class Archive:
    """Read-only access to the files of an export folder or zip, by their manifest names."""

    def __init__(self, path: Path, max_file_bytes: int | None = None):
        self.path = path
        self.max_file_bytes = max_file_bytes
        self.zip: zipfile.ZipFile | None = None
        self.prefix = ""
        if path.is_file():
            self.zip = zipfile.ZipFile(path)
            self.prefix = _zip_prefix(self.zip.namelist()) or ""
        self.root = path.resolve()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        if self.zip is not None:
            self.zip.close()

    def read(self, name: str, *, limited: bool = True) -> bytes | None:
        """Return a file's bytes, or None when it is absent or lies outside the export.

        Zip entries are held to the per-file limit (a zip bomb stops there); files of a
        folder are the owner's own and are read whole.
        """
        if PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
            return None
        if self.zip is None:
            target = (self.root / name).resolve()
            if not target.is_relative_to(self.root) or not target.is_file():
                return None
            return target.read_bytes()
        try:
            info = self.zip.getinfo(self.prefix + name)
        except KeyError:
            return None
        limit = self.max_file_bytes if limited else None
        with self.zip.open(info) as handle:
            # Read one byte past the limit: a zip may understate an entry's size.
            data = handle.read(limit + 1 if limit else -1)
        if limit and len(data) > limit:
            raise ExportFormatError(f"{name} is larger than the {limit}-byte file limit")
        return data

    def manifest(self) -> dict:
        """Return the parsed manifest; raise ExportFormatError if missing, broken or too new."""
        # The manifest of a large blog outgrows the per-file upload limit; it is read whole.
        data = self.read(MANIFEST, limited=False)
        if data is None:
            raise ExportFormatError(f"{self.path}: no {MANIFEST}")
        try:
            manifest = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ExportFormatError(f"{MANIFEST}: {error}") from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ExportFormatError(f"{MANIFEST}: not a blog export")
        version = manifest.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ExportFormatError(
                f"{MANIFEST}: format version {version!r} is newer than this blog reads"
                f" ({FORMAT_VERSION}); upgrade the blog first"
            )
        if not isinstance(manifest.get("articles"), list):
            raise ExportFormatError(f"{MANIFEST}: no article list")
        return manifest


def _zip_prefix(names: list[str]) -> str | None:
    """Return "" or "folder/" where a zip keeps its manifest, or None when it has none."""
    if MANIFEST in names:
        return ""
    nested = [name for name in names if re.fullmatch(rf"[^/]+/{re.escape(MANIFEST)}", name)]
    return nested[0][: -len(MANIFEST)] if len(nested) == 1 else None


def is_export(path: Path) -> bool:
    """Tell whether a folder or zip holds a blog export (has a manifest)."""
    if path.is_dir():
        return (path / MANIFEST).is_file()
    with zipfile.ZipFile(path) as archive:
        return _zip_prefix(archive.namelist()) is not None
