"""Search queries: matching articles as cards, best match first, with snippets.

Every term (searchtext.parse_query) must match, each in any field. The database lists
(article, field, term) hits; one query groups them per article and ranks:

    tier 0  every term is in the title
    tier 1  every term is in the title or the prose
    tier 2  some term only in code or formulas

then updated_at and id, newest first: the same order on SQLite and PostgreSQL. Pages
follow a cursor on (tier, updated_at, id), like the listing's.

What the reader typed never reaches the database as syntax: the FTS5 MATCH string and
the tsquery are built here from tokens, each quoted, and passed as bound parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import (
    Select,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from ...content.language import is_chinese
from ...content.searchtext import SearchFields, Term, parse_query
from ...content.snippet import Parts, Snippet, make_snippet, mark
from ...extensions import db
from ...models import Article, Category, SearchDocument
from .. import listing
from . import walk
from .indexer import bigrams
from .schema import CHUNK_TABLE, CODE, FIELD_NAMES, FTS_TABLE, PROSE, TITLE
from .walk import Count

_CURSOR = re.compile(r"([0-2])-(\d{1,18})-(\d{1,18})")


@dataclass(frozen=True)
class SearchCursor:
    """The position after the last result a reader has seen: (tier, updated_at, id)."""

    tier: int
    updated_at: datetime
    article_id: int

    def encode(self) -> str:
        """Return the URL form: tier, microseconds since 1970, article id, dash-separated."""
        micros = (self.updated_at - listing.EPOCH) // timedelta(microseconds=1)
        return f"{self.tier}-{micros}-{self.article_id}"

    @classmethod
    def decode(cls, text: str) -> SearchCursor:
        """Parse the URL form; raise listing.BadPageRequest when it is not one."""
        match = _CURSOR.fullmatch(text or "")
        if not match:
            raise listing.BadPageRequest(_("This page link is malformed."))
        try:
            moment = listing.EPOCH + timedelta(microseconds=int(match.group(2)))
        except OverflowError as error:
            raise listing.BadPageRequest(_("This page link points outside the archive.")) from error
        return cls(int(match.group(1)), moment, int(match.group(3)))


@dataclass(frozen=True)
class SearchCard(listing.Card):
    """A result card: a listing card plus its marked title and snippet."""

    title_parts: Parts | None = None
    snippet: Snippet | None = None


@dataclass(frozen=True)
class Results:
    """One page of results; `total` is counted (or estimated) on the first page only."""

    terms: list[Term]
    page: listing.Page
    total: int | None
    approximate: bool = False  # total is an estimate ("about 33,000"): there are many


def _sqlite_hits(terms: list[Term]) -> list[Select]:
    index = table(FTS_TABLE)
    selects = []
    for number, term in enumerate(terms):
        phrase = '"' + " ".join(term.tokens) + '"'
        for field, name in enumerate(FIELD_NAMES):
            selects.append(
                select(
                    literal_column("rowid").label("article_id"),
                    literal_column(str(field)).label("field"),
                    literal_column(str(number)).label("term"),
                )
                .select_from(index)
                .where(literal_column(FTS_TABLE).match(f"{{{name}}} : {phrase}"))
            )
    return selects


def _quoted(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(tokens: tuple[str, ...]) -> str:
    """Return the tsquery text of a phrase of tokens, through its Chinese bigrams if any.

    Every chunk holds its bigrams (indexer.tsvector_chunks), so a two-character phrase is
    one bigram: the index alone answers it, with no positions to check. A longer phrase
    keeps its exact <-> form, ANDed with its bigrams, so that only chunks holding all of
    them have their positions checked. Either way the same chunks match.
    """
    phrase = " <-> ".join(_quoted(token) for token in tokens)
    pairs = bigrams(list(tokens))
    if len(tokens) == 2 and pairs:
        return _quoted(pairs[0])
    if pairs:
        return " & ".join([*map(_quoted, pairs), f"( {phrase} )"])
    return phrase


def _postgresql_hits(terms: list[Term]) -> list[Select]:
    chunks = table(CHUNK_TABLE, column("article_id"), column("field"), column("terms"))
    selects = []
    for number, term in enumerate(terms):
        query = tsquery(term.tokens)
        selects.append(
            select(
                chunks.c.article_id,
                chunks.c.field,
                literal_column(str(number)).label("term"),
            ).where(chunks.c.terms.op("@@")(cast(literal(query), TSQUERY)))
        )
    return selects


def _ranked(terms: list[Term]) -> Select:
    """Select the visible matching articles' sort keys (tier, updated_at, id) and hit fields."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        selects = _sqlite_hits(terms)
    elif dialect == "postgresql":
        selects = _postgresql_hits(terms)
    else:
        raise NotImplementedError(f"search is not available on {dialect}")
    hits = union_all(*selects).subquery("hits")

    def flag(condition):
        return func.max(case((condition, 1), else_=0))

    # Per term: is it anywhere, in the title, in the title or prose (1 or 0). Plain max()
    # flags, summed afterwards, cost less than COUNT(DISTINCT …) (no temporary b-trees).
    per_term = []
    for number in range(len(terms)):
        term = hits.c.term == number
        per_term += [
            flag(term).label(f"any{number}"),
            flag(and_(term, hits.c.field == TITLE)).label(f"title{number}"),
            flag(and_(term, hits.c.field <= PROSE)).label(f"text{number}"),
        ]
    scored = (
        select(
            hits.c.article_id,
            *per_term,
            flag(hits.c.field == PROSE).label("prose_hit"),
            flag(hits.c.field == CODE).label("code_hit"),
        )
        .group_by(hits.c.article_id)
        .subquery("scored")
    )
    count = len(terms)

    def terms_with(name: str):
        return sum((scored.c[f"{name}{number}"] for number in range(count)), literal_column("0"))

    tier = case((terms_with("title") == count, 0), (terms_with("text") == count, 1), else_=2)
    # Only the sort keys here: the wide card columns are read for one page, not every match.
    return (
        select(
            Article.id,
            Article.updated_at,
            tier.label("tier"),
            scored.c.prose_hit,
            scored.c.code_hit,
        )
        .select_from(scored)
        .join(Article, Article.id == scored.c.article_id)
        .where(terms_with("any") == count, *listing.everything())
    )


def _after(ranked, position: SearchCursor):
    """Return the condition "ranked after the cursor" in (tier, updated_at desc, id desc)."""
    return or_(
        ranked.c.tier > position.tier,
        and_(
            ranked.c.tier == position.tier,
            or_(
                ranked.c.updated_at < position.updated_at,
                and_(
                    ranked.c.updated_at == position.updated_at,
                    ranked.c.id < position.article_id,
                ),
            ),
        ),
    )


def search(query: str, cursor: str | None, limit: int) -> Results:
    """Return the page of results for what a reader typed, after a cursor (or the first)."""
    position = SearchCursor.decode(cursor) if cursor else None
    terms = parse_query(query)
    if not terms:
        return Results(terms, listing.Page([], None), 0)
    if db.session.get_bind().dialect.name == "postgresql":
        rows, count = _postgresql_page(terms, position, limit + 1)
    else:
        rows = _execute(_page_statement(terms, position, limit))
        count = Count(rows[0].total if rows else 0) if position is None else None
    shown = rows[:limit]
    cards = _result_cards(shown, terms)
    next_cursor = None
    if len(rows) > limit and shown:
        last = shown[-1]
        next_cursor = SearchCursor(last.tier, last.updated_at, last.id).encode()
    total = count.value if count else None
    return Results(
        terms, listing.Page(cards, next_cursor), total, bool(count and count.approximate)
    )


def _postgresql_page(
    terms: list[Term], position: SearchCursor | None, need: int
) -> tuple[list, Count | None]:
    """Return up to `need` result rows after a cursor, tier by tier (walk.py), and the
    first page's count."""
    queries = [tsquery(term.tokens) for term in terms]
    keys: list = []
    for tier in range(position.tier if position else 0, 3):
        after = None
        if position is not None and tier == position.tier:
            after = (position.updated_at, position.article_id)
        wanted = need - len(keys)
        found = walk.walk_tier(queries, tier, after, wanted)
        if found is None:
            rare = walk.title_tier(queries, after, wanted) if tier == 0 else None
            found = rare if rare is not None else _exact_tier(terms, tier, after, wanted)
        keys += found
        if len(keys) >= need:
            break
    count = None
    if position is None:
        count = walk.estimate(queries) or Count(_exact_count(terms))
    return _with_card_columns(keys), count


def _exact_tier(terms: list[Term], tier: int, after: tuple | None, need: int) -> list:
    """Return up to `need` rows of one tier after (updated_at, id), ranking every match."""
    ranked = _ranked(terms).subquery("ranked")
    statement = select(ranked).where(ranked.c.tier == tier)
    if after is not None:
        moment, ident = after
        statement = statement.where(
            or_(
                ranked.c.updated_at < moment,
                and_(ranked.c.updated_at == moment, ranked.c.id < ident),
            )
        )
    order = (ranked.c.updated_at.desc(), ranked.c.id.desc())
    return _execute(statement.order_by(*order).limit(need))


def _exact_count(terms: list[Term]) -> int:
    """Return how many visible articles match, counting every one."""
    ranked = _ranked(terms).subquery("ranked")
    return _execute(select(func.count()).select_from(ranked))[0][0]


def _with_card_columns(keys: list) -> list:
    """Return the page's rows: each key row (id, updated_at, tier, hits) with its card's
    columns, read for these articles only."""
    if not keys:
        return []
    found = {
        row.id: row
        for row in db.session.execute(
            select(*listing.CARD_COLUMNS)
            .outerjoin(Category, Article.category_id == Category.id)
            .where(Article.id.in_([key.id for key in keys]))
        )
    }
    return [
        SimpleNamespace(**found[key.id]._mapping, **{name: key._mapping[name] for name in _KEYS})
        for key in keys
        if key.id in found
    ]


_KEYS = ("tier", "prose_hit", "code_hit")


def _execute(statement: Select) -> list:
    """Run the page query; on PostgreSQL, through the GIN index whatever the planner guesses.

    The planner prices `tsvector @@ tsquery` as one cheap operator and picks a sequential
    scan once a token is in a third of the chunks (的, 是, the). That scan unpacks every
    TOASTed tsvector: 85 ms on the 10,000-article bench, against 7 ms through the index,
    which is never the slower path here. The setting is put back after this one query.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return db.session.execute(statement).all()
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    rows = db.session.execute(statement).all()
    # (Should the query fail, the rollback that follows puts the setting back itself.)
    db.session.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))
    return rows


def _page_statement(terms: list[Term], position: SearchCursor | None, limit: int) -> Select:
    """Select one page of result rows (limit + 1, to tell whether more follow)."""
    ranked = _ranked(terms).subquery("ranked")
    # The first page also counts every match (a window over narrow rows, in the same query).
    total = func.count().over() if position is None else literal_column("NULL")
    order = (ranked.c.tier, ranked.c.updated_at.desc(), ranked.c.id.desc())
    keys = select(ranked, total.label("total")).order_by(*order).limit(limit + 1)
    if position is not None:
        keys = keys.where(_after(ranked, position))
    page = keys.subquery("page")
    return (
        select(*listing.CARD_COLUMNS, page.c.tier, page.c.prose_hit, page.c.code_hit, page.c.total)
        .select_from(page)
        .join(Article, Article.id == page.c.id)
        .outerjoin(Category, Article.category_id == Category.id)
        .order_by(page.c.tier, page.c.updated_at.desc(), page.c.id.desc())
    )


def _result_cards(rows: list, terms: list[Term]) -> list[SearchCard]:
    """Build result cards: listing cards with the title marked and a snippet."""
    if not rows:
        return []
    table_ = SearchDocument.__table__
    documents = {
        row.article_id: SearchFields(row.title, row.prose, row.code, row.math)
        for row in db.session.execute(
            select(table_).where(table_.c.article_id.in_([row.id for row in rows]))
        )
    }
    names = [field.name for field in fields(listing.Card)]
    cards = []
    for row, card in zip(rows, listing.cards_from_rows(rows), strict=True):
        document = documents.get(row.id)
        # Look only where the database found a term: no walk through text that has none.
        where = ("prose",) * bool(row.prose_hit) + ("code", "math") * bool(row.code_hit)
        chinese = is_chinese(card.lang)
        snippet = make_snippet(document, terms, where, chinese) if document else None
        cards.append(
            SearchCard(
                **{name: getattr(card, name) for name in names},
                title_parts=mark(card.title, terms),
                snippet=snippet,
            )
        )
    return cards
