"""Publishing one document in its own transaction: uploads of a few files, the demo, tests."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

from ...config import site_timezone
from ...content.document import Source, parse_source
from ...content.imagelinks import image_links
from ...content.images import ImageLoader, normalise_reference
from ...content.messages import N_
from ...content.permalinks import Site, old_addresses
from ...content.render import is_remote
from ...extensions import db
from ...models import Article
from ..assets import media_prefix
from ..bundle import FileSet
from ..permissions import Actor
from .attach import rewrite_rendered
from .authors import authorship, check_writable
from .links import note_links
from .prepare import Prepared, Task, prepare
from .remote import FetchPlan
from .results import UNCHANGED, UPDATED
from .writer import RETRYABLE, ArticleWriter, find_article, is_unchanged, linked_images

# Tries of a document whose transaction a concurrent writer spoiled (see writer.RETRYABLE).
ATTEMPTS = 3


@dataclass
class PublishResult:
    """What happened to one uploaded document."""

    article: Article
    outcome: str
    warnings: list[str] = field(default_factory=list)
    loaded: set[str] = field(default_factory=set)  # upload paths its images came from
    remote_notes: list[str] = field(default_factory=list)  # its remote images, copied or not
    downloads: int = 0  # remote images it tried to download


def publish_source(
    writer: ArticleWriter,
    source: Source,
    filename: str | None,
    *,
    ready: Prepared | None = None,
    files: FileSet | None = None,
    path: str | None = None,
    load: ImageLoader | None = None,
    beside: tuple[str, ...] = (),
    site: Site | None = None,
    fetch: FetchPlan | None = None,
    skip: Collection[int] = (),
    bundled: bool = False,
    actor: Actor | None = None,
) -> PublishResult:
    """Create or update the article a parsed document describes, through `writer`.

    `ready` is the document rendered beforehand (in a pool) against the images the article
    had then; it is rendered again here when the article turns out to link others, with
    the remote images that rendering downloaded. `fetch` lets it download remote images.
    `beside` names the other documents uploaded with it, which its [[links]] may name. The
    addresses the document had on its old site (`site`, the generator its bundle comes
    from, or only its front matter) are kept with the article, even when it is unchanged.
    `skip` holds articles the same upload already wrote (see find_article). An unchanged
    document of a zip or folder (`bundled`) that now holds images its article lacked is
    rendered again with them (loose images go to attach.py instead, to every article).
    `actor` is who publishes (None: the site itself); an article it may not write, or an
    author it may not publish as, raises AuthorRefused before anything is written.
    """
    # The write part starts here (SQLite's lock is taken): the article is looked up again
    # under it, so an upload of the same slug that committed meanwhile is found, not
    # duplicated under another slug.
    writer.begin()
    found = find_article(source, filename, skip, actor.owner if actor else None)
    article = found.article
    check_writable(article, actor)
    author = authorship(source.front_matter, article, actor)
    matching = list(found.notes) + author.warnings
    if article is not None and found.by != "slug":
        matching.extend(_slug_notes(source, article))
    old = old_addresses(site, path, source.front_matter, source.title, site_timezone())
    if is_unchanged(article, source):
        if filename and article.source_filename != filename:
            article.source_filename = filename  # a renamed file: found by its new name next
        warnings = matching + old.warnings + writer.keep_addresses(article, old.found)
        if bundled and (gained := _gained_images(writer, article, source, files, path, load)):
            return replace(gained, warnings=warnings + gained.warnings)
        return PublishResult(article, UNCHANGED, warnings)
    linked = linked_images(article)
    downloads = 0
    if ready is None or ready.linked != linked:
        fetched = {}
        if ready is not None:
            downloads = ready.downloads
            fetched = {url: image for url, image in ready.images.items() if is_remote(url)}
            if fetch is not None:
                fetch = replace(fetch, max_images=max(fetch.max_images - downloads, 0))
        notes = note_links(source.body, files, path, beside)
        task = Task(
            source, linked, media_prefix(), files, path, load, notes, fetch=fetch, fetched=fetched
        )
        ready = prepare(task)
    article, outcome = writer.publish(article, ready, filename)
    article.author_id = author.author_id
    if article.id is None:
        db.session.flush()  # its id, for `skip` of the documents after it
    warnings = matching + list(ready.warnings) + old.warnings
    warnings += writer.keep_addresses(article, old.found)
    return PublishResult(
        article,
        outcome,
        warnings,
        set(ready.loaded),
        list(ready.remote_notes),
        downloads + ready.downloads,
    )


def _gained_images(
    writer: ArticleWriter,
    article: Article,
    source: Source,
    files: FileSet | None,
    path: str | None,
    load: ImageLoader | None,
) -> PublishResult | None:
    """Render an unchanged document again when its upload holds images the article lacks.

    Nothing else changes: no revision, no new date. Return None when it gains none.
    """
    linked = linked_images(article)
    lacking = [
        reference
        for link in image_links(source.text)
        if (reference := normalise_reference(link.path)) and reference not in linked
    ]
    if files is None or path is None or not any(files.find(path, ref) for ref in lacking):
        return None
    notes = note_links(source.body, files, path)
    prepared = prepare(Task(source, linked, media_prefix(), files, path, load, notes))
    added = sorted(set(prepared.images) - set(linked))
    if not added:
        return None
    rewrite_rendered(writer, article, prepared)
    gained = N_("images added from this upload: %(names)s") % {"names": ", ".join(added)}
    warnings = [gained, *prepared.warnings]
    return PublishResult(article, UPDATED, warnings, set(prepared.loaded))


def _slug_notes(source: Source, article: Article) -> list[str]:
    """Say that a front matter slug naming another address does not move the article."""
    slug = source.meta.slug
    if not slug or slug == article.slug:
        return []
    differs = N_(
        "the front matter slug “%(slug)s” differs from the article's address “%(address)s”, "
        "which stays; save the source on the edit page to move it"
    )
    return [differs % {"slug": slug, "address": article.slug}]


def publish(
    text: str,
    *,
    filename: str | None = None,
    load_image: ImageLoader | None = None,
    fetch: FetchPlan | None = None,
    actor: Actor | None = None,
) -> PublishResult:
    """Create or update the article a Markdown document describes, and commit it.

    `filename` is the uploaded file's base name. Broken front matter raises before
    anything is stored. The document is rendered before the write transaction opens, so
    the database is held only to write. When a concurrent writer gets in first (both
    update one article, SQLite's lock is busy), the write is tried again from the start,
    with the same rendering unless the article's images changed meanwhile.
    """
    source = parse_source(text, filename=filename, timezone=site_timezone())
    owner = actor.owner if actor else None
    ready = render_ahead(source, filename, load=load_image, fetch=fetch, owner=owner)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with ArticleWriter() as writer:  # rolls back by itself on failure
                return publish_source(
                    writer,
                    source,
                    filename,
                    ready=ready,
                    load=load_image,
                    fetch=fetch,
                    actor=actor,
                )
        except RETRYABLE:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def render_ahead(
    source: Source,
    filename: str | None,
    *,
    load: ImageLoader | None = None,
    fetch: FetchPlan | None = None,
    owner: int | None = None,
) -> Prepared | None:
    """Render a document against the images its article has now; None when it is unchanged.

    publish_source renders it again only if the article turns out to link other images.
    """
    article = find_article(source, filename, owner=owner).article
    if is_unchanged(article, source):
        return None
    notes = note_links(source.body)
    return prepare(
        Task(source, linked_images(article), media_prefix(), load=load, notes=notes, fetch=fetch)
    )


def rerender(article: Article) -> list[str]:
    """Render a stored article again from its source, keeping its title; commit.

    Raises on front matter the pipeline no longer accepts; nothing is changed then.
    """
    source = parse_source(
        article.source_md, filename=article.source_filename, timezone=site_timezone()
    )
    notes = note_links(source.body)
    prepared = prepare(Task(source, linked_images(article), media_prefix(), notes=notes))
    title = article.title
    with ArticleWriter() as writer:
        writer.write(article, prepared)
        # What the pipeline renders changes, not the article: a restored title stays.
        article.title = title
    return prepared.warnings
