"""Full-text search over published articles, on SQLite (FTS5) and PostgreSQL (tsvector).

indexer keeps the index in the article's transaction and reindex() rebuilds it; query's
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
    """Hook the index into table creation and into every session flush."""
    from .indexer import register_session_events

    register_ddl()
    register_session_events()
