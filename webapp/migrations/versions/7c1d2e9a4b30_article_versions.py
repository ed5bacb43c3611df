"""Article versions

An article's version moves on with each write of its content, so two writers updating
one article at once cannot interleave: the second finds it moved and reads it again.

Revision ID: 7c1d2e9a4b30
Revises: 0295d10efca5
Create Date: 2026-12-06 02:49:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "7c1d2e9a4b30"
down_revision = "0295d10efca5"
branch_labels = None
depends_on = None


def upgrade():
    """Give every article version 0."""
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    """Drop the article versions."""
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("version")
