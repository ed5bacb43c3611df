"""Native comments

comments holds readers' comments and the author's replies (pending, approved or spam),
comment_settings the author's one row of comment settings, comment_closures the articles
whose comments are closed.

Revision ID: c7a2e5f19b38
Revises: f3b8d1e6a5c4
Create Date: 2026-12-06 11:33:01.844427
"""

import sqlalchemy as sa
from alembic import op

revision = "c7a2e5f19b38"
down_revision = "f3b8d1e6a5c4"
branch_labels = None
depends_on = None


def upgrade():
    """Create comments, comment_settings and comment_closures."""
    op.create_table(
        "comment_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("auto_approve", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("approve_known", sa.Boolean(), nullable=False),
        sa.Column("notify_email", sa.String(length=254), nullable=True),
        sa.Column("blocklist", sa.Text(), nullable=False),
        sa.Column("close_after_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "comment_closures",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id"),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("owner_hash", sa.String(length=64), nullable=True),
        sa.Column("by_author", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("notify_replies", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("source_md", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["comments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_address", ["address", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_owner_hash"), ["owner_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_comments_status", ["status", "created_at", "id"], unique=False)
        batch_op.create_index("ix_comments_thread", ["article_id", "status", "id"], unique=False)


def downgrade():
    """Drop the comment tables."""
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_thread")
        batch_op.drop_index("ix_comments_status")
        batch_op.drop_index(batch_op.f("ix_comments_parent_id"))
        batch_op.drop_index(batch_op.f("ix_comments_owner_hash"))
        batch_op.drop_index(batch_op.f("ix_comments_email"))
        batch_op.drop_index("ix_comments_address")
    op.drop_table("comments")
    op.drop_table("comment_closures")
    op.drop_table("comment_settings")
