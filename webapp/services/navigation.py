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
from .listing import Order, everything, hidden, newest_first

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
        .order_by(*newest_first())
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
        .order_by(*newest_first(Order.PUBLISHED))
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
        # newest_first's columns, the other way: the same index read forwards.
        .order_by(Article.status, Article.deleted_at, column, Article.id)
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

    The candidates are the newest RELATED_WINDOW articles of each of its tags and of each
    category of its tree, read from indexes; only they are scored (in one query), so the
    cost stays flat however many articles share a popular tag (43,000 of 100,000 in the
    growth bench: 220 ms to score them all). An article sharing neither tags nor a
    category tree is not related, however recent.
    """
    tag_ids = [tag.id for tag in article.tags]
    category = article.category
    if not tag_ids and category is None:
        return []
    windows = [_newest_with_tag(tag_id) for tag_id in tag_ids]
    score = literal(0)
    if tag_ids:
        shared = (
            select(func.count())
            .where(article_tags.c.article_id == Article.id, article_tags.c.tag_id.in_(tag_ids))
            .scalar_subquery()
        )
        score = score + shared * SHARED_TAG_POINTS
    if category is not None:
        root = category.path.split("/")[0]
        tree = list(
            db.session.scalars(
                select(Category.id).where(
                    or_(
                        Category.path == root, Category.path.startswith(root + "/", autoescape=True)
                    )
                )
            )
        )
        windows += [_newest_in_category(category_id) for category_id in tree]
        score = score + case(
            (Article.category_id == category.id, SAME_CATEGORY_POINTS),
            (Article.category_id.in_(tree), SAME_TREE_POINTS),
            else_=0,
        )
    candidates = union_all(*(select(window.c.id) for window in windows)).subquery("candidates")
    shown = aliased(Category)
    statement = (
        select(*LINK_COLUMNS, shown.name.label("category_name"))
        .outerjoin(shown, shown.id == Article.category_id)
        .where(Article.id.in_(select(candidates.c.id)), *everything(), Article.id != article.id)
        .order_by(score.desc(), Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )
    return [_link(row) for row in db.session.execute(statement)]


# How many of each tag's and each category's newest articles are scored as related.
RELATED_WINDOW = 200


def _newest_with_tag(tag_id: int):
    """Select the ids of the RELATED_WINDOW most recently added articles with a tag."""
    return (
        select(article_tags.c.article_id.label("id"))
        .where(article_tags.c.tag_id == tag_id)
        .order_by(article_tags.c.article_id.desc())
        .limit(RELATED_WINDOW)
        .subquery()
    )


def _newest_in_category(category_id: int):
    """Select the ids of the RELATED_WINDOW newest visible articles in one category."""
    return (
        select(Article.id)
        .where(Article.category_id == category_id, *everything())
        .order_by(*newest_first())
        .limit(RELATED_WINDOW)
        .subquery()
    )
