"""Restore a blog export: every article exactly as recorded, one transaction each."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ...config import site_timezone
from ...content.budget import RenderTooSlow
from ...content.document import Source, parse_source, source_hash
from ...content.imagelinks import undo_rewrite
from ...content.messages import N_
from ...content.metadata import ArticleMeta, check_lengths
from ...extensions import db
from ...models import DRAFT, PUBLISHED, Article, Category, Tag, User, utcnow
from ..assets import media_prefix
from ..comments.records import save as save_comments
from ..ingest import UploadLimits
from ..publishing import (
    CREATED,
    REJECTED,
    UNCHANGED,
    UPDATED,
    ArticleWriter,
    FileResult,
    Task,
    linked_images,
    prepare,
)
from ..publishing.bulk import BatchHook
from ..publishing.links import note_links
from ..taxonomy import category_at
from .accounts import restore_accounts
from .comments import parse_comments
from .extras import extras_match, restore_extras
from .images import ExportImages
from .manifest import Archive, ArticleRecord, ExportFormatError

Progress = Callable[[FileResult], None]
MISSING_AUTHOR = N_(
    "its author “%(name)s” has no account on this site; it is shown as the site's author"
)


def restore_export(
    path: Path,
    *,
    limits: UploadLimits | None = None,
    progress: Progress | None = None,
    on_batch: BatchHook | None = None,
    skip: int = 0,
) -> list[FileResult]:
    """Restore every article of an export folder or zip, each in its own transaction.

    `on_batch` hears each result inside the transaction that saves its article (a job's
    report), results that saved none with the next one; a resumed job skips the first
    `skip` articles.
    """
    max_file = limits.max_file_bytes if limits else None
    results = []
    with Archive(path, max_file) as archive:
        manifest = archive.manifest()
        _restore_taxonomy(manifest)
        if "accounts" in manifest:
            restore_accounts(manifest["accounts"])
        assets = manifest.get("assets") or {}
        reports = _Reports(on_batch)
        # The export's notes by file name, which [[links]] of articles restored before
        # their targets may name (see publishing/links.py).
        names = tuple(
            entry["source_filename"]
            for entry in manifest["articles"]
            if isinstance(entry, dict) and isinstance(entry.get("source_filename"), str)
        )
        for entry in manifest["articles"][skip:]:
            result = _restore_one(archive, assets, entry, reports, names)
            results.append(result)
            if progress is not None:
                progress(result)
        reports.flush()
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


class _Reports:
    """Results waiting to reach on_batch: they go with the next article's transaction."""

    # Unchanged articles in a row are reported this many at a time (a re-import of a whole
    # export is mostly that), not one transaction each.
    MOST_WAITING = 100

    def __init__(self, on_batch: BatchHook | None) -> None:
        self.on_batch = on_batch
        self.waiting: list[FileResult] = []

    def wait(self, result: FileResult) -> None:
        """Keep a result that saved no article for the next transaction."""
        if self.on_batch is not None:
            self.waiting.append(result)
            if len(self.waiting) >= self.MOST_WAITING:
                self.flush()

    def send(self, result: FileResult) -> None:
        """Report what waited and this article's result, in the article's transaction."""
        if self.on_batch is not None:
            self.on_batch([*self.waiting, result])

    def sent(self) -> None:
        """Note that the transaction that carried the waiting results was committed."""
        self.waiting.clear()

    def flush(self) -> None:
        """Report what waits, in a transaction of its own."""
        if self.waiting:
            with ArticleWriter():
                self.on_batch(self.waiting)
            self.waiting = []


def _restore_one(
    archive: Archive, assets: dict, entry: object, reports: _Reports, names: tuple[str, ...]
) -> FileResult:
    name = entry.get("file") if isinstance(entry, dict) else None
    name = name if isinstance(name, str) else "(manifest entry)"
    try:
        record = ArticleRecord.parse(entry, assets)
        text = _source_text(archive, record)
        revisions = None
        if record.revisions is not None:
            revisions = [
                (_read_text(archive, item.file), item.created_at) for item in record.revisions
            ]
        images = ExportImages(archive, record)
        comments = parse_comments(entry)
        return _restore_article(record, text, revisions, images, name, reports, names, comments)
    except (Exception, RenderTooSlow) as error:
        # One bad file must not stop the others: report it and go on with the next.
        db.session.rollback()
        if not isinstance(error, (ValueError, RenderTooSlow)):
            current_app.logger.exception("restoring %s failed", name)
        result = FileResult(name=name, outcome=REJECTED, reason=_reason(error))
        reports.wait(result)
        return result


def _source_text(archive: Archive, record: ArticleRecord) -> str:
    """Return the article's source: the stored one for an untouched file, else the file's."""
    data = archive.read(record.file)
    if data is None:
        raise ExportFormatError(N_("file missing from the export"))
    text = data.decode("utf-8")
    if record.file_sha256 is None or hashlib.sha256(data).hexdigest() != record.file_sha256:
        return text  # a version 1 file is the source; an edited one is the new source
    original = undo_rewrite(text, record.rewrites)
    if record.source_sha256 and source_hash(original) != record.source_sha256:
        raise ExportFormatError(N_("the manifest's rewrites do not give back the exported source"))
    return original


def _read_text(archive: Archive, name: str) -> str:
    data = archive.read(name)
    if data is None:
        raise ExportFormatError(N_("revision %(name)s missing from the export") % {"name": name})
    return data.decode("utf-8")


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return N_("not UTF-8 text (an export is always UTF-8)")
    if isinstance(error, (ValueError, RenderTooSlow)):
        return str(error)
    unexpected = N_("unexpected error: %(kind)s: %(detail)s")
    return unexpected % {"kind": type(error).__name__, "detail": error}


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


def _target(record: ArticleRecord, source: Source) -> _Target:
    """Return the recorded fields for an untouched file, the front matter's for an edited one."""
    meta = source.meta
    if record.source_sha256 in (None, source.digest):
        title = record.title or source.title
        path = record.category.split("/") if record.category else []
        check_lengths(title, ArticleMeta(category_path=path))
        return _Target(
            title, record.status, record.updated_at, record.category, None, record.tags, []
        )
    status = DRAFT if meta.draft else PUBLISHED
    category = "/".join(meta.category_path) or None
    return _Target(source.title, status, utcnow(), category, meta.category_path, None, meta.tags)


def _author(record: ArticleRecord) -> tuple[int | None, list[str]]:
    """Return the account an exported article's author is here, and a warning if none is."""
    if record.author is None:
        return None, []
    found = db.session.scalar(select(User.id).where(User.username == record.author))
    if found is None:
        return None, [MISSING_AUTHOR % {"name": record.author}]
    return found, []


def _restore_article(record, text, revisions, images, name, reports, names, comments):
    """Save one article as recorded, with its comments; return its result."""
    source = parse_source(text, filename=record.source_filename, timezone=site_timezone())
    target = _target(record, source)
    untouched = target.tags is not None
    author_id, author_warnings = _author(record)
    article = db.session.scalar(select(Article).where(Article.slug == record.slug))
    if (
        article is not None
        and article.author_id == author_id
        and _matches(article, record, target, source.digest, revisions, images)
    ):
        # The article is as recorded; comments missing here are still added.
        skipped = save_comments(article.id, comments).skipped
        db.session.commit()
        result = _result(name, article, UNCHANGED, skipped)
        reports.wait(result)
        return result
    outcome = UPDATED if article is not None else CREATED
    notes = note_links(source.body, beside=names)
    task = Task(
        source,
        linked_images(article),
        media_prefix(),
        load=images,
        notes=notes,
        fetched=images.copies(),
    )
    prepared = prepare(task)
    with ArticleWriter() as writer:
        if article is None:
            article = Article(slug=record.slug)  # the writer adds it once it is complete
        else:
            writer.claim(article)
        article.status = target.status
        article.deleted_at = record.deleted_at
        article.created_at = record.created_at
        article.published_at = record.published_at
        article.updated_at = target.updated_at
        article.source_filename = record.source_filename
        article.author_id = author_id
        article.category = _target_category(target, writer)
        article.tags = _tags(target, writer)
        exact = revisions is not None
        wanted = revisions if exact else [(text, target.updated_at)]
        writer.write(article, prepared, revisions=_missing_revisions(article, wanted, exact=exact))
        # An untouched file keeps the title it was exported with.
        article.title = target.title
        warnings = restore_extras(article, record, images, writer, untouched=untouched)
        db.session.flush()
        warnings += save_comments(article.id, comments).skipped
        result = _result(name, article, outcome, prepared.warnings + warnings + author_warnings)
        reports.send(result)
    reports.sent()
    return result


def _target_category(target: _Target, writer: ArticleWriter) -> Category | None:
    if target.category_names is not None:
        return writer.taxonomy.category(target.category_names)
    if not target.category:
        return None
    return category_at(target.category) or writer.taxonomy.category(target.category.split("/"))


def _tags(target: _Target, writer: ArticleWriter) -> list[Tag]:
    if target.tags is None:
        return writer.taxonomy.tags(target.tag_names)
    found = {
        tag.slug: tag for tag in db.session.scalars(select(Tag).where(Tag.slug.in_(target.tags)))
    }
    missing = [slug for slug in target.tags if slug not in found]
    for slug in missing:
        found[slug] = Tag(name=slug, slug=slug)
        db.session.add(found[slug])
    return [found[slug] for slug in dict.fromkeys(target.tags)]


def _missing_revisions(
    article: Article, wanted: list[tuple[str, datetime]], *, exact: bool
) -> list[tuple[str, datetime]]:
    """Return the revisions the article lacks, oldest first; the ones it has stay."""
    have = {(revision.source_hash, revision.created_at) for revision in article.revisions}
    hashes = {digest for digest, _ in have}
    missing = []
    for text, when in wanted:
        digest = source_hash(text)
        # Without exported revisions only the current source is kept, once.
        if (digest, when) in have or (not exact and digest in hashes):
            continue
        missing.append((text, when))
        have.add((digest, when))
    return missing


def _matches(article, record, target, digest, revisions, images) -> bool:
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
    if stored != wanted or not extras_match(article, record):
        return False
    if target.tags is not None:
        # An untouched file: its images, tags and updated time are the recorded ones.
        if {link.reference: link.asset.sha256 for link in article.images} != record.images:
            return False
        if sorted(tag.slug for tag in article.tags) != sorted(set(target.tags)):
            return False
        if article.updated_at != target.updated_at or images.edited():
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
