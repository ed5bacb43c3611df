"""Comments from a WordPress, Waline or Twikoo export, matched to articles and stored at once.

An article is found by the slug the export gives, by its own address (/posts/<slug>/), by
an old address it keeps (a Hexo permalink, say), by the last part of the address when
that is a slug, or by its exact title. Comments whose page is not found are reported and
left out; a file that cannot be read stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from ...config import site_timezone
from ...content.permalinks import AddressError, clean_address
from ...extensions import db
from ...models import Article, ArticleAddress
from .foreign import ForeignFormatError, Target, read_file
from .records import save


@dataclass
class CommentImport:
    """What importing one file did."""

    kind: str  # "WordPress", "Waline" or "Twikoo"
    added: int = 0
    unchanged: int = 0
    matched: list[tuple[str, str]] = field(default_factory=list)  # (page, slug)
    unmatched: list[tuple[str, int]] = field(default_factory=list)  # (page, comments)
    skipped: list[str] = field(default_factory=list)  # report texts (N_)


def import_comments(path: Path) -> CommentImport:
    """Store the comments of an export file in one transaction; raise ForeignFormatError."""
    kind, targets = read_file(path, site_timezone())
    report = CommentImport(kind)
    try:
        for target in targets:
            article = find_article(target)
            if article is None:
                report.unmatched.append((target.label(), len(target.records)))
                continue
            saved = save(article.id, target.records)
            report.added += saved.added
            report.unchanged += saved.unchanged
            report.skipped += saved.skipped
            report.matched.append((target.label(), article.slug))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report


def find_article(target: Target) -> Article | None:
    """Return the article a target's comments belong to, or None."""
    if target.slug:
        found = _by_slug(target.slug)
        if found is not None:
            return found
    if target.address:
        found = _by_address(target.address)
        if found is not None:
            return found
    if target.title:
        rows = db.session.scalars(
            select(Article).where(Article.title == target.title, Article.deleted_at.is_(None))
        ).all()
        if len(rows) == 1:
            return rows[0]
    return None


def _by_slug(slug: str) -> Article | None:
    return db.session.scalar(
        select(Article).where(
            func.lower(Article.slug) == slug.lower(), Article.deleted_at.is_(None)
        )
    )


def _by_address(address: str) -> Article | None:
    """Return the article at an address: its own, an old one it keeps, or its last part."""
    path = urlsplit(address.strip()).path or "/"
    slug = _own_slug(path)
    if slug is not None:
        found = _by_slug(slug)
        if found is not None:
            return found
    try:
        cleaned = clean_address(path)
    except AddressError:
        return None
    found = db.session.scalar(
        select(Article)
        .join(ArticleAddress, ArticleAddress.article_id == Article.id)
        .where(ArticleAddress.path == cleaned, Article.deleted_at.is_(None))
    )
    if found is not None:
        return found
    # Hexo's and Hugo's permalinks end in the post's slug (/2021/05/01/hello-world/).
    last = cleaned.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")
    return _by_slug(last) if last else None


def _own_slug(path: str) -> str | None:
    """Return the slug when a path is one of this site's article addresses."""
    adapter = current_app.url_map.bind("localhost")
    for candidate in (path, path.rstrip("/") + "/"):  # Twikoo keeps paths without the slash
        try:
            endpoint, values = adapter.match(unquote(candidate), "GET")
        except HTTPException:  # not found, or a redirect
            continue
        return values.get("slug") if endpoint == "blog.article" else None
    return None


__all__ = ["CommentImport", "ForeignFormatError", "find_article", "import_comments"]
