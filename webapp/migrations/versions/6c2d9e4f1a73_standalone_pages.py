"""Standalone pages beside the article stream

articles.kind is "article" or "page" (front matter `type: page`); pages have their own
address and stay out of listings, feeds, search and related links. ix_articles_kind finds
the few pages by kind alone. Rows uploaded earlier with `type: page` become pages now
(their stored front matter says so), with no re-upload.

Revision ID: 6c2d9e4f1a73
Revises: 3b7e2f91c4d8
Create Date: 2026-12-06 12:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

from webapp.content.metadata import PAGE_KIND, document_kind

revision = "6c2d9e4f1a73"
down_revision = "3b7e2f91c4d8"
branch_labels = None
depends_on = None


def upgrade():
    """Add articles.kind and its index; stored rows whose front matter says `type: page`
    are pages, the others articles."""
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="article", nullable=False)
        )
        batch_op.create_index("ix_articles_kind", ["kind", "status", "deleted_at"], unique=False)
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("front_matter", sa.JSON),
        sa.column("kind", sa.String),
    )
    bind = op.get_bind()
    pages = [
        row.id
        for row in bind.execute(sa.select(articles.c.id, articles.c.front_matter))
        if isinstance(row.front_matter, dict) and document_kind(row.front_matter) == PAGE_KIND
    ]
    if pages:
        bind.execute(articles.update().where(articles.c.id.in_(pages)).values(kind=PAGE_KIND))


def downgrade():
    """Drop them again: pages become articles."""
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_kind")
        batch_op.drop_column("kind")
