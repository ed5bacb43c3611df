"""Baseline: the tables init-db created before migrations, search index included

The tables are webapp.services.schema.baseline's frozen description of that schema (never
edited to follow the models), so the migration and the completion of an unversioned
database cannot drift apart. A database made by that init-db (tables but no version) is
completed to this schema and stamped with this revision by upgrade_database(), not
migrated.

Revision ID: b6507fad4b91
Revises:
Create Date: 2026-12-06 02:35:28.558741
"""

from alembic import op

from webapp.services.schema import baseline
from webapp.services.search.schema import create_index_tables, drop_index_tables

revision = "b6507fad4b91"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    """Create every table and index of the blog as it stood."""
    baseline.metadata.create_all(op.get_bind())
    # FTS5 on SQLite, search_chunks on PostgreSQL: DDL that no portable table describes.
    create_index_tables(op.get_bind())


def downgrade():
    """Drop everything the baseline created."""
    drop_index_tables(op.get_bind())
    baseline.metadata.drop_all(op.get_bind())
