"""Listing queries: published articles, newest update first, paged by cursor or page number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select

from ..extensions import db
from ..models import PUBLISHED, Article, Category, Tag, article_tags
from .taxonomy import descendant_ids

EPOCH = datetime(1970, 1, 1)
_CURSOR = re.compile(r"(\d{1,18})-(\d{1,18})")
MAX_PAGE_NUMBER = 1_000_000
CARD_COLUMNS = (
    Article.id,
    Article.slug,
    Article.title,
    Article.excerpt,
    Article.lang,
    Article.reading_minutes,
    Article.updated_at,
    Category.name.label("category_name"),
    Category.path.label("category_path"),
)


class BadPageRequest(ValueError):
    """A cursor or page number that cannot be right (malformed or tampered)."""


@dataclass(frozen=True)
class Cursor:
    """The position after the last card a reader has seen: (updated_at, id)."""

    updated_at: datetime
    article_id: int

    def encode(self) -> str:
        """Return the URL form: microseconds since 1970, a dash, the article id."""
        micros = (self.updated_at - EPOCH) // timedelta(microseconds=1)
        return f"{micros}-{self.article_id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse the URL form; raise BadPageRequest when it is not one."""
        match = _CURSOR.fullmatch(text or "")
        if not match:
            raise BadPageRequest("This page link is malformed.")
        try:
            moment = EPOCH + timedelta(microseconds=int(match.group(1)))
        except OverflowError as error:
            raise BadPageRequest("This page link points outside the archive.") from error
        return cls(moment, int(match.group(2)))

    @classmethod
    def after(cls, article: Card) -> Cursor:
        """Return the cursor just past an article's card."""
        return cls(article.updated_at, article.id)


@dataclass(frozen=True)
class CategoryRef:
    """A card's category: its name and the path its page lives at."""

    name: str
    path: str


@dataclass(frozen=True)
class TagRef:
    """A card's tag: its name and slug."""

    name: str
    slug: str


@dataclass(frozen=True)
class Card:
    """What one card in a listing shows, read as plain rows (no ORM objects on the hot path)."""

    id: int
    slug: str
    title: str
    excerpt: str
    lang: str
    reading_minutes: int
    updated_at: datetime
    category: CategoryRef | None
    tags: list[TagRef]


@dataclass(frozen=True)
class Page:
    """One page of cards and the cursor of the next page, if there is one."""

    articles: list[Card]
    next_cursor: str | None


def everything() -> list:
    """Return the criteria of the main listing: every published article not in the trash."""
    return [Article.status == PUBLISHED, Article.deleted_at.is_(None)]


def in_category(category: Category) -> list:
    """Return the criteria for published articles in a category or any category below it."""
    return [*everything(), Article.category_id.in_(descendant_ids(category))]


def with_tag(tag: Tag) -> list:
    """Return the criteria for published articles carrying a tag."""
    tagged = select(article_tags.c.article_id).where(article_tags.c.tag_id == tag.id)
    return [*everything(), Article.id.in_(tagged)]


def _cards(criteria: list) -> Select:
    """Select the card columns of matching articles, newest update first."""
    return (
        select(*CARD_COLUMNS)
        .outerjoin(Category, Article.category_id == Category.id)
        .where(*criteria)
        .order_by(Article.updated_at.desc(), Article.id.desc())
    )


def cards_from_rows(rows: list) -> list[Card]:
    """Build cards from card-column rows, loading every card's tags in one query."""
    tags: dict[int, list[TagRef]] = {row.id: [] for row in rows}
    if tags:
        tag_rows = db.session.execute(
            select(article_tags.c.article_id, Tag.name, Tag.slug)
            .join(Tag, Tag.id == article_tags.c.tag_id)
            .where(article_tags.c.article_id.in_(list(tags)))
            .order_by(Tag.name)
        )
        for article_id, name, slug in tag_rows:
            tags[article_id].append(TagRef(name, slug))
    return [
        Card(
            id=row.id,
            slug=row.slug,
            title=row.title,
            excerpt=row.excerpt,
            lang=row.lang,
            reading_minutes=row.reading_minutes,
            updated_at=row.updated_at,
            category=CategoryRef(row.category_name, row.category_path)
            if row.category_path
            else None,
            tags=tags[row.id],
        )
        for row in rows
    ]


def _fetch(statement: Select, limit: int) -> Page:
    rows = db.session.execute(statement.limit(limit + 1)).all()
    more = len(rows) > limit
    cards = cards_from_rows(rows[:limit])
    next_cursor = Cursor.after(cards[-1]).encode() if more and cards else None
    return Page(cards, next_cursor)


def page_after(criteria: list, cursor: str | None, limit: int) -> Page:
    """Return the page that follows a cursor (or the first page): same cost at any depth."""
    statement = _cards(criteria)
    if cursor:
        position = Cursor.decode(cursor)
        statement = statement.where(
            # The plain range bound lets the index seek straight to the cursor; the OR alone
            # would make the database walk every entry before it.
            Article.updated_at <= position.updated_at,
            or_(
                Article.updated_at < position.updated_at,
                and_(Article.updated_at == position.updated_at, Article.id < position.article_id),
            ),
        )
    return _fetch(statement, limit)


def page_number(criteria: list, number: int, limit: int) -> Page:
    """Return numbered page `number` (from 1), for the no-JavaScript page links."""
    if not 1 <= number <= MAX_PAGE_NUMBER:
        raise BadPageRequest("There is no page with that number.")
    # Skip rows in the index alone, then load only the page's articles.
    ids = (
        select(Article.id)
        .where(*criteria)
        .order_by(Article.updated_at.desc(), Article.id.desc())
        .offset((number - 1) * limit)
        .limit(limit + 1)
    )
    return _fetch(_cards([Article.id.in_(ids)]), limit)


def count(criteria: list) -> int:
    """Return how many articles match listing criteria."""
    return db.session.scalar(select(func.count(Article.id)).where(*criteria)) or 0
