"""Several authors: account roles, display names, author pages, each article's author

users.role is admin, editor or author; every account that existed is an admin (there
was one kind of account, which could do everything). users.slug is the author page's
address, made from the username; users.display_name the name readers see (empty: the
username); users.disabled_at marks an account that may no longer sign in.
articles.author_id names the article's author: existing articles go to the first admin
(the oldest account), or stay without one on a site with no account yet, shown then as
the site's author.

Revision ID: f3b8d1e6a5c4
Revises: 6c2d9e4f1a73
Create Date: 2026-12-08 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from webapp.content.slugs import slugify

revision = "f3b8d1e6a5c4"
down_revision = "6c2d9e4f1a73"
branch_labels = None
depends_on = None


def _slugs(usernames: list[tuple[int, str]]) -> dict[int, str]:
    """Return a unique author-page slug for each (id, username), oldest account first."""
    taken: set[str] = set()
    slugs = {}
    for user_id, username in usernames:
        base = slugify(username) or f"user-{user_id}"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs[user_id] = slug
    return slugs


def upgrade():
    """Add the columns, make every account an admin, give articles the first admin."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slug", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column("display_name", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), server_default="author", nullable=False)
        )
        batch_op.add_column(sa.Column("disabled_at", sa.DateTime(), nullable=True))
    bind = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("username", sa.String),
        sa.column("slug", sa.String),
        sa.column("role", sa.String),
    )
    rows = bind.execute(sa.select(users.c.id, users.c.username).order_by(users.c.id)).all()
    for user_id, slug in _slugs([(row.id, row.username) for row in rows]).items():
        bind.execute(users.update().where(users.c.id == user_id).values(slug=slug, role="admin"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("slug", existing_type=sa.String(length=80), nullable=False)
        batch_op.create_index(batch_op.f("ix_users_slug"), ["slug"], unique=True)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_articles_author_listing",
            ["author_id", "status", "deleted_at", "updated_at", "id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            "fk_articles_author_id_users", "users", ["author_id"], ["id"], ondelete="SET NULL"
        )
    if rows:
        articles = sa.table("articles", sa.column("author_id", sa.Integer))
        bind.execute(articles.update().values(author_id=rows[0].id))


def downgrade():
    """Drop them again: every account can do everything, articles have no author."""
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_constraint("fk_articles_author_id_users", type_="foreignkey")
        batch_op.drop_index("ix_articles_author_listing")
        batch_op.drop_column("author_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_slug"))
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("role")
        batch_op.drop_column("display_name")
        batch_op.drop_column("slug")
