"""Each account's admin language

users.language is the language of an author's admin pages ("zh", "en"); NULL follows
the site's SITE_LANG.

Revision ID: 5e0b7d3a91c2
Revises: 8d2f6a1c9e54
Create Date: 2026-12-06 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "5e0b7d3a91c2"
down_revision = "8d2f6a1c9e54"
branch_labels = None
depends_on = None


def upgrade():
    """Add users.language."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    """Drop it again."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
