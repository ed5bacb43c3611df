"""Images uploaded without the Markdown that uses them: attached to the articles using them.

An author who forgot a figure, or has a better one, uploads the image alone (or beside an
unchanged note). Every article whose source references an image of that file name, shown
as missing or linked to other bytes, takes the new image and is rendered again from its
unchanged source, all in one transaction through the one article writer.
"""

from __future__ import annotations

import posixpath
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from sqlalchemy import or_, select

from ...config import site_timezone
from ...content.document import parse_source
from ...content.frontmatter import FrontMatterError
from ...content.images import UnsupportedImage, image_file
from ...content.messages import N_
from ...content.metadata import MetadataError, TooLongError
from ...extensions import db
from ...models import Article, utcnow
from ..assets import media_prefix
from .links import note_links
from .prepare import Prepared, Task, prepare
from .writer import ArticleWriter, linked_images


@dataclass
class Attached:
    """What one image did: the titles of the articles it was added to or replaced in."""

    name: str
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # these showed the same bytes before
    ambiguous: list[str] = field(default_factory=list)  # two references of that name

    @property
    def changed(self) -> bool:
        """Tell whether any article took the image."""
        return bool(self.added or self.replaced)

    @property
    def found(self) -> bool:
        """Tell whether any article references the image at all."""
        return self.changed or bool(self.already or self.ambiguous)

    def describe(self) -> str:
        """Return the report's plain words: "added to 2 articles: “A”, “B”"."""
        parts = [
            verb % {"articles": _articles(titles)}
            for verb, titles in (
                (N_("added to %(articles)s"), self.added),
                (N_("replaced in %(articles)s"), self.replaced),
                (N_("already in %(articles)s"), self.already),
                (N_("not added to %(articles)s"), self.ambiguous),
            )
            if titles
        ]
        text = parts[0] if parts else ""
        for part in parts[1:]:
            text = N_("%(reason)s; %(more)s") % {"reason": text, "more": part}
        if self.ambiguous:
            text = N_(
                "%(reason)s (it references two images of this name; upload it with its note)"
            ) % {"reason": text}
        return text


def _articles(titles: list[str]) -> str:
    words = (
        N_("%(count)s article: %(titles)s")
        if len(titles) == 1
        else N_("%(count)s articles: %(titles)s")
    )
    return words % {"count": len(titles), "titles": ", ".join(f"“{t}”" for t in titles)}


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", posixpath.basename(name)).casefold()


def attach_images(
    writer: ArticleWriter, images: dict[str, bytes], *, owner: int | None = None
) -> list[Attached]:
    """Attach each image (file name -> bytes) to the articles referencing its file name.

    `owner`, for an author who may write only their own articles, limits them to theirs.
    Raise UnsupportedImage for bytes that are not an image the blog stores; the caller
    checks them first with image_file.
    """
    results = []
    for name, data in images.items():
        image = image_file(data)
        result = Attached(name)
        for article in _candidates(name, owner):
            prepared = _render_with(article, name, data)
            if prepared is None:
                continue
            matching = [ref for ref in prepared.images if _key(ref) == _key(name)]
            if len(matching) != 1:
                result.ambiguous.append(article.title)
                continue
            before = linked_images(article).get(matching[0])
            if before == image.filename:
                result.already.append(article.title)
                continue
            (result.replaced if before else result.added).append(article.title)
            rewrite_rendered(writer, article, prepared)
        results.append(result)
    return results


def _candidates(name: str, owner: int | None) -> list[Article]:
    """Return the articles whose source mentions the file name (raw or percent-encoded)."""
    base = posixpath.basename(name)
    forms = {base, quote(base)}
    mine = [Article.author_id == owner] if owner is not None else []
    return list(
        db.session.scalars(
            select(Article)
            .where(or_(*(Article.source_md.icontains(form, autoescape=True) for form in forms)))
            .where(*mine)
            .order_by(Article.id)
        )
    )


def _render_with(article: Article, name: str, data: bytes) -> Prepared | None:
    """Render an article from its source, the image standing for references of its name."""

    def load(reference: str) -> bytes | None:
        return data if _key(reference) == _key(name) else None

    try:
        source = parse_source(
            article.source_md, filename=article.source_filename, timezone=site_timezone()
        )
    except (FrontMatterError, MetadataError, TooLongError):
        return None  # stored before a rule it breaks; `flask rerender` reports it
    notes = note_links(source.body)  # its [[links]] stay links
    return prepare(Task(source, linked_images(article), media_prefix(), load=load, notes=notes))


def rewrite_rendered(writer: ArticleWriter, article: Article, prepared: Prepared) -> None:
    """Store a new rendering of an unchanged source: no revision, the title kept (a restore
    may have set it), the date moved only when the card's cover changed."""
    title, cover = article.title, article.cover_url
    writer.write(article, prepared)
    article.title = title
    if article.cover_url != cover:
        # Its card changes: a listing's cached pages are keyed by the latest update.
        article.updated_at = utcnow()


__all__ = ["Attached", "UnsupportedImage", "attach_images"]
