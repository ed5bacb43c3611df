"""Keep the database at the newest migration: Alembic through Flask-Migrate.

The migrations live in webapp/migrations/. upgrade_database() is what init-db and every
command that may be the first on a fresh install run; it also adopts a database made by
init-db before migrations existed (tables, no version): completed to the baseline schema,
stamped with the baseline revision, then upgraded like any other.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import Connection, inspect

from ...extensions import db, migrate
from ..search.schema import CHUNK_TABLE, FTS_TABLE
from . import baseline
from .baseline import IncompleteDatabase

__all__ = ["IncompleteDatabase", "include_name", "init_app", "stamp_head", "upgrade_database"]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"


def init_app(app: Flask) -> None:
    """Register Flask-Migrate (the `flask db …` commands) with the package's migrations."""
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIR),
        # SQLite alters a table only by copying it: autogenerate writes batch operations,
        # which other databases run as plain ALTERs.
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Tell autogenerate to leave the search index tables alone: no model describes them."""
    if type_ != "table" or name is None:
        return True
    return name != CHUNK_TABLE and name != FTS_TABLE and not name.startswith(f"{FTS_TABLE}_")


def upgrade_database() -> list[str]:
    """Bring the database to the newest revision, whatever its state; say what was done."""
    done: list[str] = []
    with db.engine.begin() as connection:
        config = _config(connection)
        script = ScriptDirectory.from_config(config)
        current = MigrationContext.configure(connection).get_current_revision()
        if current is None and _has_blog_tables(connection):
            done += baseline.complete(connection)
            command.stamp(config, baseline.REVISION)
            current = baseline.REVISION
            done.append(f"Stamped the existing tables as revision {current} (the baseline).")
        pending = list(script.iterate_revisions("heads", current or "base"))
        if pending:
            command.upgrade(config, "heads")
        done += [f"Applied {rev.revision}: {rev.doc.rstrip('.')}." for rev in reversed(pending)]
    return done


def stamp_head() -> None:
    """Record the newest revision in a database that db.create_all() built from the models.

    For tests and benchmarks, which create tables faster than migrations do; a test
    proves that both give the same schema.
    """
    with db.engine.begin() as connection:
        command.stamp(_config(connection), "heads")


def _config(connection: Connection) -> Config:
    """Return the Alembic configuration that runs on this connection, quietly."""
    config = current_app.extensions["migrate"].migrate.get_config()
    config.attributes["connection"] = connection
    # The caller reports what was done; Alembic's own log setup would also reset the app's.
    config.attributes["configure_logger"] = False
    return config


def _has_blog_tables(connection: Connection) -> bool:
    """Tell whether init-db made tables here before the database had a version."""
    return bool(set(inspect(connection).get_table_names()) & set(baseline.metadata.tables))
