"""The schema of the baseline revision, frozen: what init-db built before migrations existed.

A database made by init-db before the blog used Alembic has these tables but no version;
complete() gives it whatever of them it lacks (older versions of the blog made fewer
columns and indexes), so that it can be stamped with the baseline revision and upgraded
from there. Never edit this module to follow the models: it describes the past.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.schema import CreateColumn

from ..search.schema import create_index_tables

REVISION = "b6507fad4b91"

metadata = MetaData()

Table(
    "assets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("mime_type", String(100), nullable=False),
    Column("extension", String(10), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
)
Table(
    "categories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("path", String(1000), nullable=False, unique=True),
    Column("parent_id", ForeignKey("categories.id")),
)
Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False),
    Column("address", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_login_failures_lookup", "username", "address", "created_at"),
)
Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(200), nullable=False, unique=True),
)
Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime, nullable=False),
)
Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
)
Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("title", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("lang", String(35), nullable=False),
    Column("word_count", Integer, nullable=False),
    Column("reading_minutes", Integer, nullable=False),
    Column("render_version", Integer, nullable=False),
    Column("published_at", DateTime, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("rendered_at", DateTime, nullable=False),
    Column("deleted_at", DateTime),
    Column("category_id", ForeignKey("categories.id")),
    Column("source_filename", String(500), index=True),
    Column("source_hash", String(64), nullable=False),
    Column("excerpt", Text, nullable=False),
    Column("front_matter", JSON, nullable=False),
    Column("toc_html", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("source_md", Text, nullable=False),
    Column("feed_html", Text),
    Index("ix_articles_listing", "status", "deleted_at", "updated_at", "id"),
    Index(
        "ix_articles_category_listing", "category_id", "status", "deleted_at", "updated_at", "id"
    ),
    Index("ix_articles_published", "status", "deleted_at", "published_at", "id"),
)
Table(
    "article_images",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("reference", String(1000), nullable=False),
    Column("asset_id", ForeignKey("assets.id"), nullable=False),
    UniqueConstraint("article_id", "reference"),
)
Table(
    "article_tags",
    metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("source_md", Text, nullable=False),
    Column("source_hash", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
)
Table(
    "search_documents",
    metadata,
    Column(
        "article_id",
        ForeignKey("articles.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("title", Text, nullable=False),
    Column("prose", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("math", Text, nullable=False),
)


class IncompleteDatabase(Exception):
    """A database lacks baseline columns that cannot be added to rows it already has."""


def complete(connection: Connection) -> list[str]:
    """Create the baseline's missing tables, nullable columns and indexes; say what was added.

    Older versions of the blog created fewer columns and indexes (articles.feed_html,
    ix_articles_published), and create_all() never alters a table that exists. A missing
    column that must hold a value cannot be added to existing rows: that raises.
    """
    metadata.create_all(connection)
    create_index_tables(connection)
    inspector = inspect(connection)
    preparer = connection.dialect.identifier_preparer
    added, impossible = [], []
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable or column.foreign_keys:
                impossible.append(f"{table.name}.{column.name}")
                continue
            definition = CreateColumn(column).compile(dialect=connection.dialect)
            connection.exec_driver_sql(
                f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {definition}"
            )
            added.append(f"Added column {table.name}.{column.name}.")
        indexes = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in sorted(table.indexes, key=lambda index: index.name):
            if index.name not in indexes:
                index.create(connection)
                added.append(f"Added index {index.name}.")
    if impossible:
        raise IncompleteDatabase(
            "The database lacks columns that existing rows would need values for: "
            + ", ".join(impossible)
        )
    return added
