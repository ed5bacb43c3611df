"""Around an article: previous and next in published order, related articles, and the stamp
that tells the page cache when any of them may have changed.

An article page shows other articles' titles, so its cached copy goes stale when the visible
set changes, not only when the article itself does. `page_stamp` reads the article's own
dates together with a fingerprint of the visible set in one statement, from index seeks
only, so the check costs the same with 30 articles or 30,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import (
    DateTime,
    Row,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Article, Category, Revision, article_tags, utcnow
from .listing import everything, hidden

RELATED_LIMIT = 5
# Related score: each shared tag counts 2; the same category adds 2, the same top-level
# category (a sibling or a parent, say) adds 1. Ties go to the more recently published.
SHARED_TAG_POINTS = 2
SAME_CATEGORY_POINTS = 2
SAME_TREE_POINTS = 1

LINK_COLUMNS = (
    Article.id,
    Article.slug,
    Article.title,
    Article.lang,
    Article.published_at,
    Article.updated_at,
)


@dataclass(frozen=True)
class ArticleLink:
    """What a link to another article shows, read as a plain row."""

    id: int
    slug: str
    title: str
    lang: str
    published_at: datetime
    updated_at: datetime
    category_name: str | None = None


def page_stamp(slug: str) -> Row | None:
    """Return an article's id and dates plus a fingerprint of the visible set, or None.

    The fingerprint is the latest update among visible articles, the highest id of all, the
    newest revision (a minor edit moves no date), and the number and id sum of the hidden
    ones (drafts, trash, scheduled). Publishing (a new
    row or a draft), editing, unpublishing, trashing, restoring and a scheduled date passing
    each move one of them, and nothing else changes which articles readers see: every way
    in or out of the visible set goes through the hidden rows. Counting the visible articles
    instead would say the same but read every entry of an index on each request (2.5 ms at
    10,000 articles on SQLite); these are seeks, plus a walk over the usually few hidden rows.
    """
    values = {"slug": slug, "now": utcnow()}
    return db.session.execute(_stamp_statement(), values).first()


def site_fingerprint() -> tuple:
    """Return the visible set's fingerprint alone (see page_stamp), for listing pages.

    A scheduled article that comes due leaves the hidden rows, so the fingerprint moves at
    its time with no write: cached pages, their entity tags and feeds follow.
    """
    return tuple(db.session.execute(_fingerprint_statement(), {"now": utcnow()}).one())


def _now_parameter():
    """Return the reader's present as a bind parameter: the statements are built once."""
    return bindparam("now", type_=DateTime())


def _fingerprint_parts(now):
    """Return the fingerprint's columns and the subquery they join, as seen at `now`."""
    # correlate(None): each subquery reads the whole table, not an outer query's row.
    # The newest visible update, as the top entry of ix_articles_listing in its own order:
    # PostgreSQL does not take max() from that index (deleted_at IS NULL is no equality to
    # it) and read all of another one instead, 55 ms per page at 100,000 articles.
    latest = (
        select(Article.updated_at)
        .where(*everything(now))
        .order_by(Article.status.desc(), Article.deleted_at.desc(), Article.updated_at.desc())
        .limit(1)
        .correlate(None)
    )
    newest = select(func.max(Article.id)).correlate(None)
    # Every saved source adds a revision, a minor edit too, which moves no update date
    # but may change a card's title or excerpt: the newest revision is a seek on its key.
    saved = select(func.max(Revision.id)).correlate(None)
    gone = (
        select(func.count().label("hidden"), func.sum(Article.id).label("hidden_ids"))
        .where(hidden(now))
        .subquery("gone")
    )
    columns = (
        latest.scalar_subquery().label("latest"),
        newest.scalar_subquery().label("newest"),
        saved.scalar_subquery().label("saved"),
        gone.c.hidden,
        gone.c.hidden_ids,
    )
    return columns, gone


@cache
def _fingerprint_statement() -> Select:
    """Build the fingerprint query once: it runs on every listing request."""
    columns, gone = _fingerprint_parts(_now_parameter())
    return select(*columns).select_from(gone)


@cache
def _stamp_statement() -> Select:
    """Build the stamp query once: it runs on every article request, cached page or not."""
    now = _now_parameter()
    columns, gone = _fingerprint_parts(now)
    return (
        select(Article.id, Article.rendered_at, Article.updated_at, Article.published_at, *columns)
        .join(gone, true())
        .where(Article.slug == bindparam("slug"), *everything(now))
    )


def _link(row) -> ArticleLink:
    return ArticleLink(
        row.id,
        row.slug,
        row.title,
        row.lang,
        row.published_at,
        row.updated_at,
        row._mapping.get("category_name"),
    )


def neighbours(article: Article) -> tuple[ArticleLink | None, ArticleLink | None]:
    """Return the previous (older) and next (newer) visible article by (published_at, id)."""
    moment, ident = article.published_at, article.id
    column = Article.published_at
    older = (
        select(*LINK_COLUMNS)
        .where(
            *everything(),
            # The plain bound lets the index seek; the OR settles articles of the same instant.
            column <= moment,
            or_(column < moment, and_(column == moment, Article.id < ident)),
        )
        .order_by(column.desc(), Article.id.desc())
        .limit(1)
        .subquery()
    )
    newer = (
        select(*LINK_COLUMNS)
        .where(
            *everything(),
            column >= moment,
            or_(column > moment, and_(column == moment, Article.id > ident)),
        )
        .order_by(column.asc(), Article.id.asc())
        .limit(1)
        .subquery()
    )
    previous = following = None
    for row in db.session.execute(union_all(select(older), select(newer))):
        if (row.published_at, row.id) < (moment, ident):
            previous = _link(row)
        else:
            following = _link(row)
    return previous, following


def related(article: Article, limit: int = RELATED_LIMIT) -> list[ArticleLink]:
    """Return up to `limit` visible articles sharing tags or a category tree, best first.

    One query: shared tags are counted in a grouped subquery, the category bonus is a CASE,
    so the cost does not grow with the number of candidates' queries (there are none).
    An article sharing neither tags nor a category tree is not related, however recent.
    """
    tag_ids = [tag.id for tag in article.tags]
    category = article.category
    if not tag_ids and category is None:
        return []
    shown = aliased(Category)
    score = literal(0)
    candidates = []
    statement = select(*LINK_COLUMNS, shown.name.label("category_name")).outerjoin(
        shown, shown.id == Article.category_id
    )
    if tag_ids:
        shared = (
            select(article_tags.c.article_id, func.count().label("shared"))
            .where(article_tags.c.tag_id.in_(tag_ids), article_tags.c.article_id != article.id)
            .group_by(article_tags.c.article_id)
            .subquery("shared")
        )
        statement = statement.outerjoin(shared, shared.c.article_id == Article.id)
        score = score + func.coalesce(shared.c.shared, 0) * SHARED_TAG_POINTS
        candidates.append(shared.c.article_id.is_not(None))
    if category is not None:
        root = category.path.split("/")[0]
        tree = select(Category.id).where(
            or_(Category.path == root, Category.path.startswith(root + "/", autoescape=True))
        )
        score = score + case(
            (Article.category_id == category.id, SAME_CATEGORY_POINTS),
            (Article.category_id.in_(tree), SAME_TREE_POINTS),
            else_=0,
        )
        candidates.append(Article.category_id.in_(tree))
    statement = (
        statement.where(*everything(), Article.id != article.id, or_(*candidates))
        .order_by(score.desc(), Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )
    return [_link(row) for row in db.session.execute(statement)]
