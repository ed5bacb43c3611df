"""Moving in: old addresses, pinned articles and cover images

Articles keep the addresses they had on Hexo, Jekyll or Hugo (and any their author adds),
may be pinned above the listing, and may have a cover image for cards and OpenGraph.

Revision ID: 4e8b3c6d2a17
Revises: dc415ed47852
Create Date: 2026-12-06 05:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "4e8b3c6d2a17"
down_revision = "dc415ed47852"
branch_labels = None
depends_on = None


def upgrade():
    """Add article_addresses, articles.pinned and articles.cover_url."""
    op.create_table(
        "article_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("path"),
    )
    with op.batch_alter_table("article_addresses", schema=None) as batch_op:
        batch_op.create_index("ix_article_addresses_article_id", ["article_id"], unique=False)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pinned", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("cover_url", sa.String(length=1000), nullable=True))


def downgrade():
    """Drop the addresses, pins and covers."""
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("cover_url")
        batch_op.drop_column("pinned")
    with op.batch_alter_table("article_addresses", schema=None) as batch_op:
        batch_op.drop_index("ix_article_addresses_article_id")
    op.drop_table("article_addresses")
