"""Writes that don't fail under load: SQLite's settings, rendering outside the write
transaction, categories and tags created by two writers at once, token use recorded apart.

The whole scenario, through gunicorn, is tests/test_load.py.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text

from tests.conftest import ADMIN_NAME
from webapp import create_app
from webapp.api import views as api_views
from webapp.extensions import db
from webapp.models import ApiToken, Article, Category, Tag, utcnow
from webapp.services import authoring
from webapp.services.accounts import find_user
from webapp.services.publishing import bulk, single
from webapp.services.schema import stamp_head
from webapp.services.taxonomy import Taxonomy
from webapp.services.tokens import create_token

HEAVY = "---\ntitle: Heavy\ncategories: [Load]\ntags: [formulas]\n---\n" + "$x_1$ " * 50


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a SQLite file whatever TEST_DATABASE_URL says: these are SQLite's settings."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'blog.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLITE_BUSY_TIMEOUT": 7,
        }
    )
    with app.app_context():
        db.create_all()
        stamp_head()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sqlite_connections_use_a_write_ahead_log_and_the_busy_timeout_setting(sqlite_app):
    with sqlite_app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000


def test_rendering_goes_on_while_another_writer_holds_the_lock_and_the_write_waits(
    sqlite_app, monkeypatch
):
    with sqlite_app.app_context():
        path = db.engine.url.database
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE written_meanwhile (x)")
    real = single.prepare
    held_while_rendering = []

    def prepare(task):
        prepared = real(task)
        held_while_rendering.append(holder.in_transaction)
        # The other writer finishes a little later: this one's write waits for it (up to
        # SQLITE_BUSY_TIMEOUT) instead of failing with "database is locked".
        threading.Timer(0.3, holder.execute, ("COMMIT",)).start()
        return prepared

    monkeypatch.setattr(single, "prepare", prepare)
    try:
        with sqlite_app.app_context():
            assert single.publish(HEAVY).outcome == "created"
            assert db.session.scalar(select(func.count(Article.id))) == 1
    finally:
        holder.close()
    assert held_while_rendering == [True]


def _not_writing() -> bool:
    """Tell whether no write transaction is open and no write lock is held right now."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        if connection.connection.dbapi_connection.in_transaction:
            return False
        # Another connection can take the write lock at once: nobody holds it.
        other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()
    # PostgreSQL gives a transaction an id with its first write.
    return connection.execute(text("SELECT txid_current_if_assigned()")).scalar() is None


@pytest.fixture
def watched_rendering(monkeypatch):
    """Check, each time a document is rendered, that nothing is being written meanwhile."""
    seen: list[bool] = []

    def watch(module):
        real = module.prepare

        def prepare(task, *args):
            seen.append(_not_writing())
            return real(task, *args)

        monkeypatch.setattr(module, "prepare", prepare)

    for module in (single, bulk, authoring):
        watch(module)
    return seen


def test_publish_renders_before_the_write_transaction_opens(app, watched_rendering):
    with app.app_context():
        assert single.publish(HEAVY, filename="heavy.md").outcome == "created"
        assert single.publish(HEAVY + "more\n", filename="heavy.md").outcome == "updated"
    assert watched_rendering == [True, True]


def test_an_api_upload_renders_before_the_write_transaction_opens(
    client, admin_token, watched_rendering
):
    secret = admin_token
    for body in (HEAVY, HEAVY + "more\n"):
        response = client.post(
            "/api/articles?filename=heavy.md",
            data=body.encode(),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/markdown"},
        )
        assert response.status_code == 200, response.json
    assert [r["outcome"] for r in response.json["results"]] == ["updated"]
    assert watched_rendering == [True, True]


def test_the_editors_save_renders_before_the_write_transaction_opens(app, watched_rendering):
    with app.app_context():
        single.publish(HEAVY, filename="heavy.md")
        article = db.session.scalar(select(Article))
        assert authoring.save_source(article, HEAVY + "edited\n").outcome == "updated"
    assert watched_rendering == [True, True]


@pytest.fixture
def admin_token(app, admin_user):
    with app.app_context():
        _, secret = create_token(find_user(ADMIN_NAME), "load")
    return secret


# --- categories and tags created by two writers at once ---------------------------------


def _created_meanwhile(app, table: str, row: dict) -> list[int]:
    """Have another connection store `row` in `table` (and commit) just before this
    session's first INSERT into it, as a concurrent upload would; return its id."""
    ids: list[int] = []

    def before(connection, cursor, statement, parameters, context, executemany):
        if ids or not statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            return
        ids.append(0)  # the other connection's own INSERT must not come here again
        with db.engine.begin() as other:
            columns = ", ".join(row)
            values = ", ".join(f":{name}" for name in row)
            ids[0] = other.execute(
                text(f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id"), row
            ).scalar()

    event.listen(db.engine, "before_cursor_execute", before)
    return ids


def test_a_category_created_meanwhile_by_another_writer_is_used(app):
    with app.app_context():
        theirs = _created_meanwhile(app, "categories", {"name": "并发", "path": "并发"})
        category = Taxonomy().category(["并发"])
        db.session.commit()
        assert category.id == theirs[0]
        assert db.session.scalar(select(func.count(Category.id))) == 1
        # The level below it, created by this writer, hangs under the shared one.
        child = Taxonomy().category(["并发", "子类"])
        db.session.commit()
        assert child.parent_id == theirs[0]


def test_a_tag_created_meanwhile_by_another_writer_is_used(app):
    with app.app_context():
        theirs = _created_meanwhile(app, "tags", {"name": "Race", "slug": "race"})
        tags = Taxonomy().tags(["Race", "Other"])
        db.session.commit()
        assert tags[0].id == theirs[0]
        assert sorted(db.session.scalars(select(Tag.slug))) == ["other", "race"]


# --- token use ------------------------------------------------------------------------


def _last_used(app):
    with app.app_context():
        return db.session.scalar(select(ApiToken.last_used_at))


def _set_last_used(app, moment) -> None:
    with app.app_context():
        db.session.scalar(select(ApiToken)).last_used_at = moment
        db.session.commit()


def _call(client, secret):
    response = client.post(
        "/api/articles",
        data="# Note\n",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/markdown"},
    )
    assert response.status_code == 200


def test_a_tokens_use_is_stored_at_most_once_a_minute(app, client, admin_token):
    _call(client, admin_token)
    first = _last_used(app)
    assert first is not None
    recent = utcnow() - timedelta(seconds=30)
    _set_last_used(app, recent)
    _call(client, admin_token)
    assert _last_used(app) == recent  # used again within the minute: not written
    old = utcnow() - timedelta(minutes=2)
    _set_last_used(app, old)
    _call(client, admin_token)
    assert _last_used(app) > old


def test_a_tokens_use_is_stored_before_and_apart_from_the_upload(
    app, client, admin_token, monkeypatch
):
    seen = []
    real = api_views.ingest_files

    def ingest_files(*args, **kwargs):
        # Committed already (another connection sees it), and nothing of the token waits
        # in the session to be written with the upload.
        with db.engine.connect() as other:
            stored = other.execute(select(ApiToken.last_used_at)).scalar()
        seen.append((stored is not None, not db.session.dirty, _not_writing()))
        return real(*args, **kwargs)

    monkeypatch.setattr(api_views, "ingest_files", ingest_files)
    _call(client, admin_token)
    assert seen == [(True, True, True)]
