"""The database's own full-text index beside search_documents: FTS5 or tsvector chunks.

Neither fits a portable SQLAlchemy table (a virtual table; a tsvector column), so their
DDL runs from the metadata's create/drop events: every db.create_all() (init-db, the test
fixtures, bench) creates them, every db.drop_all() removes them first.

SQLite: one FTS5 row per article (rowid = article id) with columns title, prose and code
(code blocks and formula sources). The text stored is searchtext.prepare()'s: tokens
joined by spaces. The 'ascii' tokenizer then only splits on those spaces (every non-ASCII
character is a token character to it, and our tokens hold no ASCII punctuation), where
'unicode61' would classify characters again by Unicode 6.1 categories: it splits at
combining marks and at characters newer than 6.1, which PostgreSQL would not.

PostgreSQL: the same tokens, as tsvector values written literally ('tok':1,2 …), so
PostgreSQL's parser and dictionaries never touch them, split into overlapping chunks (see
indexer.tsvector_chunks) because a tsvector keeps at most 256 positions per lexeme and
positions up to 16,383: one long article must match exactly as it does in FTS5.
"""

from __future__ import annotations

from sqlalchemy import Connection, event

from ...extensions import db

FTS_TABLE = "search_index"
CHUNK_TABLE = "search_chunks"
# Field numbers, shared by both databases' queries: tier ranking compares them.
TITLE, PROSE, CODE = 0, 1, 2
FIELD_NAMES = ("title", "prose", "code")
# Title matches alone, without the prose and code chunks that hold the same words
# (walk.py reads title matches from it when they are rare among the newest articles).
TITLE_INDEX = (
    f"CREATE INDEX IF NOT EXISTS ix_{CHUNK_TABLE}_titles ON {CHUNK_TABLE} "
    f"USING gin (terms) WHERE field = {TITLE}"
)

_CREATE = {
    "sqlite": [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} "
        "USING fts5(title, prose, code, tokenize = 'ascii')",
    ],
    "postgresql": [
        f"CREATE TABLE IF NOT EXISTS {CHUNK_TABLE} ("
        " article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,"
        " field SMALLINT NOT NULL,"
        " chunk INTEGER NOT NULL,"
        " terms TSVECTOR NOT NULL,"
        " PRIMARY KEY (article_id, field, chunk))",
        f"CREATE INDEX IF NOT EXISTS ix_{CHUNK_TABLE}_terms ON {CHUNK_TABLE} USING gin (terms)",
        TITLE_INDEX,
    ],
}
_DROP = {
    "sqlite": [f"DROP TABLE IF EXISTS {FTS_TABLE}"],
    "postgresql": [f"DROP TABLE IF EXISTS {CHUNK_TABLE}"],
}


def create_index_tables(connection: Connection) -> None:
    """Create this database's index tables if they are missing."""
    for statement in _CREATE.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


def drop_index_tables(connection: Connection) -> None:
    """Drop this database's index tables (they refer to articles, so before articles go)."""
    for statement in _DROP.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


def _after_create(target, connection: Connection, **kw) -> None:
    create_index_tables(connection)


def _before_drop(target, connection: Connection, **kw) -> None:
    drop_index_tables(connection)


def register_ddl() -> None:
    """Have create_all()/drop_all() create and drop the index tables (once per process)."""
    if not event.contains(db.metadata, "after_create", _after_create):
        event.listen(db.metadata, "after_create", _after_create)
        event.listen(db.metadata, "before_drop", _before_drop)
