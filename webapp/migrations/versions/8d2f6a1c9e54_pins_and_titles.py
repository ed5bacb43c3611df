"""Pin order, the home listing's index and the title index

Pinned articles are shown above LATEST UPDATES, higher pin_order first; the listing below
them leaves them out and is paged and counted from ix_articles_home alone. Uploads match
an article by its title when slug and file name do not (ix_articles_title).

Revision ID: 8d2f6a1c9e54
Revises: a3f9c2d41e07
Create Date: 2026-12-06 07:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "8d2f6a1c9e54"
down_revision = "a3f9c2d41e07"
branch_labels = None
depends_on = None


def upgrade():
    """Add articles.pin_order and the two indexes."""
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pin_order", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            "ix_articles_home",
            ["pinned", "status", "deleted_at", "updated_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_articles_title", ["title"], unique=False)


def downgrade():
    """Drop them again."""
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_title")
        batch_op.drop_index("ix_articles_home")
        batch_op.drop_column("pin_order")
