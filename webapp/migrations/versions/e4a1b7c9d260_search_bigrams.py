"""Chinese bigrams in the PostgreSQL search chunks

Each chunk of search_chunks now also holds its pairs of neighbouring Chinese characters
as lexemes, which two-character queries use (services/search/query.py). The chunks are
written again from search_documents; SQLite's FTS5 index does not change.

Revision ID: e4a1b7c9d260
Revises: 9c3e5a7b1d42
Create Date: 2026-12-06 10:10:00.000000
"""

from alembic import op

from webapp.services.search.indexer import rebuild_chunks

revision = "e4a1b7c9d260"
down_revision = "9c3e5a7b1d42"
branch_labels = None
depends_on = None


def upgrade():
    """Rewrite every article's chunks with their bigrams (PostgreSQL only)."""
    rebuild_chunks(op.get_bind())


def downgrade():
    """Leave the chunks: the bigram lexemes do not change what phrase queries find."""
