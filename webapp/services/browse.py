"""Counts for the browsing pages: the category tree, the tags, the archive's years and months.

Every count is of visible articles only (published, not in the trash: listing.everything)
and comes from one grouped query, never a query per category, tag or month.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select

from ..config import site_timezone
from ..extensions import db
from ..models import Article, Category, Tag, article_tags
from .listing import everything

TAG_WEIGHTS = 5  # size steps of the tag cloud


@dataclass
class CategoryNode:
    """A category with the visible articles in it and below it, and its child categories."""

    id: int
    name: str
    path: str
    own: int = 0  # articles filed directly under this category
    count: int = 0  # articles here and in every category below
    children: list[CategoryNode] = field(default_factory=list)

    def ids(self) -> list[int]:
        """Return this category's id and every descendant's."""
        return [self.id] + [i for child in self.children for i in child.ids()]


def _build_tree(rows: list, counts: dict[int, int]) -> dict[int, CategoryNode]:
    """Link category rows into nodes by parent_id and add up counts from the leaves."""
    nodes = {
        row.id: CategoryNode(row.id, row.name, row.path, own=counts.get(row.id, 0)) for row in rows
    }
    for row in rows:
        parent = nodes.get(row.parent_id)
        if parent is not None:
            parent.children.append(nodes[row.id])
    # Deepest first (more slashes in the path), so a child's total is final before its parent's.
    for node in sorted(nodes.values(), key=lambda n: n.path.count("/"), reverse=True):
        node.children.sort(key=lambda child: (child.name.casefold(), child.name))
        node.count = node.own + sum(child.count for child in node.children)
    return nodes


def _visible_counts(category_ids: Select) -> dict[int, int]:
    """Return {category_id: visible articles filed directly under it}, in one grouped query.

    The IN over category ids lets the database count from the category listing index alone;
    without it SQLite walks the published-order index and reads every article row.
    """
    statement = (
        select(Article.category_id, func.count())
        .where(Article.category_id.in_(category_ids), *everything())
        .group_by(Article.category_id)
    )
    return {category_id: n for category_id, n in db.session.execute(statement)}


def _prune(nodes: list[CategoryNode]) -> list[CategoryNode]:
    """Drop categories with no visible article in them or below (drafts' categories stay hidden)."""
    kept = [node for node in nodes if node.count]
    for node in kept:
        node.children = _prune(node.children)
    return kept


def category_tree() -> list[CategoryNode]:
    """Return the root categories, each with its subtree and counts, in two queries."""
    rows = db.session.execute(
        select(Category.id, Category.name, Category.path, Category.parent_id)
    ).all()
    nodes = _build_tree(rows, _visible_counts(select(Category.id)))
    roots = [nodes[row.id] for row in rows if row.parent_id not in nodes]
    roots.sort(key=lambda node: (node.name.casefold(), node.name))
    return _prune(roots)


def category_subtree(category: Category) -> CategoryNode:
    """Return one category with the categories below it that have visible articles, counted.

    Two queries. The node's `ids()` serve as the listing's criteria: a category left out has
    no visible article in it or below, so leaving its id out changes nothing.
    """
    below = Category.path.startswith(category.path + "/", autoescape=True)
    in_subtree = or_(Category.id == category.id, below)
    rows = db.session.execute(
        select(Category.id, Category.name, Category.path, Category.parent_id).where(in_subtree)
    ).all()
    ids = select(Category.id).where(in_subtree)
    node = _build_tree(rows, _visible_counts(ids))[category.id]
    node.children = _prune(node.children)
    return node


@dataclass(frozen=True)
class TagCount:
    """A tag with the number of visible articles carrying it and its size in the cloud (1-5)."""

    name: str
    slug: str
    count: int
    weight: int


def tag_counts() -> list[TagCount]:
    """Return the tags of visible articles, most used first, then by name, in one query."""
    # Count in the link table first (visible ids from an index), then name the 40-odd tags:
    # half the time of joining tags, links and articles row by row.
    visible = select(Article.id).where(*everything())
    counted = (
        select(article_tags.c.tag_id, func.count().label("n"))
        .where(article_tags.c.article_id.in_(visible))
        .group_by(article_tags.c.tag_id)
        .subquery("counted")
    )
    rows = db.session.execute(
        select(Tag.name, Tag.slug, counted.c.n).join(counted, counted.c.tag_id == Tag.id)
    ).all()
    # Sorted here, not in SQL: the databases' collations order names differently.
    rows.sort(key=lambda row: (-row.n, row.name.casefold(), row.name))
    most = max((row.n for row in rows), default=1)
    return [TagCount(row.name, row.slug, row.n, tag_weight(row.n, most)) for row in rows]


def tag_weight(count: int, most: int) -> int:
    """Return a size step from 1 to 5 on a log scale, so one huge tag does not flatten the rest."""
    if most <= 1:
        return 1
    return 1 + round((TAG_WEIGHTS - 1) * math.log(count) / math.log(most))


@dataclass(frozen=True)
class Month:
    """A month of the archive with its number of visible articles."""

    year: int
    month: int
    count: int  # its name is the templates' month_name and month_year filters (web/dates.py)


@dataclass
class Year:
    """A year of the archive: its months with articles, newest first, and their total."""

    year: int
    months: list[Month] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Return the year's total."""
        return sum(month.count for month in self.months)


def month_bounds(year: int, month: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return [start, end) of a local month as naive UTC; raise ValueError outside the calendar."""
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        start = datetime(year, month, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(*following, 1, tzinfo=zone).astimezone(UTC)
    except OverflowError as error:
        raise ValueError("month outside the calendar") from error
    return start.replace(tzinfo=None), end.replace(tzinfo=None)


def local_months(moments: list[datetime], zone: ZoneInfo) -> Iterator[tuple[int, int, slice]]:
    """Cut ascending naive UTC moments at local month boundaries: (year, month, slice).

    Bisect finds each month's end, so there is one time zone conversion per month, not per
    moment. SQLite has no time zones to group by in SQL; this stays the same on PostgreSQL.
    """
    start = 0
    while start < len(moments):
        local = moments[start].replace(tzinfo=UTC).astimezone(zone)
        try:
            _, end_of_month = month_bounds(local.year, local.month, zone)
            end = bisect_left(moments, end_of_month, lo=start)
        except ValueError:  # December 9999: nothing comes after it
            end = len(moments)
        yield local.year, local.month, slice(start, end)
        start = end


def archive_years() -> list[Year]:
    """Return the years and months that have visible articles, newest first, with counts.

    The dates are read from the published-order index as plain values, oldest first.
    """
    moments = list(
        db.session.scalars(
            select(Article.published_at).where(*everything()).order_by(Article.published_at)
        )
    )
    months = [
        Month(year, month, span.stop - span.start)
        for year, month, span in local_months(moments, site_timezone())
    ]
    years: dict[int, Year] = {}
    for month in reversed(months):
        years.setdefault(month.year, Year(month.year)).months.append(month)
    return list(years.values())
