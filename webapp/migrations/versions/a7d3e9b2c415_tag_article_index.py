"""A tag's articles by id, from one index

Related articles score only the most recently added articles of each tag
(services/navigation.py); (tag_id, article_id) gives them from the index alone. It
replaces the index on tag_id, which is its first column.

Revision ID: a7d3e9b2c415
Revises: f2c8d1a4b6e3
Create Date: 2026-12-06 12:50:00.000000
"""

from alembic import op

revision = "a7d3e9b2c415"
down_revision = "f2c8d1a4b6e3"
branch_labels = None
depends_on = None


def upgrade():
    """Replace the tag_id index with (tag_id, article_id)."""
    op.create_index("ix_article_tags_tag_article", "article_tags", ["tag_id", "article_id"])
    op.drop_index("ix_article_tags_tag_id", table_name="article_tags")


def downgrade():
    """Put the tag_id index back."""
    op.create_index("ix_article_tags_tag_id", "article_tags", ["tag_id"])
    op.drop_index("ix_article_tags_tag_article", table_name="article_tags")
