"""Private preview links of drafts and scheduled articles

articles.preview_key is the secret a preview link's signature depends on (None: no link),
articles.preview_issued_at when the link was issued, which its expiry counts from.

Revision ID: 3b7e2f91c4d8
Revises: a7d3e9b2c415
Create Date: 2026-12-06 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "3b7e2f91c4d8"
down_revision = "a7d3e9b2c415"
branch_labels = None
depends_on = None


def upgrade():
    """Add the two columns; no article has a link yet."""
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preview_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("preview_issued_at", sa.DateTime(), nullable=True))


def downgrade():
    """Drop them again: every preview link stops working."""
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("preview_issued_at")
        batch_op.drop_column("preview_key")
