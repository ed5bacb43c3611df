"""Full-text search over published articles, on SQLite (FTS5) and PostgreSQL (tsvector).

indexer writes an article's rows (the article writer calls it) and reindex() rebuilds them; query's
search() returns ranked result cards with snippets, paged by cursor; schema creates the
database-specific index tables with db.create_all().
"""

from __future__ import annotations

from flask import Flask

from .indexer import ReindexResult, reindex
from .query import Results, SearchCard, SearchCursor, search
from .schema import register_ddl

__all__ = [
    "ReindexResult",
    "Results",
    "SearchCard",
    "SearchCursor",
    "init_app",
    "reindex",
    "search",
]


def init_app(app: Flask) -> None:
    """Hook the index's own tables into table creation (create_all, drop_all)."""
    register_ddl()
