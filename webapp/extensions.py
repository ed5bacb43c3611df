"""Flask extension objects, bound to the app in create_app."""

import sqlite3

from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
compress = Compress()
csrf = CSRFProtect()
login_manager = LoginManager()


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Give each SQLite connection a write-ahead log and cheaper commits.

    The job worker writes batches while web workers read and publish: with the log,
    readers never wait for a writer. How long a writer waits for another writer's
    transaction is the connection's timeout (SQLITE_BUSY_TIMEOUT, see config.py).
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # With the log, NORMAL syncs at checkpoints instead of every commit: a power cut may
        # lose the last commits, never consistency (SQLite's advice for WAL).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def init_sqlite() -> None:
    """Apply _sqlite_pragmas to every new SQLite connection (once per process)."""
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
