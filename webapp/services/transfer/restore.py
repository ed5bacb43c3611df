"""Restore a blog export: every article exactly as recorded, one transaction each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ...config import site_timezone
from ...content.frontmatter import split_front_matter
from ...content.metadata import ArticleMeta, check_lengths, normalise
from ...extensions import db
from ...models import DRAFT, PUBLISHED, Article, Category, Revision, Tag, utcnow
from ..ingest import FileResult, UploadLimits
from ..publishing import (
    CREATED,
    UNCHANGED,
    UPDATED,
    render_into,
    source_hash,
    split_title,
)
from ..taxonomy import category_at, category_for_path, tags_for_names
from .manifest import Archive, ArticleRecord, ExportFormatError

REJECTED = "rejected"
Progress = Callable[[FileResult], None]


def restore_export(
    path: Path, *, limits: UploadLimits | None = None, progress: Progress | None = None
) -> list[FileResult]:
    """Restore every article of an export folder or zip, each in its own transaction."""
    max_file = limits.max_file_bytes if limits else None
    results = []
    with Archive(path, max_file) as archive:
        manifest = archive.manifest()
        _restore_taxonomy(manifest)
        assets = manifest.get("assets") or {}
        for entry in manifest["articles"]:
            result = _restore_one(archive, assets, entry)
            results.append(result)
            if progress is not None:
                progress(result)
    return results


def _restore_taxonomy(manifest: dict) -> None:
    """Create the export's categories and tags first, so empty ones and spellings survive."""
    items = [item for item in manifest.get("categories") or [] if isinstance(item, dict)]
    # A parent's path is always shorter than its children's: create it first.
    for item in sorted(items, key=lambda item: len(str(item.get("path") or ""))):
        if not item.get("path") or category_at(item["path"]):
            continue
        # Rows, not split paths: a category may be named "a/b" at the top level.
        parent = category_at(item["parent"]) if item.get("parent") else None
        name = str(item.get("name") or item["path"].rsplit("/", 1)[-1])
        db.session.add(Category(name=name, path=item["path"], parent=parent))
        db.session.flush()
    known = set(db.session.scalars(select(Tag.slug)))
    for tag in manifest.get("tags") or []:
        if isinstance(tag, dict) and tag.get("slug") and tag["slug"] not in known:
            db.session.add(Tag(name=str(tag.get("name") or tag["slug"]), slug=tag["slug"]))
            known.add(tag["slug"])
    db.session.commit()


def _restore_one(archive: Archive, assets: dict, entry: object) -> FileResult:
    name = entry.get("file") if isinstance(entry, dict) else None
    name = name if isinstance(name, str) else "(manifest entry)"
    try:
        record = ArticleRecord.parse(entry)
        data = archive.read(record.file)
        if data is None:
            raise ExportFormatError("file missing from the export")
        text = data.decode("utf-8")
        revisions = None
        if record.revisions is not None:
            revisions = [
                (_read_text(archive, item.file), item.created_at) for item in record.revisions
            ]

        def load_image(reference: str) -> bytes | None:
            asset = assets.get(record.images.get(reference, ""), {})
            return archive.read(asset["file"]) if asset.get("file") else None

        return _restore_article(record, text, revisions, load_image, name)
    except Exception as error:
        # One bad file must not stop the others: report it and go on with the next.
        db.session.rollback()
        if not isinstance(error, ValueError):
            current_app.logger.exception("restoring %s failed", name)
        return FileResult(name=name, outcome=REJECTED, reason=_reason(error))


def _read_text(archive: Archive, name: str) -> str:
    data = archive.read(name)
    if data is None:
        raise ExportFormatError(f"revision {name} missing from the export")
    return data.decode("utf-8")


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text (an export is always UTF-8)"
    if isinstance(error, ValueError):
        return str(error)
    return f"unexpected error: {type(error).__name__}: {error}"


@dataclass
class _Target:
    """The field values an article must end up with."""

    title: str
    status: str
    updated_at: datetime
    category: str | None  # the category's path
    category_names: list[str] | None  # front matter names of an edited file
    tags: list[str] | None  # tag slugs from the manifest, or None: names from front matter
    tag_names: list[str]


def _target(record: ArticleRecord, text: str, digest: str) -> _Target:
    """Return the recorded fields for an untouched file, the front matter's for an edited one."""
    document = split_front_matter(text)
    meta = normalise(document.meta, site_timezone())
    if record.source_sha256 in (None, digest):
        title = record.title or split_title(document.body, meta, record.source_filename)[0]
        path = record.category.split("/") if record.category else []
        check_lengths(title, ArticleMeta(category_path=path))
        return _Target(
            title, record.status, record.updated_at, record.category, None, record.tags, []
        )
    title = split_title(document.body, meta, record.source_filename)[0]
    check_lengths(title, meta)
    status = DRAFT if meta.draft else PUBLISHED
    category = "/".join(meta.category_path) or None
    return _Target(title, status, utcnow(), category, meta.category_path, None, meta.tags)


def _restore_article(record, text, revisions, load_image, name) -> FileResult:
    digest = source_hash(text)
    target = _target(record, text, digest)
    article = db.session.scalar(select(Article).where(Article.slug == record.slug))
    if article is not None and _matches(article, record, target, digest, revisions):
        return _result(name, article, UNCHANGED, [])
    outcome = UPDATED if article is not None else CREATED
    written: list[Path] = []
    try:
        if article is None:
            article = Article(slug=record.slug)
        # Every column is set before the first query below flushes the new row.
        article.title = target.title
        article.source_md = text
        article.source_hash = digest
        article.front_matter = split_front_matter(text).meta
        article.status = target.status
        article.deleted_at = record.deleted_at
        article.created_at = record.created_at
        article.published_at = record.published_at
        article.updated_at = target.updated_at
        article.source_filename = record.source_filename
        db.session.add(article)
        article.category = _target_category(target)
        article.tags = _tags(target)
        warnings = render_into(article, load_image, written)
        exact = revisions is not None
        _add_revisions(article, revisions if exact else [(text, target.updated_at)], exact=exact)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        # Image files stored for this article alone must not outlive its rolled-back rows.
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return _result(name, article, outcome, warnings)


def _target_category(target: _Target) -> Category | None:
    if target.category_names is not None:
        return category_for_path(target.category_names)
    if not target.category:
        return None
    return category_at(target.category) or category_for_path(target.category.split("/"))


def _tags(target: _Target) -> list[Tag]:
    if target.tags is None:
        return tags_for_names(target.tag_names)
    found = {
        tag.slug: tag for tag in db.session.scalars(select(Tag).where(Tag.slug.in_(target.tags)))
    }
    missing = [slug for slug in target.tags if slug not in found]
    for slug in missing:
        found[slug] = Tag(name=slug, slug=slug)
        db.session.add(found[slug])
    return [found[slug] for slug in dict.fromkeys(target.tags)]


def _add_revisions(article: Article, wanted: list[tuple[str, datetime]], *, exact: bool) -> None:
    """Add the revisions the article lacks, oldest first; keep the ones it has."""
    have = {(revision.source_hash, revision.created_at) for revision in article.revisions}
    hashes = {digest for digest, _ in have}
    for text, when in wanted:
        digest = source_hash(text)
        # Without exported revisions only the current source is kept, once.
        if (digest, when) in have or (not exact and digest in hashes):
            continue
        article.revisions.append(Revision(source_md=text, source_hash=digest, created_at=when))
        have.add((digest, when))


def _matches(article, record, target, digest, revisions) -> bool:
    """Tell whether the stored article already is what the export describes."""
    stored = (
        article.source_hash,
        article.title,
        article.status,
        article.deleted_at,
        article.created_at,
        article.published_at,
        article.source_filename,
        article.category.path if article.category else None,
    )
    wanted = (
        digest,
        target.title,
        target.status,
        record.deleted_at,
        record.created_at,
        record.published_at,
        record.source_filename,
        target.category,
    )
    if stored != wanted:
        return False
    if target.tags is not None:
        # An untouched file: its images, tags and updated time are the recorded ones.
        if {link.reference: link.asset.sha256 for link in article.images} != record.images:
            return False
        if sorted(tag.slug for tag in article.tags) != sorted(set(target.tags)):
            return False
        if article.updated_at != target.updated_at:
            return False
    else:
        if sorted(tag.name.casefold() for tag in article.tags) != sorted(
            {name.casefold() for name in target.tag_names}
        ):
            return False
    have = {(revision.source_hash, revision.created_at) for revision in article.revisions}
    return all((source_hash(text), when) in have for text, when in revisions or [])


def _result(name: str, article: Article, outcome: str, warnings: list[str]) -> FileResult:
    status = "trash" if article.deleted_at is not None else article.status
    return FileResult(
        name=name,
        outcome=outcome,
        slug=article.slug,
        title=article.title,
        status=status,
        warnings=warnings,
    )
