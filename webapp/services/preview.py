"""The author's live preview: the real pipeline's output and card, with nothing saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from flask import current_app

from ..config import site_timezone
from ..content.budget import RenderTooSlow, render_budget, unclocked
from ..content.document import Rendered, Source, parse_source, render_source
from ..content.frontmatter import FrontMatterError
from ..content.images import normalise_reference
from ..content.messages import N_
from ..content.metadata import MetadataError, TooLongError
from ..content.render import MISSING_IMAGE, MissingImage
from ..content.slugs import slugify
from ..models import DRAFT, PUBLISHED, Article, utcnow
from .assets import media_url
from .authoring import (
    describe_source_error,
    front_matter_draft,
    normalise_newlines,
    status_after_edit,
)
from .publishing.links import note_links, unresolved_warning
from .publishing.prepare import FORMULA_NOT_RENDERED

PREVIEW_ID = "preview"


@dataclass
class PreviewCard:
    """What blog/_card.html needs, for an article that is not stored yet."""

    slug: str
    title: str
    excerpt: str
    lang: str
    reading_minutes: int
    updated_at: datetime
    published_at: datetime
    category: SimpleNamespace | None
    tags: list[SimpleNamespace]
    id: str = PREVIEW_ID
    cover_url: str | None = None
    pinned: bool = False


@dataclass
class Preview:
    """What the preview pane shows: the article body and its card, or why there is none."""

    title: str = ""
    html: str = ""
    lang: str = "en"
    card: PreviewCard | Article | None = None
    status: str = PUBLISHED
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def stored_preview(article: Article) -> Preview:
    """Return the preview of an article as stored (no rendering: the editor's first view)."""
    return Preview(article.title, article.html, article.lang, article, article.status)


def _cover(source: Source, resolve) -> str | None:
    """Return the card image the front matter's cover gives, as publishing would resolve it."""
    cover = source.meta.cover
    if not cover:
        return None
    address = "https:" + cover if cover.startswith("//") else cover
    if address.startswith("https://"):
        return address
    resolved = resolve(cover)
    return resolved if isinstance(resolved, str) else None


def _card(
    source: Source, rendered: Rendered, article: Article | None, cover_url: str | None
) -> PreviewCard:
    meta = source.meta
    path = meta.category_path
    category = SimpleNamespace(name=path[-1], path="/".join(path)) if path else None
    tags = [SimpleNamespace(name=name, slug=slugify(name) or name) for name in meta.tags]
    slug = article.slug if article else (meta.slug or slugify(source.title) or PREVIEW_ID)
    return PreviewCard(
        slug=slug,
        title=source.title,
        excerpt=rendered.excerpt,
        lang=rendered.lang,
        reading_minutes=rendered.reading_minutes,
        # A saved edit moves the article to now; a new one takes its front matter dates.
        updated_at=utcnow() if article else (meta.updated or meta.date or utcnow()),
        published_at=(article.published_at or utcnow()) if article else (meta.date or utcnow()),
        category=category,
        tags=tags,
        cover_url=cover_url,
        pinned=source.meta.pin > 0,
    )


def build_preview(text: str, article: Article | None = None) -> Preview:
    """Render Markdown as publishing would, resolving images the article already has."""
    links = {link.reference: link for link in article.images} if article else {}
    missing: list[str] = []

    def resolve(src: str) -> str | MissingImage | None:
        reference = normalise_reference(src)
        if reference is None:
            # A remote image the article holds a copy of shows that copy, as published.
            copy = links.get(src.strip())
            return media_url(copy.asset) if copy is not None else None
        link = links.get(reference)
        if link is None:
            # As on the published page: the alt text stands where the image would be.
            missing.append(src)
            return MISSING_IMAGE
        return media_url(link.asset)

    filename = article.source_filename if article else None
    text = normalise_newlines(text)
    try:
        source = parse_source(text, filename=filename, timezone=site_timezone())
    except (FrontMatterError, MetadataError, TooLongError) as error:
        return Preview(error=describe_source_error(error))
    notes = note_links(source.body)
    try:
        with render_budget(current_app.config.get("RENDER_BUDGET_SECONDS")):
            rendered = render_source(
                source, resolve_image=unclocked(resolve), resolve_link=notes.get
            )
    except RenderTooSlow as error:
        return Preview(error=describe_source_error(error))
    cover_url = _cover(source, resolve)
    not_yet = N_("image not uploaded yet (readers see its alt text): %(image)s")
    warnings = [not_yet % {"image": src} for src in missing]
    warnings += [FORMULA_NOT_RENDERED % {"error": message} for message in rendered.math_errors]
    warnings += unresolved_warning(rendered.unresolved_links)
    warnings += rendered.warnings
    draft = source.meta.draft
    if article is None:
        status = DRAFT if draft else PUBLISHED
    else:
        status = status_after_edit(article, draft, front_matter_draft(article))
    card = _card(source, rendered, article, cover_url)
    return Preview(source.title, rendered.html, rendered.lang, card, status, None, warnings)
