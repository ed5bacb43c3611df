"""A GIN index over the title chunks alone

Search pages rank title matches first. When few of the newest articles match in their
title, the title matches are read from this index alone (services/search/walk.py),
without visiting every chunk that holds the words. PostgreSQL only.

Revision ID: f2c8d1a4b6e3
Revises: e4a1b7c9d260
Create Date: 2026-12-06 12:15:00.000000
"""

from alembic import op

from webapp.services.search.schema import TITLE_INDEX

revision = "f2c8d1a4b6e3"
down_revision = "e4a1b7c9d260"
branch_labels = None
depends_on = None


def upgrade():
    """Create the title index (PostgreSQL only)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TITLE_INDEX)


def downgrade():
    """Drop the title index (PostgreSQL only)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_chunks_titles")
