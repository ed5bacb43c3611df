"""The one article writer: publish, the editor's save, restore and rerender all end here.

A writer puts rendered documents into articles (content, images, revisions, search rows),
then commits them together, or rolls back and removes the image files it created. A web
upload commits each article alone; a bulk import commits a batch at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from ...content.document import Source, source_hash
from ...content.messages import N_
from ...content.metadata import category_path
from ...content.searchtext import SearchFields
from ...content.slugs import slugify
from ...extensions import db
from ...models import (
    DRAFT,
    PUBLISHED,
    Article,
    ArticleAddress,
    ArticleImage,
    Revision,
    utcnow,
)
from .. import addresses
from ..assets import store_image
from ..search.indexer import write_documents
from ..storage import MediaStorageUnavailable, media_store
from ..taxonomy import Taxonomy
from .prepare import Prepared
from .results import CREATED, UPDATED

# Bump when the pipeline's output changes: `flask rerender` re-renders older articles.
# 2: missing images show their alt text, Obsidian embeds, "$ x^2$" math.
# 3: feed_html (the body for feeds, formulas as MathML only).
# 4: Obsidian callouts, [[wikilinks]], %%comments%%; ```mermaid diagrams; Typora's [toc];
#    align="center" as a class; Markdown inside a <div> followed by a blank line.
#    Remote images load lazily, decode asynchronously and send no Referer.
#    Pinned articles and cover images from the front matter. A --- line right after a
#    closing fence is a rule, no longer a heading made of the code block.
# 5: code blocks labelled with their language, line numbers on request (linenums="1"),
#    code and display formulas focusable; excerpts: a table as one placeholder, headings
#    kept apart from the text after them.
# 6: search prose marks tables and heading ends, so snippets show them as placeholders.
# 7: an author's styles may not position, stack, overlap or outgrow the article (only
#    KaTeX's own markup keeps its offsets).
RENDER_VERSION = 7


class Conflict(Exception):
    """Another writer changed the article since it was read: read it again and retry."""


# What a concurrent writer makes a transaction fail with: a unique slug taken meanwhile,
# a version moved on (Conflict), SQLite's lock held past its timeout.
RETRYABLE = (Conflict, IntegrityError, OperationalError)


def linked_images(article: Article | None) -> dict[str, str]:
    """Return an article's images as reference -> stored file name."""
    if article is None:
        return {}
    return {link.reference: link.asset.filename for link in article.images}


@dataclass(frozen=True)
class Found:
    """The article a document updates (None: a new one), and what the report should say."""

    article: Article | None
    by: str | None = None  # "slug", "file name" or "title"
    notes: tuple[str, ...] = ()


def find_article(
    source: Source, filename: str | None, skip: Collection[int] = (), owner: int | None = None
) -> Found:
    """Find the article a document updates: by front matter slug, file name, or title.

    In order: the article whose slug the front matter names; else the one uploaded under
    this file name; else the one whose title equals the document's own title, exactly
    (from its front matter or its first `# ` heading; a title made from the file name
    identifies nothing new; a document naming a slug that no article has is new).
    Articles in the trash match too, and are restored by the update; of several matches,
    one outside the trash wins. Several live articles with the title (or, none live,
    several in the trash) are ambiguous: a new article is made and the report says why.
    `skip` holds the articles the same upload already wrote, which a title alone never
    matches again (two notes titled "Introduction" in two folders are two articles).
    `owner`, for an author who may write only their own articles, limits the matches by
    file name and title to theirs: another author's notes.md is not theirs to update. A
    slug names one address, so it matches whoever's article has it (the caller refuses).
    """
    mine = [Article.author_id == owner] if owner is not None else []
    if source.meta.slug:
        found = db.session.scalar(select(Article).where(Article.slug == source.meta.slug))
        if found is not None:
            return Found(found, "slug")
    if filename:
        found = db.session.scalar(
            select(Article)
            .where(Article.source_filename == filename, *mine)
            .order_by(_in_trash_last(), Article.id)
            .limit(1)
        )
        if found is not None:
            return Found(found, "file name")
    if source.meta.slug or not source.has_own_title:
        # A slug no article has names a new address: the document is a new article.
        return Found(None)
    titled = [
        article
        for article in db.session.scalars(
            select(Article).where(Article.title == source.title, *mine).order_by(Article.id)
        )
        if article.id not in skip
    ]
    live = [article for article in titled if article.deleted_at is None]
    candidates = live or titled
    if len(candidates) == 1:
        return Found(candidates[0], "title", _title_notes(candidates[0], filename))
    if candidates:
        return Found(
            None,
            notes=(
                N_(
                    "%(count)s articles are titled “%(title)s”, so a new one was made; "
                    "give the document the slug of the one it updates"
                )
                % {"count": len(candidates), "title": source.title},
            ),
        )
    return Found(None)


def _in_trash_last():
    return case((Article.deleted_at.is_(None), 0), else_=1)


def _title_notes(article: Article, filename: str | None) -> tuple[str, ...]:
    if filename and article.source_filename and article.source_filename != filename:
        came_from = article.source_filename
        found = N_("updates “%(title)s”, found by its title (it came from %(name)s)")
        return (found % {"title": article.title, "name": came_from},)
    return ()


def category_for(source: Source, article: Article | None) -> list[str]:
    """Return the category path a document gives its article.

    The front matter's categories; else the document's folder in its bundle; else, for a
    document without a folder (a loose file, the editor), the category the article has,
    unless its stored front matter named that one and this source dropped it.
    """
    if source.meta.category_path:
        return source.meta.category_path
    if source.folder is not None:
        return list(source.folder)
    if article is None or article.category is None:
        return []
    stored = article.front_matter or {}
    if category_path(stored.get("categories") or stored.get("category")):
        return []
    return article.category.path.split("/")


# Suffixes asked for by exact slug before reading every slug that starts with the base.
_FIRST_SUFFIXES = 50


def unique_slug(base: str) -> str:
    """Return base, or base-2, base-3 … whichever no article has yet.

    The first few candidates are looked up by exact slug (the unique index answers); a
    LIKE 'base%' would read every slug on PostgreSQL, whose index under a language
    collation cannot serve prefixes (60 ms at 100,000 articles).
    """
    candidates = [base] + [f"{base}-{n}" for n in range(2, _FIRST_SUFFIXES + 1)]
    taken = set(db.session.scalars(select(Article.slug).where(Article.slug.in_(candidates))))
    if len(taken) == len(candidates):
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


def is_unchanged(article: Article | None, source: Source) -> bool:
    """Tell whether publishing this source again would change nothing."""
    status = DRAFT if source.meta.draft else PUBLISHED
    return (
        article is not None
        and article.source_hash == source.digest
        and article.status == status
        and article.deleted_at is None
    )


def reschedule(article: Article, date: datetime | None, now: datetime) -> None:
    """Give an existing article the front matter's date when it schedules or reschedules it.

    A date still to come schedules the article (readers see it then); an article still
    waiting for its date takes the new one, past or future. A published article's date
    otherwise stays where it is: re-uploading a note does not move it in the archive.
    """
    if date is None or date == article.published_at:
        return
    if date > now or article.published_at > now:
        article.published_at = date


def keep_schedule(article: Article, now: datetime) -> None:
    """Date a scheduled article's last update no earlier than its publication.

    LATEST UPDATES is ordered by the update: an article saved today for next week must
    come in at the top next week, not below everything written in between.
    """
    if article.published_at is not None and article.published_at > now:
        article.updated_at = max(article.updated_at or now, article.published_at)


class ArticleWriter:
    """Writes rendered documents into articles; commit() stores them all, or nothing."""

    def __init__(self, *, minor: bool = False) -> None:
        # Minor edits (a typo fixed): updates keep their date, so the article stays where
        # it is in LATEST UPDATES; the revision is recorded all the same.
        self.minor = minor
        self.written: list[str] = []  # names of image files created, removed on rollback
        self.indexed: list[tuple[Article, SearchFields]] = []
        self.taxonomy = Taxonomy()
        self.claimed: set[int] = set()  # ids of the articles this transaction claimed
        self.writing = False  # the write transaction is open (see begin)

    def __enter__(self) -> ArticleWriter:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()

    def begin(self) -> None:
        """Open the write transaction: on SQLite, take the database's write lock now.

        Every writing method calls it first, so the lock is taken once the document is
        rendered and held only while writing. Taken up front (BEGIN IMMEDIATE) rather than
        at the first INSERT, the lookups the writes depend on (a free slug, an existing
        category) see no other writer's change between them and the write; SQLite waits
        SQLITE_BUSY_TIMEOUT for the lock. PostgreSQL locks the rows it writes by itself.
        """
        if self.writing:
            return
        self.writing = True
        connection = db.session.connection()
        if connection.dialect.name != "sqlite":
            return
        # Already writing (rows flushed before the writer opened): that transaction holds
        # the lock; a second BEGIN would fail.
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    def publish(self, article: Article | None, prepared: Prepared, filename: str | None):
        """Create or update the article an uploaded document describes; return (article, outcome).

        The caller has found the article and seen that the document changes it. The front
        matter decides the status, category and tags; a new article takes its dates from
        the front matter too, an updated one moves to now (unless the writer is minor).
        """
        self.begin()
        source = prepared.source
        if article is not None:
            self.claim(article)
        now = utcnow()
        outcome = UPDATED if article is not None else CREATED
        if article is None:
            base = source.meta.slug or slugify(source.title) or source.digest[:12]
            article = Article(slug=unique_slug(base), created_at=now, source_filename=filename)
            article.published_at = source.meta.date or now
            article.updated_at = source.meta.updated or source.meta.date or now
        else:
            if article.source_hash != source.digest and not self.minor:
                article.updated_at = now
            reschedule(article, source.meta.date, now)
            if filename:
                # A renamed file keeps its article; the next upload finds it by the new name.
                article.source_filename = filename
        keep_schedule(article, now)
        article.status = DRAFT if source.meta.draft else PUBLISHED
        article.deleted_at = None
        self.place(article, category_for(source, article), source.meta.tags)
        self.write(article, prepared, revisions=[(source.text, now)])
        return article, outcome

    def place(self, article: Article, category_path: list[str], tag_names: list[str]) -> None:
        """Put the article in a category (created as needed) and give it these tags."""
        self.begin()
        article.category = self.taxonomy.category(category_path)
        article.tags = self.taxonomy.tags(tag_names)

    def write(
        self,
        article: Article,
        prepared: Prepared,
        *,
        revisions: Iterable[tuple[str, datetime]] = (),
    ) -> None:
        """Put a rendered document into an article with its images and revisions."""
        self.begin()
        if article.id is not None:
            self.claim(article)
        source, rendered = prepared.source, prepared.rendered
        article.title = source.title
        article.source_md = source.text
        article.source_hash = source.digest
        article.front_matter = source.front_matter
        article.html = rendered.html
        article.feed_html = rendered.feed_html
        article.toc_html = rendered.toc_html
        article.excerpt = rendered.excerpt
        article.lang = rendered.lang
        article.word_count, article.reading_minutes = rendered.word_count, rendered.reading_minutes
        article.kind = source.meta.kind
        article.pinned = source.meta.pin > 0
        article.pin_order = source.meta.pin
        article.cover_url = prepared.cover_url
        article.render_version = RENDER_VERSION
        article.rendered_at = utcnow()
        self._link_images(article, prepared)
        # Added only now that every column is set: the queries above flush what is pending.
        db.session.add(article)
        for text, when in revisions:
            # Through the revision's side: the article's (maybe long) history is not loaded.
            db.session.add(
                Revision(
                    article=article, source_md=text, source_hash=source_hash(text), created_at=when
                )
            )
        self.indexed.append((article, rendered.search))

    def keep_addresses(self, article: Article, found: Iterable[tuple[str, str]]) -> list[str]:
        """Store the old addresses (address, origin) the article lacks; return why not others.

        Call it once the article is written: it is stored in the same transaction.
        """
        self.begin()
        return addresses.keep(article, found)

    def drop_address(self, article: Article, address: ArticleAddress) -> None:
        """Take an old address from the article; requests for it answer 404 again."""
        self.begin()
        article.addresses.remove(address)
        db.session.delete(address)

    def claim(self, article: Article) -> None:
        """Move the article's version on, or raise Conflict when another writer already did.

        Called before anything of the article changes, so it is the transaction's first
        write of it. Two jobs updating one article must not interleave: the second one to
        get here finds the version moved on, and its caller reads the article again and
        retries. Claiming an article twice in one transaction claims it once.
        """
        if article.id in self.claimed:
            return
        self.begin()
        seen = article.version
        moved = db.session.execute(
            update(Article.__table__)
            .where(Article.__table__.c.id == article.id, Article.__table__.c.version == seen)
            .values(version=seen + 1)
        ).rowcount
        if moved != 1:
            raise Conflict(f"article {article.id} changed meanwhile")
        set_committed_value(article, "version", seen + 1)
        self.claimed.add(article.id)

    def _link_images(self, article: Article, prepared: Prepared) -> None:
        links = {link.reference: link for link in article.images}
        for reference, image in prepared.images.items():
            asset = store_image(image, self.written)
            link = links.get(reference)
            if link is None:
                link = ArticleImage(reference=reference, asset=asset)
                article.images.append(link)
                links[reference] = link
            link.asset = asset
        for reference, link in links.items():
            if reference not in prepared.shown:
                article.images.remove(link)

    def commit(self) -> None:
        """Flush, write the search rows of everything written, and commit; or undo it all."""
        try:
            self.begin()
            db.session.flush()
            write_documents(
                db.session.connection(),
                # The title as finally set: a restore keeps the one it was exported with.
                [
                    (article.id, fields._replace(title=article.title))
                    for article, fields in self.indexed
                ],
            )
            db.session.commit()
        except BaseException:
            self.rollback()
            raise
        self.written.clear()
        self.indexed.clear()
        self.claimed.clear()
        self.writing = False

    def rollback(self) -> None:
        """Forget everything written since the last commit, image files included."""
        db.session.rollback()
        self.taxonomy.forget()
        # Files stored for these documents alone must not outlive their rolled-back rows.
        store = media_store()
        for name in self.written:
            try:
                store.delete(name)
            except MediaStorageUnavailable:
                # The bucket went away mid-transaction: the original error matters more.
                current_app.logger.warning("could not remove %s from the image store", name)
        self.written.clear()
        self.indexed.clear()
        self.claimed.clear()
        self.writing = False
