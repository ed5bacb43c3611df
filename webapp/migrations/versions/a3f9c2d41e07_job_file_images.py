"""A job's per-file report says what became of each document's remote images

Revision ID: a3f9c2d41e07
Revises: 4e8b3c6d2a17
Create Date: 2026-12-06 06:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a3f9c2d41e07"
down_revision = "4e8b3c6d2a17"
branch_labels = None
depends_on = None


def upgrade():
    """Add job_files.images (NULL in the rows of older jobs: nothing to say)."""
    with op.batch_alter_table("job_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("images", sa.JSON(), nullable=True))


def downgrade():
    """Drop job_files.images."""
    with op.batch_alter_table("job_files", schema=None) as batch_op:
        batch_op.drop_column("images")
