"""One Markdown document through the pipeline: its front matter read once, its body rendered,
and everything stored beside the HTML derived from it.

Pure, like the rest of content/: the caller passes the site's time zone and an image
resolver, so a document renders the same in a web request, a CLI import or a pool process.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from markupsafe import escape

from .derive import derive
from .excerpt import ELLIPSIS, make_excerpt
from .frontmatter import split_front_matter
from .metadata import ArticleMeta, check_lengths, normalise
from .render import ImageResolver, render_markdown
from .searchtext import SearchFields
from .wikilinks import LinkResolver

_MORE_MARKER = re.compile(r"^[ \t]*<!--\s*more\s*-->[ \t]*$", re.MULTILINE | re.IGNORECASE)
_FIRST_HEADING = re.compile(r"\A\s*# +(?P<title>[^\n]+?)\s*#*\s*(\n|\Z)")


def source_hash(text: str) -> str:
    """Return the SHA-256 of a Markdown source."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Source:
    """A document's text with its front matter read: what decides where it is stored."""

    text: str  # verbatim, \n line ends
    digest: str  # source_hash(text)
    front_matter: dict  # the original keys, JSON-friendly
    meta: ArticleMeta
    title: str
    body: str  # what follows the front matter (and a leading "# title" heading)
    # Where the title came from: "front matter", "heading", "file name" or "none". Only a
    # title the author wrote (front matter or heading) identifies an article by itself.
    title_from: str = "front matter"
    # The category the document's folder in its bundle stands for (content/folders.py);
    # None when it came without one (a loose file, pasted text, the editor).
    folder: tuple[str, ...] | None = None

    @property
    def has_own_title(self) -> bool:
        """Tell whether the author wrote the title, in the front matter or as a heading."""
        return self.title_from in ("front matter", "heading")


@dataclass(frozen=True)
class Rendered:
    """Everything stored from one rendering of a document's body."""

    html: str
    toc_html: str
    feed_html: str  # formulas as MathML only, for feed readers
    excerpt: str
    lang: str
    word_count: int
    reading_minutes: int
    search: SearchFields
    math_errors: list[str]
    unresolved_links: list[str] = field(default_factory=list)  # [[links]] to unknown notes
    warnings: list[str] = field(default_factory=list)  # input reshaped to render in time


def split_title(body: str, meta: ArticleMeta, filename: str | None) -> tuple[str, str, str]:
    """Return (title, body, where the title came from): the front matter's title, else a
    leading `# ` heading, else the file name, else "Untitled"."""
    if meta.title:
        return meta.title, body, "front matter"
    match = _FIRST_HEADING.match(body)
    if match:
        return match.group("title").strip(), body[match.end() :], "heading"
    if filename:
        return PurePosixPath(filename).stem, body, "file name"
    return "Untitled", body, "none"


def parse_source(text: str, *, filename: str | None, timezone: ZoneInfo) -> Source:
    """Read a document's front matter and title; raise on broken or over-long metadata.

    Raises FrontMatterError, MetadataError or TooLongError (all ValueErrors) before anything
    is rendered. `text` must have \\n line ends.
    """
    document = split_front_matter(text)
    meta = normalise(document.meta, timezone)
    title, body, title_from = split_title(document.body, meta, filename)
    check_lengths(title, meta)
    return Source(text, source_hash(text), document.meta, meta, title, body, title_from)


def chosen_excerpt(meta: ArticleMeta, body: str, lang: str) -> str | None:
    """Return the author's excerpt: the summary, or the text before <!-- more -->; else None."""
    if meta.description:
        return make_excerpt(f"<p>{escape(meta.description)}</p>", lang)
    marker = _MORE_MARKER.search(body)
    if marker is None:
        return None
    excerpt = make_excerpt(render_markdown(body[: marker.start()]).html, lang)
    # The article goes on past the marker, so the excerpt always reads as a beginning.
    return excerpt if excerpt.endswith(ELLIPSIS) else excerpt + ELLIPSIS


def render_source(
    source: Source,
    *,
    resolve_image: ImageResolver | None = None,
    resolve_link: LinkResolver | None = None,
) -> Rendered:
    """Render a parsed document; derive its excerpt, text statistics, feed and search text."""
    result = render_markdown(source.body, resolve_image=resolve_image, resolve_link=resolve_link)
    derived = derive(result.html, title=source.title, lang=source.meta.lang)
    excerpt = chosen_excerpt(source.meta, source.body, derived.lang)
    return Rendered(
        html=result.html,
        toc_html=result.toc_html,
        feed_html=derived.feed_html,
        excerpt=derived.excerpt if excerpt is None else excerpt,
        lang=derived.lang,
        word_count=derived.word_count,
        reading_minutes=derived.reading_minutes,
        search=derived.search,
        math_errors=result.math_errors,
        unresolved_links=result.unresolved_links,
        warnings=result.warnings,
    )
