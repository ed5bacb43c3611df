"""Server-side sign-in sessions

user_sessions holds one row per sign-in; the session cookie carries a random key whose
SHA-256 is stored here. Signing out or changing the password deletes the account's rows,
so a copied cookie stops working.

Revision ID: 9c3e5a7b1d42
Revises: 5e0b7d3a91c2
Create Date: 2026-12-08 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "9c3e5a7b1d42"
down_revision = "5e0b7d3a91c2"
branch_labels = None
depends_on = None


def upgrade():
    """Create user_sessions (sessions signed in before it are cookie-only: they end)."""
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)


def downgrade():
    """Drop user_sessions."""
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")
