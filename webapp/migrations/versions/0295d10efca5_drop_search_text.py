"""Drop articles.search_text, written but never read

Search reads search_documents and the index tables; this copy of each article's text
only cost a write per publish and a few KB per row.

Revision ID: 0295d10efca5
Revises: b6507fad4b91
Create Date: 2026-12-06 02:36:27.834660
"""

import sqlalchemy as sa
from alembic import op

revision = "0295d10efca5"
down_revision = "b6507fad4b91"
branch_labels = None
depends_on = None


def upgrade():
    """Drop the column (SQLite: by copying the table without it)."""
    with op.batch_alter_table("articles") as batch_op:
        batch_op.drop_column("search_text")


def downgrade():
    """Restore the column, empty (the previous version's `flask rerender` refills it)."""
    # Existing rows need a value for a NOT NULL column; the default goes once they have one.
    with op.batch_alter_table("articles") as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("articles") as batch_op:
        batch_op.alter_column("search_text", server_default=None)
