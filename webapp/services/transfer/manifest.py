"""The export format: manifest fields, their parsing, and reading an export folder or zip."""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from ...content.messages import N_
from ...models import DRAFT, PUBLISHED

MANIFEST = "blog-export.json"
FORMAT = "blog-export"
# Bump on an incompatible change; a reader refuses versions newer than it knows.
FORMAT_VERSION = 2
# 1: articles/<slug>.md and assets/<sha256>.<ext>; still read.
# 2: <slug>/index.md with its images beside it, drafts/, trash/, .blog/revisions/.


class ExportFormatError(ValueError):
    """A manifest or manifest entry that cannot be read."""


def named_reason(name: str, error: Exception) -> str:
    """Return a reason prefixed by the file it is about: "blog-export.json: <why>"."""
    return N_("%(name)s: %(error)s") % {"name": name, "error": error}


def format_time(value: datetime | None) -> str | None:
    """Return a stored (naive UTC) time as ISO 8601 with microseconds and a Z."""
    return None if value is None else value.isoformat(timespec="microseconds") + "Z"


def parse_time(value: object, field: str) -> datetime:
    """Parse a manifest time back into naive UTC; raise ExportFormatError if unreadable."""
    if not isinstance(value, str):
        not_time = N_("%(field)s: expected a time, got %(value)s")
        raise ExportFormatError(not_time % {"field": field, "value": repr(value)})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        unreadable = N_("%(field)s: cannot read %(value)s as a time")
        raise ExportFormatError(unreadable % {"field": field, "value": repr(value)}) from error
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@dataclass(frozen=True)
class RevisionRecord:
    """One exported revision: its file and the time it was saved."""

    file: str
    created_at: datetime


@dataclass(frozen=True)
class AddressRecord:
    """One old address of an article."""

    path: str
    origin: str
    created_at: datetime


@dataclass(frozen=True)
class CoverRecord:
    """An article's cover: a remote URL, or a stored image exported as `file`."""

    url: str
    file: str | None
    sha256: str | None


@dataclass(frozen=True)
class ArticleRecord:
    """What the manifest says about one article."""

    file: str
    slug: str
    title: str | None
    source_sha256: str | None
    # The SHA-256 of the exported file and how to turn it back into the stored source
    # ([start, length, original] per rewritten image path); None for a version 1 export,
    # whose file is the source itself.
    file_sha256: str | None
    rewrites: list[list]
    status: str
    deleted_at: datetime | None
    created_at: datetime
    published_at: datetime
    updated_at: datetime
    source_filename: str | None
    category: str | None
    tags: list[str]
    images: dict[str, str]  # reference as written -> SHA-256
    image_files: dict[str, str]  # reference as written -> path in the export
    pinned: bool
    cover: CoverRecord | None
    addresses: list[AddressRecord]
    # None when the export was made without --revisions.
    revisions: list[RevisionRecord] | None
    # The author's username; None: the site's (or an export made before authors).
    author: str | None = None

    @classmethod
    def parse(cls, entry: object, assets: dict | None = None) -> ArticleRecord:
        """Validate one manifest entry; raise ExportFormatError naming the bad field.

        `assets` is a version 1 manifest's map of hash -> {"file": "assets/…"}; a version 2
        entry names each image's file itself.
        """
        if not isinstance(entry, dict):
            raise ExportFormatError(N_("article entry is not an object"))
        for key in ("file", "slug"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise ExportFormatError(N_("%(field)s: missing") % {"field": key})
        if entry.get("status", PUBLISHED) not in (DRAFT, PUBLISHED):
            unknown = N_("status: unknown value %(value)s")
            raise ExportFormatError(unknown % {"value": repr(entry.get("status"))})
        images, image_files = _images(entry.get("images") or {}, assets or {})
        tags = entry.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise ExportFormatError(N_("tags: expected a list of tag slugs"))
        revisions = entry.get("revisions")
        if revisions is not None:
            try:
                revisions = [
                    RevisionRecord(str(item["file"]), parse_time(item["created_at"], "revision"))
                    for item in revisions
                ]
            except (TypeError, KeyError) as error:
                raise ExportFormatError(
                    N_("revisions: expected a list of files and times")
                ) from error
        deleted = entry.get("deleted_at")
        author = entry.get("author")
        if author is not None and (not isinstance(author, str) or not author):
            raise ExportFormatError(N_("author: expected a username"))
        return cls(
            file=entry["file"],
            slug=entry["slug"],
            title=entry.get("title"),
            source_sha256=entry.get("source_sha256"),
            file_sha256=entry.get("file_sha256"),
            rewrites=_rewrites(entry.get("rewrites") or []),
            status=entry.get("status", PUBLISHED),
            deleted_at=parse_time(deleted, "deleted_at") if deleted else None,
            created_at=parse_time(entry.get("created_at"), "created_at"),
            published_at=parse_time(entry.get("published_at"), "published_at"),
            updated_at=parse_time(entry.get("updated_at"), "updated_at"),
            source_filename=entry.get("source_filename"),
            category=entry.get("category") or None,
            tags=tags,
            images=images,
            image_files=image_files,
            pinned=bool(entry.get("pinned", False)),
            cover=_cover(entry.get("cover")),
            addresses=_addresses(entry.get("addresses") or []),
            revisions=revisions,
            author=author,
        )


def _images(images: object, assets: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Return (reference -> hash, reference -> file) from either version's image map."""
    if not isinstance(images, dict):
        raise ExportFormatError(N_("images: expected a map of reference to image"))
    hashes, files = {}, {}
    for reference, item in images.items():
        if isinstance(item, str):  # version 1: the hash, its file under the global assets
            asset = assets.get(item) if isinstance(assets.get(item), dict) else {}
            hashes[reference], file = item, asset.get("file")
        elif isinstance(item, dict) and isinstance(item.get("sha256"), str):
            hashes[reference], file = item["sha256"], item.get("file")
        else:
            unreadable = N_("images: cannot read the entry for %(reference)s")
            raise ExportFormatError(unreadable % {"reference": repr(reference)})
        if isinstance(file, str) and file:
            files[reference] = file
    return hashes, files


def _rewrites(rewrites: object) -> list[list]:
    valid = isinstance(rewrites, list) and all(
        isinstance(item, list)
        and len(item) == 3
        and isinstance(item[0], int)
        and isinstance(item[1], int)
        and isinstance(item[2], str)
        for item in rewrites
    )
    if not valid:
        raise ExportFormatError(N_("rewrites: expected [start, length, text] entries"))
    return rewrites


def _cover(cover: object) -> CoverRecord | None:
    if cover is None:
        return None
    if not isinstance(cover, dict) or not isinstance(cover.get("url"), str):
        raise ExportFormatError(N_("cover: expected an object with a url"))
    file, sha = cover.get("file"), cover.get("sha256")
    return CoverRecord(
        cover["url"], file if isinstance(file, str) else None, sha if isinstance(sha, str) else None
    )


def _addresses(addresses: object) -> list[AddressRecord]:
    if not isinstance(addresses, list):
        raise ExportFormatError(N_("addresses: expected a list"))
    records = []
    for item in addresses:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise ExportFormatError(N_("addresses: each needs a path"))
        records.append(
            AddressRecord(
                item["path"],
                str(item.get("origin") or "author"),
                parse_time(item.get("created_at"), "address created_at"),
            )
        )
    return records


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
        try:
            with self.zip.open(info) as handle:
                # Read one byte past the limit: a zip may understate an entry's size.
                data = handle.read(limit + 1 if limit else -1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            damaged = N_("%(name)s is damaged in the zip (%(detail)s)")
            raise ExportFormatError(damaged % {"name": name, "detail": error}) from error
        if limit and len(data) > limit:
            larger = N_("%(name)s is larger than the %(limit)s-byte file limit")
            raise ExportFormatError(larger % {"name": name, "limit": limit})
        return data

    def manifest(self) -> dict:
        """Return the parsed manifest; raise ExportFormatError if missing, broken or too new."""
        # The manifest of a large blog outgrows the per-file upload limit; it is read whole.
        data = self.read(MANIFEST, limited=False)
        if data is None:
            raise ExportFormatError(
                N_("%(name)s: no %(file)s") % {"name": self.path, "file": MANIFEST}
            )
        try:
            manifest = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ExportFormatError(named_reason(MANIFEST, error)) from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ExportFormatError(N_("%(name)s: not a blog export") % {"name": MANIFEST})
        version = manifest.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ExportFormatError(
                N_(
                    "%(name)s: format version %(version)s is newer than this blog reads "
                    "(%(readable)s); upgrade the blog first"
                )
                % {"name": MANIFEST, "version": repr(version), "readable": FORMAT_VERSION}
            )
        if not isinstance(manifest.get("articles"), list):
            raise ExportFormatError(N_("%(name)s: no article list") % {"name": MANIFEST})
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
