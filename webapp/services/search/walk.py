"""PostgreSQL search pages whose cost does not grow with the number of matches.

Ranking every match (query._ranked) reads each matching chunk and joins its article:
about 10 µs a match, so 300 ms for a word in a third of 100,000 articles. A page only
needs the first few in (tier, updated_at, id) order, so each tier is read here by walking
the visible articles newest first, through the listing index, and asking each one's
chunks (by primary key) whether it belongs to the tier, until the page is full. A tier
that fills in few steps (a common word) costs a few dozen probes; one that does not
within WALK_BUDGET articles is rare among them, so its matches are few overall and the
exact ranking, restricted to that tier, is cheap instead.

The first page's count is exact when the matches are few, and an estimate from the
newest SAMPLE_SIZE articles when the sample says there are many ("about 33,000").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from ...extensions import db
from ...models import Article
from .. import listing
from .schema import CHUNK_TABLE, CODE, PROSE, TITLE

# Articles a tier's walk may ask before it falls back to the exact ranking of that tier.
WALK_BUDGET = 400
# Newest articles whose matches estimate the count; past EXACT_COUNT_LIMIT estimated
# matches the count is an estimate, below it the matches are counted.
SAMPLE_SIZE = 300
EXACT_COUNT_LIMIT = 2000

_chunks = table(CHUNK_TABLE, column("article_id"), column("field"), column("terms"))


@dataclass(frozen=True)
class Count:
    """How many articles match: exact, or an estimate (`approximate`) when there are many."""

    value: int
    approximate: bool = False


def _has(article_id, term_query: str, fields: ColumnElement) -> ColumnElement:
    """Return "this article has the term in these fields", as a probe by primary key.

    A scalar subquery with LIMIT 1 is never flattened into a join, so PostgreSQL asks it
    per walked article instead of reading every match to hash them.
    """
    probe = (
        select(literal(1))
        .select_from(_chunks)
        .where(
            _chunks.c.article_id == article_id,
            fields,
            _chunks.c.terms.op("@@")(cast(literal(term_query), TSQUERY)),
        )
        .limit(1)
        .scalar_subquery()
    )
    return probe.is_not(None)


def _all_in(article_id, queries: list[str], fields: ColumnElement) -> ColumnElement:
    return and_(*(_has(article_id, query, fields) for query in queries))


def tier_condition(article_id, queries: list[str], tier: int) -> ColumnElement:
    """Return "the article ranks in this tier" (query.py's tiers), as probes."""
    field = _chunks.c.field
    in_title = _all_in(article_id, queries, field == TITLE)
    in_text = _all_in(article_id, queries, field <= PROSE)
    anywhere = _all_in(article_id, queries, field <= CODE)
    if tier == 0:
        return in_title
    if tier == 1:
        return and_(in_text, not_(in_title))
    return and_(anywhere, not_(in_text))


def hit_flags(article_id, queries: list[str]) -> tuple[ColumnElement, ColumnElement]:
    """Return (some term in the prose, some term in code or formulas) for snippets."""
    field = _chunks.c.field

    def flag(fields):
        return case((or_(*(_has(article_id, q, fields) for q in queries)), 1), else_=0)

    return flag(field == PROSE), flag(field == CODE)


def _window(after: tuple | None, size: int):
    """Select the newest `size` visible articles after (updated_at, id), as a subquery."""
    statement = select(Article.id, Article.status, Article.deleted_at, Article.updated_at).where(
        *listing.everything()
    )
    if after is not None:
        moment, ident = after
        statement = statement.where(
            Article.updated_at <= moment,
            or_(
                Article.updated_at < moment, and_(Article.updated_at == moment, Article.id < ident)
            ),
        )
    return statement.order_by(*listing.newest_first()).limit(size).subquery("walked")


def walk_tier(queries: list[str], tier: int, after: tuple | None, need: int) -> list | None:
    """Return up to `need` rows of a tier after (updated_at, id), newest first; None when
    the walk used its whole budget without filling the page (the tier is sparse)."""
    budget = WALK_BUDGET
    walked = _window(after, budget)
    prose_hit, code_hit = hit_flags(walked.c.id, queries)
    # The window's own order, so the walk stops at the `need`-th article of the tier.
    order = (walked.c.status.desc(), walked.c.deleted_at.desc(), walked.c.updated_at.desc())
    statement = (
        select(
            walked.c.id,
            walked.c.updated_at,
            literal(tier).label("tier"),
            prose_hit.label("prose_hit"),
            code_hit.label("code_hit"),
        )
        .where(tier_condition(walked.c.id, queries, tier))
        .order_by(*order, walked.c.id.desc())
        .limit(need)
    )
    rows = db.session.execute(statement).all()
    if len(rows) >= need or _fewer_than(after, budget):
        return rows
    return None


def title_tier(queries: list[str], after: tuple | None, need: int) -> list:
    """Return up to `need` title matches after (updated_at, id), newest first, read from
    the title chunks' own index: every term in the title (one chunk, one tsquery)."""
    both = " & ".join(f"( {query} )" for query in queries)
    # Read first and on their own (MATERIALIZED): the planner, misjudging how rare the
    # words are, would otherwise walk every visible article probing each title.
    titles = (
        select(_chunks.c.article_id)
        .where(
            # A literal, not a parameter: the planner must see it match the index's predicate.
            _chunks.c.field == literal_column(str(TITLE)),
            _chunks.c.terms.op("@@")(cast(literal(both), TSQUERY)),
        )
        .cte("titles")
        .prefix_with("MATERIALIZED")
    )
    prose_hit, code_hit = hit_flags(Article.id, queries)
    statement = select(
        Article.id,
        Article.updated_at,
        literal(0).label("tier"),
        prose_hit.label("prose_hit"),
        code_hit.label("code_hit"),
    ).where(*listing.everything(), Article.id.in_(select(titles.c.article_id)))
    if after is not None:
        moment, ident = after
        statement = statement.where(
            or_(Article.updated_at < moment, and_(Article.updated_at == moment, Article.id < ident))
        )
    return db.session.execute(statement.order_by(*listing.newest_first()).limit(need)).all()


def _fewer_than(after: tuple | None, size: int) -> bool:
    """Return whether fewer than `size` visible articles follow (updated_at, id)."""
    walked = _window(after, size)
    return (db.session.scalar(select(func.count()).select_from(walked)) or 0) < size


def estimate(queries: list[str]) -> Count | None:
    """Return an estimated count when the newest articles say the matches are many, else None.

    None means: count them exactly (they are few, or the sample covers every article).
    """
    sampled = _window(None, SAMPLE_SIZE)
    matched = select(
        func.count().label("walked"),
        func.count(case((_all_in(sampled.c.id, queries, _chunks.c.field <= CODE), 1))).label(
            "matched"
        ),
    ).select_from(sampled)
    walked, hits = db.session.execute(matched).one()
    if walked < SAMPLE_SIZE or hits == 0:
        return None
    guess = hits * _visible_estimate() / walked
    if guess < EXACT_COUNT_LIMIT:
        return None
    return Count(_two_figures(guess), approximate=True)


def _visible_estimate() -> float:
    """Return about how many articles are visible, without reading them all.

    Counting 100,000 visible rows takes 60 ms; the planner's own row count of the table
    (kept by autovacuum and ANALYZE) less the hidden ones (drafts and trash, few and
    read from index ranges) is near enough for an estimate. A table never analyzed has
    no row count yet: it is counted then.
    """
    rows = db.session.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = 'articles'::regclass")
    )
    if not rows or rows <= 0:
        return listing.count(listing.everything())
    hidden = db.session.scalar(select(func.count(Article.id)).where(listing.hidden())) or 0
    return max(rows - hidden, SAMPLE_SIZE)


def _two_figures(number: float) -> int:
    """Round to two significant figures: 33,223 -> 33,000, as an estimate is written."""
    digits = len(str(int(number))) - 2
    return int(round(number, -digits)) if digits > 0 else int(round(number))
