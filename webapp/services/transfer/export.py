"""Write every article, its images and (on request) its revisions to a folder or zip."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from ...extensions import db
from ...models import DRAFT, Article, ArticleImage, Category, Tag, utcnow
from ..assets import uploads_dir
from .manifest import FORMAT, FORMAT_VERSION, MANIFEST, format_time

# What an earlier export put into a folder; `force` replaces exactly these.
EXPORT_ENTRIES = (MANIFEST, "articles", "assets", "revisions")
_SAFE_STEM = re.compile(r"[^/\\\x00-\x1f]{1,120}")
# Already-compressed images gain nothing from deflate.
_STORED_TYPES = {"png", "jpg", "gif", "webp"}
BATCH = 200


@dataclass
class ExportSummary:
    """What an export wrote."""

    path: Path
    articles: int = 0
    drafts: int = 0
    trashed: int = 0
    revisions: int = 0
    images: int = 0
    warnings: list[str] = field(default_factory=list)


class _Writer:
    """Writes named files into a folder, or into a zip built beside the target then renamed."""

    def __init__(self, dest: Path, as_zip: bool):
        self.dest = dest
        self.zip: zipfile.ZipFile | None = None
        self.partial: Path | None = None
        if as_zip:
            dest.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
            os.close(handle)
            self.partial = Path(name)
            self.zip = zipfile.ZipFile(self.partial, "w", zipfile.ZIP_DEFLATED)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            for name in EXPORT_ENTRIES:
                old = dest / name
                if old.is_dir():
                    shutil.rmtree(old)
                elif old.exists():
                    old.unlink()

    def write(self, name: str, data: bytes, *, compress: bool = True) -> None:
        if self.zip is not None:
            kind = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            self.zip.writestr(name, data, compress_type=kind)
            return
        target = self.dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def copy(self, name: str, source: Path, *, compress: bool = True) -> None:
        if self.zip is not None:
            kind = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            self.zip.write(source, name, compress_type=kind)
            return
        target = self.dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def close(self, ok: bool) -> None:
        if self.zip is None:
            return
        self.zip.close()
        if ok:
            self.partial.replace(self.dest)
        else:
            self.partial.unlink(missing_ok=True)


def export_articles(dest: Path, *, revisions: bool = False, as_zip: bool = False) -> ExportSummary:
    """Write every article (drafts and trash included) to `dest` as a folder or zip.

    A folder keeps files that are not part of an export; an earlier export's manifest,
    articles/, assets/ and revisions/ are replaced. The manifest is written last, so an
    interrupted folder export has none and is not mistaken for a complete one; a zip is
    renamed into place only when complete.
    """
    summary = ExportSummary(path=dest)
    writer = _Writer(dest, as_zip)
    ok = False
    try:
        manifest = _write_all(writer, summary, revisions)
        body = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
        writer.write(MANIFEST, body.encode("utf-8"))
        ok = True
    finally:
        writer.close(ok)
    return summary


def _write_all(writer: _Writer, summary: ExportSummary, revisions: bool) -> dict:
    assets: dict[str, dict] = {}
    entries: list[dict] = []
    stems: set[str] = set()
    for article in _articles(revisions):
        stem = _stem(article, stems)
        entry = _article_entry(article, f"articles/{stem}.md")
        writer.write(entry["file"], article.source_md.encode("utf-8"))
        for link in article.images:
            asset = link.asset
            if asset.sha256 not in assets:
                assets[asset.sha256] = _write_asset(writer, asset, summary)
        if revisions:
            entry["revisions"] = []
            width = max(3, len(str(len(article.revisions))))
            for n, revision in enumerate(article.revisions, start=1):
                name = f"revisions/{stem}/{n:0{width}d}-{revision.created_at:%Y%m%dT%H%M%S}.md"
                writer.write(name, revision.source_md.encode("utf-8"))
                entry["revisions"].append(
                    {"file": name, "created_at": format_time(revision.created_at)}
                )
                summary.revisions += 1
        entries.append(entry)
        summary.articles += 1
        summary.drafts += article.status == DRAFT
        summary.trashed += article.deleted_at is not None
    summary.images = sum(1 for asset in assets.values() if asset.get("file"))
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": format_time(utcnow()),
        "revisions": revisions,
        "categories": [
            {"path": category.path, "name": category.name, "parent": _parent_path(category)}
            for category in db.session.scalars(
                select(Category).order_by(Category.id).options(selectinload(Category.parent))
            )
        ],
        "tags": [
            {"name": tag.name, "slug": tag.slug}
            for tag in db.session.scalars(select(Tag).order_by(Tag.id))
        ],
        "assets": assets,
        "articles": entries,
    }


def _parent_path(category: Category) -> str | None:
    return category.parent.path if category.parent else None


def _articles(revisions: bool):
    """Yield every article in id order with what the export needs, in batches."""
    options = [
        defer(Article.html),
        defer(Article.toc_html),
        defer(Article.excerpt),
        defer(Article.front_matter),
        selectinload(Article.category),
        selectinload(Article.tags),
        selectinload(Article.images).joinedload(ArticleImage.asset),
    ]
    if revisions:
        options.append(selectinload(Article.revisions))
    last_id = 0
    while True:
        # Keyset batches: each is one short query, and memory stays flat on big blogs.
        batch = db.session.scalars(
            select(Article)
            .where(Article.id > last_id)
            .order_by(Article.id)
            .limit(BATCH)
            .options(*options)
        ).all()
        if not batch:
            return
        last_id = batch[-1].id
        yield from batch


def _stem(article: Article, taken: set[str]) -> str:
    """Return a file name stem: the slug when it is a safe, new name, else article-<id>."""
    stem = article.slug
    if not _SAFE_STEM.fullmatch(stem) or stem.startswith(".") or stem.casefold() in taken:
        stem = f"article-{article.id}"
    taken.add(stem.casefold())
    return stem


def _article_entry(article: Article, file: str) -> dict:
    return {
        "file": file,
        "slug": article.slug,
        "title": article.title,
        "source_sha256": article.source_hash,
        "status": article.status,
        "deleted_at": format_time(article.deleted_at),
        "created_at": format_time(article.created_at),
        "published_at": format_time(article.published_at),
        "updated_at": format_time(article.updated_at),
        "source_filename": article.source_filename,
        "category": article.category.path if article.category else None,
        "tags": [tag.slug for tag in article.tags],
        "images": {link.reference: link.asset.sha256 for link in article.images},
    }


def _write_asset(writer: _Writer, asset, summary: ExportSummary) -> dict:
    entry = {"mime_type": asset.mime_type, "size": asset.size, "file": None}
    source = uploads_dir() / asset.filename
    if not source.is_file():
        summary.warnings.append(f"image file missing from uploads: {asset.filename}")
        return entry
    entry["file"] = f"assets/{asset.filename}"
    writer.copy(entry["file"], source, compress=asset.extension not in _STORED_TYPES)
    return entry
