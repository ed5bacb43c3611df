"""Queries for feeds and the sitemap: what they list, and a cheap stamp of it for caching."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from ..config import site_timezone
from ..content.feedhtml import feed_html
from ..extensions import db
from ..models import Article, Category, Tag, User, article_tags
from .browse import local_months
from .listing import Order, everything, newest_first
from .navigation import site_fingerprint
from .standalone import pages_stamp
from .standalone import sitemap_pages as standalone_pages

FEED_SIZE = 20


@dataclass(frozen=True)
class Stamp:
    """What a feed or sitemap shows, in brief: equal stamps mean equal documents."""

    parts: tuple
    last_modified: datetime | None  # aware UTC, for Last-Modified

    def etag(self, *context: object) -> str:
        """Return an entity tag for this stamp in a context (kind, address, settings)."""
        text = repr((context, self.parts)).encode("utf-8")
        return hashlib.sha256(text).hexdigest()[:32]


@dataclass(frozen=True)
class FeedItem:
    """One article as a feed entry, as stored (feeds/views.py makes the document XML-safe)."""

    slug: str
    title: str
    lang: str
    excerpt: str
    body: str  # feed HTML, links still relative
    published_at: datetime
    updated_at: datetime
    category: tuple[str, str] | None  # (name, path)
    tags: list[str]
    author: tuple[str, str] | None = None  # (shown name, author-page slug); None: the site's


@dataclass(frozen=True)
class SitemapEntry:
    """A page for the sitemap: endpoint and values to build its URL, and when it last changed."""

    endpoint: str
    values: dict
    lastmod: datetime


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment else None


def feed_stamp(criteria: list) -> Stamp:
    """Return the stamp of a feed: (id, updated_at, rendered_at) of its newest articles.

    One query on the listing index; it changes when an entry is edited, re-rendered,
    published, unpublished or trashed, so a 304 costs only this.
    """
    rows = db.session.execute(
        select(Article.id, Article.updated_at, Article.rendered_at)
        .where(*criteria)
        .order_by(*newest_first())
        .limit(FEED_SIZE)
    ).all()
    parts = tuple(tuple(row) for row in rows)
    newest = max((max(row.updated_at, row.rendered_at) for row in rows), default=None)
    return Stamp(parts, _aware(newest))


def feed_items(stamp: Stamp) -> list[FeedItem]:
    """Load the articles a feed stamp names, in its order, with category and tags."""
    ids = [part[0] for part in stamp.parts]
    articles = db.session.scalars(
        select(Article)
        .where(Article.id.in_(ids))
        .options(
            load_only(
                Article.slug,
                Article.title,
                Article.lang,
                Article.excerpt,
                Article.published_at,
                Article.updated_at,
                Article.feed_html,
            ),
            joinedload(Article.category),
            joinedload(Article.author).load_only(User.slug, User.username, User.display_name),
            selectinload(Article.tags),
        )
    ).unique()
    by_id = {article.id: article for article in articles}
    # Rows rendered before feed_html existed: derive it from the page HTML (one query).
    stale = [article.id for article in by_id.values() if article.feed_html is None]
    page_html = dict(
        db.session.execute(select(Article.id, Article.html).where(Article.id.in_(stale))).all()
        if stale
        else []
    )
    items = []
    for article_id in ids:
        article = by_id.get(article_id)
        if article is None:  # deleted between the two queries
            continue
        body = article.feed_html
        if body is None:
            body = feed_html(page_html[article.id])
        category = article.category
        items.append(
            FeedItem(
                slug=article.slug,
                title=article.title,
                lang=article.lang,
                excerpt=article.excerpt,
                body=body,
                published_at=article.published_at,
                updated_at=article.updated_at,
                category=(category.name, category.path) if category else None,
                tags=[tag.name for tag in article.tags],
                author=(article.author.shown_name, article.author.slug) if article.author else None,
            )
        )
    return items


def sitemap_stamp() -> Stamp:
    """Return the stamp of the sitemap: the visible set's fingerprint (navigation.py) and
    the standalone pages' count and newest update.

    It moves whenever an article is published, edited, unpublished, trashed or restored,
    from index seeks alone. The time zone is part of it because the archive's months are
    cut in that zone.
    """
    fingerprint = site_fingerprint()
    pages, newest_page = pages_stamp()
    latest = max((moment for moment in (fingerprint[0], newest_page) if moment), default=None)
    return Stamp((*fingerprint, pages, newest_page, str(site_timezone())), _aware(latest))


def visible_count() -> int:
    """Return how many articles readers can see: the sitemap's article entries."""
    return db.session.scalar(select(func.count(Article.id)).where(*everything())) or 0


def sitemap_pages() -> list[SitemapEntry]:
    """Return every page a reader can reach but the articles: home, the category, tag and
    archive overviews, categories, tags and archive months with visible articles, and the
    standalone pages (About), each with the time its content last changed."""
    pages = [
        SitemapEntry("blog.page", {"slug": row.slug}, row.updated_at) for row in standalone_pages()
    ]
    visible = everything()
    dates = db.session.execute(
        select(Article.published_at, Article.updated_at).where(*visible)
    ).all()
    if not dates:
        return pages
    newest = max(row.updated_at for row in dates)
    entries = [SitemapEntry("blog.index", {}, newest)]

    # A category page lists the articles of the categories below it too.
    newest_by_id = dict(
        db.session.execute(
            select(Article.category_id, func.max(Article.updated_at))
            .where(*visible, Article.category_id.is_not(None))
            .group_by(Article.category_id)
        ).all()
    )
    paths = dict(db.session.execute(select(Category.id, Category.path)).all())
    newest_by_path: dict[str, datetime] = {}
    for category_id, latest in newest_by_id.items():
        names = paths[category_id].split("/")
        for depth in range(1, len(names) + 1):
            path = "/".join(names[:depth])
            if path not in newest_by_path or newest_by_path[path] < latest:
                newest_by_path[path] = latest
    entries += [
        SitemapEntry("blog.category", {"path": path}, latest)
        for path, latest in sorted(newest_by_path.items())
    ]

    tags = db.session.execute(
        select(Tag.slug, func.max(Article.updated_at))
        .join(article_tags, article_tags.c.tag_id == Tag.id)
        .join(Article, Article.id == article_tags.c.article_id)
        .where(*visible)
        .group_by(Tag.id, Tag.slug)
        .order_by(Tag.slug)
    ).all()
    entries += [SitemapEntry("blog.tag", {"slug": slug}, latest) for slug, latest in tags]

    # The overviews count every listed page, so they change whenever any article does.
    if newest_by_path:
        entries.append(SitemapEntry("blog.categories", {}, newest))
    if tags:
        entries.append(SitemapEntry("blog.tags", {}, newest))
    entries.append(SitemapEntry("blog.archive", {}, newest))
    return entries + _archive_month_entries(dates) + pages


def sitemap_pages_bound() -> int:
    """Return at least how many entries sitemap_pages() holds, from small tables and two
    index seeks: home and overviews, every category and tag, each month from the first
    publication to the last (plus one for the time zone's edges)."""
    first = db.session.scalar(
        select(Article.published_at)
        .where(*everything())
        .order_by(Article.status, Article.deleted_at, Article.published_at)
        .limit(1)
    )
    last = db.session.scalar(
        select(Article.published_at)
        .where(*everything())
        .order_by(*newest_first(Order.PUBLISHED))
        .limit(1)
    )
    if first is None:
        return pages_stamp()[0]
    months = (last.year - first.year) * 12 + last.month - first.month + 2
    categories = db.session.scalar(select(func.count(Category.id))) or 0
    tags = db.session.scalar(select(func.count(Tag.id))) or 0
    return 4 + categories + tags + months + pages_stamp()[0]


def sitemap_articles(offset: int, limit: int) -> list[SitemapEntry]:
    """Return the visible articles' entries, newest update first, from `offset` on."""
    if limit <= 0:
        return []
    rows = db.session.execute(
        select(Article.slug, Article.updated_at)
        .where(*everything())
        .order_by(*newest_first())
        .offset(offset)
        .limit(limit)
    )
    return [SitemapEntry("blog.article", {"slug": slug}, updated_at) for slug, updated_at in rows]


def _archive_month_entries(articles: list) -> list[SitemapEntry]:
    """Return each archive month page, newest month first, with its latest article update."""
    by_publication = sorted(articles, key=lambda row: row.published_at)
    moments = [row.published_at for row in by_publication]
    entries = [
        SitemapEntry(
            "blog.archive_month",
            {"year": year, "month": month},
            max(row.updated_at for row in by_publication[span]),
        )
        for year, month, span in local_months(moments, site_timezone())
    ]
    return entries[::-1]
