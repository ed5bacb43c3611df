"""Bring an existing database up to the models: create missing tables, add missing columns."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.schema import CreateColumn

from ..extensions import db


def upgrade_schema() -> list[str]:
    """Create missing tables and add missing nullable columns; return "table.column" added.

    create_all() never alters a table that exists, so a column added to a model later
    (articles.feed_html) would be missing from every database created before it. Only
    nullable columns without foreign keys are added: existing rows simply hold NULL, which
    the code reading such a column must accept.
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
                added.append(f"{table.name}.{column.name}")
    return added
