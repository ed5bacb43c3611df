"""Write every article as a folder an editor opens, with a manifest that restores it all."""

from __future__ import annotations

import json
import posixpath
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

from ...extensions import db
from ...models import DRAFT, Article, ArticleImage, Category, Tag, utcnow
from ..notes import find_articles
from .accounts import export_accounts
from .article_files import ArticleFiles
from .comments import export_comments
from .layout import INDEX, FolderNames
from .manifest import FORMAT, FORMAT_VERSION, MANIFEST, format_time
from .output import ExportOutput

BATCH = 200

# Hears each article once its files are written: (articles done, its folder).
ExportProgress = Callable[[int, str], None]


@dataclass
class ExportSummary:
    """What an export wrote."""

    path: Path
    articles: int = 0
    drafts: int = 0
    trashed: int = 0
    revisions: int = 0
    images: int = 0
    accounts: int = 0
    comments: int = 0
    warnings: list[str] = field(default_factory=list)


def count_articles() -> int:
    """Return how many articles an export writes (drafts and trash included)."""
    return db.session.scalar(select(func.count(Article.id))) or 0


def export_articles(
    dest: Path,
    *,
    revisions: bool = False,
    as_zip: bool = False,
    accounts: bool = False,
    progress: ExportProgress | None = None,
) -> ExportSummary:
    """Write every article (drafts and trash included) to `dest` as a folder or zip.

    A folder keeps files that are not part of an export; an earlier export's manifest and
    folders are replaced. The manifest is written last, so an interrupted folder export
    has none and is not mistaken for a complete one; a zip is renamed into place only
    when complete. Accounts (password and token hashes) go in only when asked.
    """
    summary = ExportSummary(path=dest)
    output = ExportOutput(dest, as_zip)
    ok = False
    try:
        manifest = _write_all(output, summary, revisions, progress)
        if accounts:
            manifest["accounts"] = export_accounts()
            summary.accounts = len(manifest["accounts"]["users"])
        body = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
        output.write(MANIFEST, body.encode("utf-8"))
        ok = True
    finally:
        output.close(ok)
    return summary


def _write_all(output, summary: ExportSummary, revisions: bool, progress) -> dict:
    entries: list[dict] = []
    folders = _folders()
    notes = _NoteFolders(folders)
    comments: dict[int, list[dict]] = {}
    ids = list(folders)  # in id order
    for article in _articles(revisions):
        if article.id not in comments:
            # The comments of this article's batch (ids in order), in one query.
            comments = export_comments(_batch_ids(ids, article.id))
            comments.setdefault(article.id, [])
        files = ArticleFiles(output, folders[article.id], summary.warnings, notes=notes)
        entries.append(files.write(article, revisions))
        entries[-1]["comments"] = comments.get(article.id, [])
        summary.comments += len(entries[-1]["comments"])
        summary.images += files.images_written
        summary.revisions += len(entries[-1].get("revisions") or [])
        summary.articles += 1
        summary.drafts += article.status == DRAFT
        summary.trashed += article.deleted_at is not None
        if progress is not None:
            progress(summary.articles, files.folder)
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
        "articles": entries,
    }


def _batch_ids(ids: list[int], first: int) -> list[int]:
    """Return up to BATCH of the sorted ids from `first` on."""
    start = bisect_left(ids, first)
    return ids[start : start + BATCH]


def _folders() -> dict[int, str]:
    """Return every article's export folder by id, handed out in id order."""
    names = FolderNames()
    rows = db.session.execute(
        select(Article.id, Article.slug, Article.status, Article.deleted_at).order_by(Article.id)
    )
    return {row.id: names.folder(row) for row in rows}


class _NoteFolders:
    """Finds where the notes [[links]] name are exported, as publishing finds the notes."""

    def __init__(self, folders: dict[int, str]) -> None:
        self.folders = folders

    def __call__(self, names: list[str]) -> dict[str, str]:
        """Return "folder/index" (index.md without its suffix) by note key."""
        return {
            key: posixpath.join(self.folders[article.id], INDEX.removesuffix(".md"))
            for key, article in find_articles(names).items()
            if article.id in self.folders
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
        selectinload(Article.author),
        selectinload(Article.tags),
        selectinload(Article.addresses),
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
