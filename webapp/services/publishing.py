"""The write path: Markdown text in, a stored article with rendered HTML out, in one transaction."""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from markupsafe import escape
from sqlalchemy import select

from ..content.excerpt import body_text, make_excerpt
from ..content.frontmatter import split_front_matter
from ..content.language import detect_lang, reading_stats
from ..content.metadata import ArticleMeta, normalise
from ..content.render import render_markdown
from ..content.slugs import slugify
from ..extensions import db
from ..models import DRAFT, PUBLISHED, Article, ArticleImage, Revision, utcnow
from .assets import UnsupportedImage, media_url, store_image
from .taxonomy import category_for_path, tags_for_names

# Bump when the pipeline's output changes, so `flask rerender` knows what is stale.
RENDER_VERSION = 1
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_FIRST_HEADING = re.compile(r"\A\s*# +(?P<title>[^\n]+?)\s*#*\s*(\n|\Z)")

ImageLoader = Callable[[str], bytes | None]


@dataclass
class PublishResult:
    """What happened to one uploaded document."""

    article: Article
    outcome: str
    warnings: list[str] = field(default_factory=list)


def source_hash(text: str) -> str:
    """Return the SHA-256 of a Markdown source."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_reference(src: str) -> str | None:
    """Return a local image reference as a clean relative path, or None for URLs and data."""
    parts = urlsplit(src.strip())
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = posixpath.normpath(unquote(parts.path).replace("\\", "/"))
    return path.lstrip("/") if path not in (".", "") else None


def split_title(body: str, meta: ArticleMeta, filename: str | None) -> tuple[str, str]:
    """Return (title, body): front matter title, else a leading `# ` heading, else the file name."""
    if meta.title:
        return meta.title, body
    match = _FIRST_HEADING.match(body)
    if match:
        return match.group("title").strip(), body[match.end() :]
    if filename:
        return PurePosixPath(filename).stem, body
    return "Untitled", body


class _ImageBinder:
    """Resolves image references while rendering: stores new images, reuses linked ones."""

    def __init__(self, article: Article, load: ImageLoader | None):
        self.article = article
        self.load = load
        self.links = {link.reference: link for link in article.images}
        self.used: set[str] = set()
        self.missing: list[str] = []

    def __call__(self, src: str) -> str | None:
        reference = normalise_reference(src)
        if reference is None:
            return None
        data = self.load(reference) if self.load else None
        if data is not None:
            try:
                asset = store_image(data)
            except UnsupportedImage as error:
                self.missing.append(f"{src}: {error}")
                return None
            link = self.links.get(reference)
            if link is None:
                link = ArticleImage(reference=reference, asset=asset)
                self.article.images.append(link)
                self.links[reference] = link
            link.asset = asset
        link = self.links.get(reference)
        if link is None:
            self.missing.append(src)
            return None
        self.used.add(reference)
        return media_url(link.asset)


def render_into(article: Article, load_image: ImageLoader | None = None) -> list[str]:
    """Render the article's stored source into its HTML, excerpt and text; return warnings."""
    document = split_front_matter(article.source_md)
    meta = normalise(document.meta, site_timezone())
    _, body = split_title(document.body, meta, None)
    binder = _ImageBinder(article, load_image)
    result = render_markdown(body, resolve_image=binder)
    text = body_text(result.html)
    article.lang = detect_lang(text, meta.lang)
    article.html = result.html
    article.toc_html = result.toc_html
    article.excerpt = make_excerpt(result.html, article.lang)
    if meta.description:
        # An author-written summary wins over the one cut from the body.
        article.excerpt = make_excerpt(f"<p>{escape(meta.description)}</p>", article.lang)
    article.search_text = f"{article.title}\n{text}"
    article.word_count, article.reading_minutes = reading_stats(text)
    article.render_version = RENDER_VERSION
    for reference in [ref for ref in binder.links if ref not in binder.used]:
        article.images.remove(binder.links[reference])
    warnings = [f"image not found in the upload: {src}" for src in binder.missing]
    return warnings + [f"formula not rendered: {message}" for message in result.math_errors]


def site_timezone() -> ZoneInfo:
    """Return the zone naive front matter dates are read in."""
    return ZoneInfo(current_app.config.get("SITE_TIMEZONE", "UTC"))


def publish(
    text: str, *, filename: str | None = None, load_image: ImageLoader | None = None
) -> PublishResult:
    """Create or update the article a Markdown document describes, and commit it."""
    document = split_front_matter(text)
    meta = normalise(document.meta, site_timezone())
    title, _ = split_title(document.body, meta, filename)
    stem = PurePosixPath(filename).stem if filename else ""
    slug = meta.slug or slugify(stem) or slugify(title) or source_hash(text)[:12]
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    digest = source_hash(text)
    status = DRAFT if meta.draft else PUBLISHED
    if article is not None and article.source_hash == digest and article.status == status:
        return PublishResult(article, UNCHANGED)
    now = utcnow()
    outcome = UPDATED if article is not None else CREATED
    try:
        if article is None:
            article = Article(slug=slug, created_at=now)
            article.published_at = meta.date or now
            article.updated_at = meta.updated or meta.date or now
            db.session.add(article)
        elif article.source_hash != digest:
            article.updated_at = now
        article.title = title
        article.source_md = text
        article.source_hash = digest
        article.front_matter = document.meta
        article.status = status
        article.category = category_for_path(meta.category_path)
        article.tags = tags_for_names(meta.tags)
        warnings = render_into(article, load_image)
        article.revisions.append(Revision(source_md=text, source_hash=digest, created_at=now))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return PublishResult(article, outcome, warnings)
