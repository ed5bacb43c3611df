"""Bring an existing database up to the models: create missing tables, columns and indexes."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.schema import CreateColumn

from ..extensions import db


def upgrade_schema() -> list[str]:
    """Create missing tables, nullable columns and indexes; return what was added.

    create_all() never alters a table that exists, so a column or index added to a model
    later (articles.feed_html, ix_articles_published) would be missing from every database
    created before it. Only nullable columns without foreign keys are added: existing rows
    simply hold NULL, which the code reading such a column must accept.
    """
    db.create_all()
    engine = db.engine
    inspector = inspect(engine)
    preparer = engine.dialect.identifier_preparer
    added = []
    with engine.begin() as connection:
        for table in db.metadata.sorted_tables:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present or not column.nullable or column.foreign_keys:
                    continue
                definition = CreateColumn(column).compile(dialect=engine.dialect)
                connection.execute(
                    text(f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {definition}")
                )
                added.append(f"column {table.name}.{column.name}")
            indexes = {index["name"] for index in inspector.get_indexes(table.name)}
            for index in sorted(table.indexes, key=lambda index: index.name):
                if index.name not in indexes:
                    index.create(connection)
                    added.append(f"index {index.name}")
    return added
