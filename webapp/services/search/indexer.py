"""Write the search index: the rows of an article, in the article's own transaction.

The article writer (services/publishing/writer.py) writes an article's rows with the
article, from the fields derived when it was rendered; emptying the trash removes them.
Status and trash are not indexed: queries join articles and apply listing.everything(),
so unpublishing or trashing hides an article at once and restoring brings it back.

Bulk SQL that bypasses the writer (bench/fill.py's Core inserts) needs `flask reindex`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, func, insert, select, text

from ...content.searchtext import (
    MAX_TERM_TOKENS,
    SearchFields,
    fields_from_html,
    is_spaceless,
    tokens,
)
from ...extensions import db
from ...models import Article, SearchDocument
from .. import listing
from .schema import CHUNK_TABLE, CODE, FTS_TABLE, PROSE, TITLE, create_index_tables

# PostgreSQL chunks: at most this many tokens, and never more than 256 positions of one
# lexeme (tsvector drops the rest). Consecutive chunks overlap by the longest phrase a
# query can hold, less one, so every phrase occurrence lies whole inside some chunk.
CHUNK_TOKENS = 2000
MAX_POSITIONS = 256
OVERLAP = MAX_TERM_TOKENS - 1
REINDEX_BATCH = 200


def field_tokens(fields: SearchFields) -> tuple[list[str], list[str], list[str]]:
    """Return the token lists indexed for title, prose and code (code blocks, then math)."""
    return tokens(fields.title), tokens(fields.prose), tokens(fields.code) + tokens(fields.math)


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def bigrams(words: list[str]) -> list[str]:
    """Return each pair of neighbouring Chinese (Han, kana, Hangul) tokens, joined, once.

    A joined pair can never be a token itself (each such character is a token of its
    own), so as a lexeme it means exactly "these two characters, next to each other".
    """
    pairs = (a + b for a, b in zip(words, words[1:], strict=False))
    return list(dict.fromkeys(p for p in pairs if is_spaceless(p[0]) and is_spaceless(p[1])))


def tsvector_chunks(words: list[str]) -> list[str]:
    """Return tsvector literals for overlapping chunks of a token list (none if empty).

    Each chunk also holds its Chinese bigrams as lexemes without positions: the GIN index
    answers a two-character query from them alone, where the phrase 梯 <-> 度 has to read
    and check the positions in every chunk that holds both characters (query.py).
    """
    chunks: list[str] = []
    start = 0
    while start < len(words):
        positions: dict[str, list[int]] = {}
        end = start
        while end < len(words) and end - start < CHUNK_TOKENS:
            seen = positions.setdefault(words[end], [])
            if len(seen) == MAX_POSITIONS:
                break
            seen.append(end - start + 1)
            end += 1
        lexemes = [f"{_lexeme(word)}:{','.join(map(str, at))}" for word, at in positions.items()]
        lexemes += [_lexeme(pair) for pair in bigrams(words[start:end])]
        chunks.append(" ".join(lexemes))
        if end >= len(words):
            break
        # A chunk always holds more than OVERLAP tokens (it stops at 256 repeats at the
        # earliest), so this moves forward.
        start = end - OVERLAP
    return chunks


def remove_documents(connection: Connection, article_ids: Iterable[int]) -> None:
    """Delete the search rows of these articles."""
    ids = list(article_ids)
    if not ids:
        return
    table = SearchDocument.__table__
    connection.execute(delete(table).where(table.c.article_id.in_(ids)))
    dialect = connection.dialect.name
    if dialect == "sqlite":
        statement = text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN :ids")
    elif dialect == "postgresql":
        statement = text(f"DELETE FROM {CHUNK_TABLE} WHERE article_id IN :ids")
    else:
        return
    connection.execute(statement.bindparams(bindparam("ids", expanding=True)), {"ids": ids})


def write_documents(connection: Connection, documents: list[tuple[int, SearchFields]]) -> None:
    """Replace the search rows of these (article id, fields) pairs."""
    if not documents:
        return
    remove_documents(connection, [article_id for article_id, _ in documents])
    connection.execute(
        insert(SearchDocument.__table__),
        [{"article_id": article_id, **fields._asdict()} for article_id, fields in documents],
    )
    dialect = connection.dialect.name
    if dialect == "sqlite":
        rows = []
        for article_id, fields in documents:
            title, prose, code = (" ".join(words) for words in field_tokens(fields))
            rows.append({"id": article_id, "title": title, "prose": prose, "code": code})
        connection.execute(
            text(
                f"INSERT INTO {FTS_TABLE} (rowid, title, prose, code) "
                "VALUES (:id, :title, :prose, :code)"
            ),
            rows,
        )
    elif dialect == "postgresql":
        _insert_chunks(connection, documents)


def _insert_chunks(connection: Connection, documents: list[tuple[int, SearchFields]]) -> None:
    rows = [
        {"id": article_id, "field": field, "chunk": number, "terms": literal}
        for article_id, fields in documents
        for field, words in zip((TITLE, PROSE, CODE), field_tokens(fields), strict=True)
        for number, literal in enumerate(tsvector_chunks(words))
    ]
    if rows:
        connection.execute(
            text(
                f"INSERT INTO {CHUNK_TABLE} (article_id, field, chunk, terms) "
                "VALUES (:id, :field, :chunk, CAST(:terms AS tsvector))"
            ),
            rows,
        )


def rebuild_chunks(connection: Connection) -> int:
    """Write every article's PostgreSQL chunks again from its stored search fields.

    For a change in what a chunk holds (the bigrams): search_documents keeps each
    article's four fields, so no HTML is read again. Return the articles rewritten.
    """
    if connection.dialect.name != "postgresql":
        return 0
    table = SearchDocument.__table__
    ids = list(connection.scalars(select(table.c.article_id).order_by(table.c.article_id)))
    for offset in range(0, len(ids), REINDEX_BATCH):
        batch = ids[offset : offset + REINDEX_BATCH]
        rows = connection.execute(select(table).where(table.c.article_id.in_(batch)))
        documents = [
            (row.article_id, SearchFields(row.title, row.prose, row.code, row.math)) for row in rows
        ]
        connection.execute(
            text(f"DELETE FROM {CHUNK_TABLE} WHERE article_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": batch},
        )
        _insert_chunks(connection, documents)
    return len(ids)


@dataclass
class ReindexResult:
    """What `flask reindex` did."""

    indexed: int
    searchable: int
    removed: int


def reindex(progress: Callable[[int, int], None] | None = None) -> ReindexResult:
    """Rebuild every article's search rows from its stored title and HTML, in batches.

    Each batch commits on its own, and rows are replaced in place, so search keeps
    answering (with the old rows) while a long rebuild runs.
    """
    create_index_tables(db.session.connection())
    ids = list(db.session.scalars(select(Article.id).order_by(Article.id)))
    for offset in range(0, len(ids), REINDEX_BATCH):
        batch = ids[offset : offset + REINDEX_BATCH]
        rows = db.session.execute(
            select(Article.id, Article.title, Article.html).where(Article.id.in_(batch))
        )
        documents = [(row.id, fields_from_html(row.title, row.html)) for row in rows]
        write_documents(db.session.connection(), documents)
        db.session.commit()
        if progress:
            progress(min(offset + REINDEX_BATCH, len(ids)), len(ids))
    removed = _remove_orphans(db.session.connection())
    dialect = db.session.connection().dialect.name
    if dialect == "sqlite":
        # Merge the index segments the batches left behind: fewer b-trees per query.
        db.session.execute(text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')"))
    elif dialect == "postgresql":
        # Fresh statistics: with none (a new database, autovacuum off) the planner expects
        # one row everywhere and joins every match against every article.
        db.session.execute(text(f"ANALYZE {CHUNK_TABLE}, search_documents, articles"))
    db.session.commit()
    searchable = db.session.scalar(select(func.count(Article.id)).where(*listing.everything()))
    return ReindexResult(len(ids), searchable or 0, removed)


def _remove_orphans(connection: Connection) -> int:
    """Delete search rows whose article is gone (a row id reused, rows left by bulk SQL)."""
    table = SearchDocument.__table__
    known = select(Article.id)
    removed = connection.execute(delete(table).where(table.c.article_id.not_in(known))).rowcount
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.exec_driver_sql(
            f"DELETE FROM {FTS_TABLE} WHERE rowid NOT IN (SELECT id FROM articles)"
        )
    elif dialect == "postgresql":
        connection.exec_driver_sql(
            f"DELETE FROM {CHUNK_TABLE} WHERE article_id NOT IN (SELECT id FROM articles)"
        )
    return removed or 0
