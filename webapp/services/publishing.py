"""The write path: Markdown text in, a stored article with rendered HTML out, in one transaction."""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..config import site_timezone
from ..content.excerpt import ELLIPSIS, body_text, make_excerpt
from ..content.feedhtml import feed_html
from ..content.frontmatter import split_front_matter
from ..content.language import detect_lang, reading_stats
from ..content.metadata import ArticleMeta, check_lengths, normalise
from ..content.render import MISSING_IMAGE, ImageResolver, MissingImage, render_markdown
from ..content.slugs import slugify
from ..extensions import db
from ..models import DRAFT, PUBLISHED, Article, ArticleImage, Revision, utcnow
from ..content.images import UnsupportedImage
from .assets import media_url, store_image
from .taxonomy import category_for_path, tags_for_names

# Bump when the pipeline's output changes, so `flask rerender` knows what is stale.
# 2: missing images show their alt text, Obsidian embeds, "$ x^2$" math.
# 3: feed_html (the body for feeds, formulas as MathML only).
RENDER_VERSION = 3
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_MORE_MARKER = re.compile(r"^[ \t]*<!--\s*more\s*-->[ \t]*$", re.MULTILINE | re.IGNORECASE)
_FIRST_HEADING = re.compile(r"\A\s*# +(?P<title>[^\n]+?)\s*#*\s*(\n|\Z)")

ImageLoader = Callable[[str], bytes | None]
_ALT_SHOWN = "the article shows its alt text"


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

    def __init__(self, article: Article, load: ImageLoader | None, written: list[Path]):
        self.article = article
        self.load = load
        self.written = written
        self.links = {link.reference: link for link in article.images}
        self.used: set[str] = set()
        self.missing: list[str] = []

    def __call__(self, src: str) -> str | MissingImage | None:
        reference = normalise_reference(src)
        if reference is None:
            return None
        shown = unquote(src)
        try:
            data = self.load(reference) if self.load else None
            asset = store_image(data, self.written) if data is not None else None
        except UnsupportedImage as error:
            # Raised by store_image, and by a loader for a file it cannot hand over.
            self.missing.append(f"image {shown} cannot be used: {error} ({_ALT_SHOWN})")
            return MISSING_IMAGE
        if asset is not None:
            link = self.links.get(reference)
            if link is None:
                link = ArticleImage(reference=reference, asset=asset)
                self.article.images.append(link)
                self.links[reference] = link
            link.asset = asset
        link = self.links.get(reference)
        if link is None:
            self.missing.append(f"image not in the upload: {shown} ({_ALT_SHOWN})")
            return MISSING_IMAGE
        self.used.add(reference)
        return media_url(link.asset)


def choose_excerpt(meta: ArticleMeta, body: str, html: str, lang: str) -> str:
    """Return the card excerpt: the author's summary, the text before <!-- more -->, or a cut."""
    if meta.description:
        return make_excerpt(f"<p>{escape(meta.description)}</p>", lang)
    marker = _MORE_MARKER.search(body)
    if marker is None:
        return make_excerpt(html, lang)
    excerpt = make_excerpt(render_markdown(body[: marker.start()]).html, lang)
    # The article goes on past the marker, so the excerpt always reads as a beginning.
    return excerpt if excerpt.endswith(ELLIPSIS) else excerpt + ELLIPSIS


@dataclass
class RenderedDocument:
    """A Markdown document taken through the whole pipeline, with nothing stored yet."""

    front_matter: dict  # the original keys, JSON-friendly
    meta: ArticleMeta
    title: str
    html: str
    toc_html: str
    excerpt: str
    text: str  # the body's plain text (search, reading time)
    lang: str
    word_count: int
    reading_minutes: int
    math_errors: list[str]


def render_document(
    text: str,
    *,
    filename: str | None = None,
    resolve_image: ImageResolver | None = None,
) -> RenderedDocument:
    """Render a document exactly as publishing would; raise on broken front matter.

    Shared by render_into (which stores the result) and the author's live preview (which
    only shows it). `text` must have \n line ends.
    """
    document = split_front_matter(text)
    meta = normalise(document.meta, site_timezone())
    title, body = split_title(document.body, meta, filename)
    result = render_markdown(body, resolve_image=resolve_image)
    plain = body_text(result.html)
    lang = detect_lang(plain, meta.lang)
    word_count, reading_minutes = reading_stats(plain)
    return RenderedDocument(
        front_matter=document.meta,
        meta=meta,
        title=title,
        html=result.html,
        toc_html=result.toc_html,
        excerpt=choose_excerpt(meta, body, result.html, lang),
        text=plain,
        lang=lang,
        word_count=word_count,
        reading_minutes=reading_minutes,
        math_errors=result.math_errors,
    )


def render_into(
    article: Article, load_image: ImageLoader | None = None, written: list[Path] | None = None
) -> list[str]:
    """Render the article's stored source into its HTML, excerpt and text; return warnings.

    Image files newly written to disk are appended to `written`, so a caller can remove
    them again if its transaction fails.
    """
    binder = _ImageBinder(article, load_image, written if written is not None else [])
    rendered = render_document(article.source_md, resolve_image=binder)
    article.lang = rendered.lang
    article.html = rendered.html
    article.feed_html = feed_html(rendered.html)
    article.toc_html = rendered.toc_html
    article.excerpt = rendered.excerpt
    article.word_count, article.reading_minutes = rendered.word_count, rendered.reading_minutes
    article.render_version = RENDER_VERSION
    article.rendered_at = utcnow()
    for reference in [ref for ref in binder.links if ref not in binder.used]:
        article.images.remove(binder.links[reference])
    warnings = list(dict.fromkeys(binder.missing))  # one warning per image, not per mention
    return warnings + [f"formula not rendered: {message}" for message in rendered.math_errors]


def unique_slug(base: str) -> str:
    """Return base, or base-2, base-3 … whichever no article has yet."""
    taken = set(
        db.session.scalars(
            select(Article.slug).where(Article.slug.startswith(base, autoescape=True))
        )
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def find_article(meta: ArticleMeta, title: str, filename: str | None) -> Article | None:
    """Find the article a document updates: by front matter slug, file name, or title."""
    if meta.slug:
        return db.session.scalar(select(Article).where(Article.slug == meta.slug))
    if filename:
        return db.session.scalar(
            select(Article).where(Article.source_filename == filename).order_by(Article.id)
        )
    return db.session.scalar(select(Article).where(Article.slug == slugify(title)))


def publish(
    text: str, *, filename: str | None = None, load_image: ImageLoader | None = None
) -> PublishResult:
    """Create or update the article a Markdown document describes, and commit it.

    `filename` is the uploaded file's base name. Two uploads of one new article racing
    each other both try to insert it; the loser retries once and becomes an update.
    """
    for attempt in (1, 2):
        try:
            return _publish_once(text, filename, load_image)
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _publish_once(text: str, filename: str | None, load_image: ImageLoader | None) -> PublishResult:
    document = split_front_matter(text)
    meta = normalise(document.meta, site_timezone())
    title, _ = split_title(document.body, meta, filename)
    check_lengths(title, meta)
    article = find_article(meta, title, filename)
    digest = source_hash(text)
    status = DRAFT if meta.draft else PUBLISHED
    if (
        article is not None
        and article.source_hash == digest
        and article.status == status
        and article.deleted_at is None
    ):
        return PublishResult(article, UNCHANGED)
    now = utcnow()
    outcome = UPDATED if article is not None else CREATED
    written: list[Path] = []
    try:
        if article is None:
            base = meta.slug or slugify(title) or source_hash(text)[:12]
            article = Article(slug=unique_slug(base), created_at=now, source_filename=filename)
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
        article.deleted_at = None
        article.category = category_for_path(meta.category_path)
        article.tags = tags_for_names(meta.tags)
        warnings = render_into(article, load_image, written)
        article.revisions.append(Revision(source_md=text, source_hash=digest, created_at=now))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        # Files stored for this document alone must not outlive its rolled-back rows.
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return PublishResult(article, outcome, warnings)
