"""The author's operations on stored articles: list, edit, publish or unpublish, trash."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only

from ..config import site_timezone
from ..content.budget import RenderTooSlow
from ..content.document import Source, parse_source
from ..content.frontmatter import FrontMatterError
from ..content.messages import N_
from ..content.metadata import MetadataError, normalise
from ..content.permalinks import old_addresses
from ..extensions import db
from ..models import DRAFT, PUBLISHED, Article, utcnow
from ..web.reasons import translate_report_text
from . import addresses
from .assets import media_prefix
from .permissions import Actor
from .publishing import UNCHANGED, UPDATED, ArticleWriter, Task, linked_images, prepare
from .publishing.authors import AuthorRefused, authorship
from .publishing.links import note_links
from .publishing.single import ATTEMPTS
from .publishing.writer import RETRYABLE, category_for, keep_schedule
from .search.indexer import remove_documents

PAGE_SIZE = 50
# The origin of the address an article had before its slug changed.
EARLIER_SLUG = "earlier slug"
STATUSES = (DRAFT, PUBLISHED)
# Not a stored status: published with a date still to come (the article list's filter).
SCHEDULED = "scheduled"
TABLE_COLUMNS = (
    Article.id,
    Article.kind,
    Article.slug,
    Article.title,
    Article.status,
    Article.published_at,
    Article.created_at,
    Article.updated_at,
    Article.deleted_at,
)


@dataclass(frozen=True)
class ArticleTable:
    """One page of the author's article list."""

    articles: list[Article]
    page: int
    pages: int
    total: int


@dataclass
class SaveResult:
    """What saving an edited source did."""

    outcome: str  # "updated" | "unchanged"
    warnings: list[str] = field(default_factory=list)


def describe_source_error(error: Exception) -> str:
    """Return a plain-words message for broken front matter (or a body too slow to render)."""
    if isinstance(error, AuthorRefused):
        return translate_report_text(str(error)) + "."
    if isinstance(error, RenderTooSlow):
        return _(
            "The article took longer than %(seconds)s s to render. Deeply nested or unusually"
            " repetitive Markdown is the likely cause; shorten or split it.",
            seconds=f"{error.seconds:g}",
        )
    if isinstance(error, FrontMatterError):
        return _(
            "The front matter cannot be read (line %(line)d): %(problem)s.",
            line=error.line,
            problem=translate_report_text(error.message),
        )
    problem = translate_report_text(str(error))
    return _("A front matter value is wrong: %(problem)s.", problem=problem)


def normalise_newlines(text: str) -> str:
    """Return text with \\n line ends: browsers send a text area's lines with \\r\\n."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def list_articles(
    query: str = "",
    status: str | None = None,
    page: int = 1,
    *,
    trashed: bool = False,
    kind: str | None = None,
    owner: int | None = None,
) -> ArticleTable:
    """Return a page of articles (or of the trash) whose title contains `query`.

    `kind` keeps articles or standalone pages only (the admin's Articles and Pages);
    `owner`, for an author who may write only their own articles, lists only theirs.
    """
    criteria = [Article.deleted_at.is_not(None) if trashed else Article.deleted_at.is_(None)]
    if kind is not None:
        criteria.append(Article.kind == kind)
    if owner is not None:
        criteria.append(Article.author_id == owner)
    if query.strip():
        criteria.append(Article.title.icontains(query.strip(), autoescape=True))
    if status == PUBLISHED:
        criteria += [Article.status == PUBLISHED, Article.published_at <= utcnow()]
    elif status == DRAFT:
        criteria.append(Article.status == DRAFT)
    elif status == SCHEDULED:
        criteria += [Article.status == PUBLISHED, Article.published_at > utcnow()]
    total = db.session.scalar(select(func.count(Article.id)).where(*criteria)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    order = (Article.deleted_at.desc(),) if trashed else ()
    rows = db.session.scalars(
        select(Article)
        .where(*criteria)
        .options(load_only(*TABLE_COLUMNS), joinedload(Article.author))
        .order_by(*order, Article.updated_at.desc(), Article.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return ArticleTable(list(rows), page, pages, total)


def get_article(article_id: int) -> Article | None:
    """Return any article by id, draft or trashed alike."""
    return db.session.get(Article, article_id)


def ids_by_slug(slugs: list[str]) -> dict[str, int]:
    """Return the article id of each slug (for linking upload results to the editor)."""
    wanted = [slug for slug in slugs if slug]
    if not wanted:
        return {}
    rows = db.session.execute(select(Article.slug, Article.id).where(Article.slug.in_(wanted)))
    return {slug: article_id for slug, article_id in rows}


def front_matter_draft(article: Article) -> bool:
    """Tell whether the article's stored front matter marks it as a draft."""
    try:
        return normalise(article.front_matter or {}, site_timezone()).draft
    except MetadataError:
        return article.status == DRAFT


def status_after_edit(article: Article, draft: bool, was_draft: bool) -> str:
    """Return the status an edit leaves: the front matter's, if the edit changed its flag."""
    if draft == was_draft:
        return article.status
    return DRAFT if draft else PUBLISHED


def _slug_is_free(slug: str, article: Article) -> bool:
    owner = db.session.scalar(select(Article.id).where(Article.slug == slug))
    return owner is None or owner == article.id


def save_source(
    article: Article, text: str, actor: Actor | None = None, *, minor: bool = False
) -> SaveResult:
    """Store an edited source as the article's current version and a new revision; commit.

    The article keeps its identity: its slug changes only to a new front matter slug that
    no other article has. Its status follows the front matter's draft flag only when the
    edit changed that flag, so a Publish or Unpublish click is not undone by the next save.
    Broken front matter raises (FrontMatterError, MetadataError, TooLongError) before
    anything changes, and so does a body over the render budget (RenderTooSlow). A job
    updating the article at the same moment goes first: the save then reads the article
    again and is stored on top (both stay in the history). A `minor` edit (a typo fixed)
    keeps the article's update date, so it stays where it is in LATEST UPDATES. A front
    matter `author:` that `actor` may not publish as raises AuthorRefused, before anything
    changes too.
    """
    text = normalise_newlines(text)
    source = parse_source(text, filename=article.source_filename, timezone=site_timezone())
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _save_once(article, source, actor, minor)
        except RETRYABLE:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _save_once(article: Article, source: Source, actor: Actor | None, minor: bool) -> SaveResult:
    if source.digest == article.source_hash:
        return SaveResult(UNCHANGED)
    author = authorship(source.front_matter, article, actor)
    warnings: list[str] = list(author.warnings)
    was_draft = front_matter_draft(article)
    notes = note_links(source.body)
    prepared = prepare(Task(source, linked_images(article), media_prefix(), notes=notes))
    now = utcnow()
    with ArticleWriter(minor=minor) as writer:
        writer.claim(article)
        meta = source.meta
        earlier = addresses.own_address(article)
        if meta.slug and meta.slug != article.slug:
            if _slug_is_free(meta.slug, article):
                article.slug = meta.slug
                _drop_own_address(writer, article)
            else:
                taken = N_(
                    "the slug “%(slug)s” belongs to another article; this one keeps “%(own)s”"
                )
                warnings.append(taken % {"slug": meta.slug, "own": article.slug})
        article.status = status_after_edit(article, meta.draft, was_draft)
        article.author_id = author.author_id
        if meta.date:
            article.published_at = meta.date
        if not minor:
            article.updated_at = now
        keep_schedule(article, now)
        writer.place(article, category_for(source, article), meta.tags)
        writer.write(article, prepared, revisions=[(source.text, now)])
        # Links to the old slug keep working; so do addresses the front matter names.
        found = old_addresses(None, None, source.front_matter, source.title, site_timezone())
        if earlier != addresses.own_address(article):
            found.found.insert(0, (earlier, EARLIER_SLUG))
        warnings += writer.keep_addresses(article, found.found)
    return SaveResult(UPDATED, warnings + prepared.warnings)


def _drop_own_address(writer: ArticleWriter, article: Article) -> None:
    """Drop an old address the article's new slug makes its own: the page answers it now."""
    own = addresses.own_address(article)
    for address in list(article.addresses):
        if address.path == own:
            writer.drop_address(article, address)


def add_addresses(article: Article, text: str) -> int:
    """Add the addresses an author typed, one per line; commit; return how many are new.

    Raises addresses.AddressesRefused, listing every problem, and saves nothing when any
    address is bad: on another site, one of this site's own pages, another article's.
    """
    wanted = addresses.check_author_addresses(article, text)
    try:
        with ArticleWriter() as writer:
            writer.keep_addresses(article, wanted)
    except IntegrityError:
        # Another article took one of them between the check and the commit.
        raise addresses.AddressesRefused(
            ["another article took one of these addresses meanwhile; try again"]
        ) from None
    return len(wanted)


def remove_address(article: Article, address_id: int) -> str | None:
    """Take one old address from an article; commit; return its path, or None if not there."""
    address = next((a for a in article.addresses if a.id == address_id), None)
    if address is None:
        return None
    path = address.path
    with ArticleWriter() as writer:
        writer.drop_address(article, address)
    return path


def set_status(article: Article, status: str) -> None:
    """Publish or unpublish an article; commit.

    Publishing a draft moves it to the top of LATEST UPDATES: for readers it is new.
    """
    if status not in STATUSES or article.status == status:
        return
    if status == PUBLISHED:
        now = utcnow()
        article.updated_at = now
        keep_schedule(article, now)
    article.status = status
    db.session.commit()


def move_to_trash(article: Article) -> None:
    """Hide an article from everyone but the author's trash list; commit."""
    if article.deleted_at is None:
        article.deleted_at = utcnow()
        db.session.commit()


def restore_from_trash(article: Article) -> None:
    """Bring an article back from the trash with the status it had; commit."""
    article.deleted_at = None
    db.session.commit()


def empty_trash(owner: int | None = None) -> int:
    """Delete every trashed article (only `owner`'s, when given) with its revisions.

    Return how many. Stored images stay: they are content-addressed and may be shared
    with other articles.
    """
    mine = [Article.author_id == owner] if owner is not None else []
    trashed = list(
        db.session.scalars(select(Article).where(Article.deleted_at.is_not(None), *mine))
    )
    remove_documents(db.session.connection(), [article.id for article in trashed])
    for article in trashed:
        db.session.delete(article)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise
    return len(trashed)
