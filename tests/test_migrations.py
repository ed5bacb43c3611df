"""Alembic migrations and init-db: the migrated schema is the models', old databases upgrade.

Every test runs on the database the suite runs on (SQLite, or TEST_DATABASE_URL), emptied
first: the `app` fixture's tables come from db.create_all(), which the first test proves
equal to what the migrations build.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection, MetaData, func, insert, inspect, select, text

from webapp.content.render import render_markdown
from webapp.content.searchtext import fields_from_html
from webapp.extensions import db
from webapp.services.publishing import RENDER_VERSION
from webapp.services.schema import baseline, include_name, upgrade_database
from webapp.services.search.indexer import write_documents
from webapp.services.search.schema import (
    CHUNK_TABLE,
    FTS_TABLE,
    create_index_tables,
    drop_index_tables,
)

OLD_TIME = datetime(2025, 3, 14, 21, 30)
TITLE = "从零理解 FlashAttention 的 IO 复杂度"
BODY = """梯度检查点 trades compute for memory; FlashAttention tiles $QK^T$ through SRAM.

```python
out = flash_attn_func(q, k, v)
```
"""
FLASH = f"---\ntitle: {TITLE}\ntags: [attention, GPU]\n---\n{BODY}"
# Tables whose rows an upgrade must keep, each ordered by its key.
KEPT = {
    "categories": "id",
    "tags": "id",
    "articles": "id",
    "article_tags": "article_id, tag_id",
    "revisions": "id",
    "users": "id",
    "search_documents": "article_id",
}


@pytest.fixture
def empty(app):
    """Return the app with its database emptied: no tables at all, not even a version."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            drop_index_tables(connection)
            everything = MetaData()
            everything.reflect(connection)
            everything.drop_all(connection)
    return app


def differences(connection: Connection, metadata: MetaData) -> list:
    """Return what autogenerate would change to make the database match `metadata`."""
    options = {"compare_type": True, "include_name": include_name}
    return compare_metadata(MigrationContext.configure(connection, opts=options), metadata)


def revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def alembic(action, target: str) -> None:
    """Run an Alembic command (upgrade, downgrade) to `target`, as `flask db` does."""
    action(current_app.extensions["migrate"].migrate.get_config(), target)


def columns(connection: Connection, table: str) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns(table)}


def assert_index_tables_exist(connection: Connection) -> None:
    inspector = inspect(connection)
    if connection.dialect.name == "sqlite":
        assert FTS_TABLE in inspector.get_table_names()
    else:
        assert CHUNK_TABLE in inspector.get_table_names()
        indexes = {index["name"] for index in inspector.get_indexes(CHUNK_TABLE)}
        assert f"ix_{CHUNK_TABLE}_terms" in indexes


def build_legacy_database(connection: Connection) -> dict[str, list[dict]]:
    """Create the baseline schema as init-db made it before migrations, with real rows.

    Return every row of the KEPT tables, as an upgrade must leave them (no search_text).
    """
    baseline.metadata.create_all(connection)
    create_index_tables(connection)
    return insert_rows(connection)


def insert_rows(connection: Connection) -> dict[str, list[dict]]:
    """Fill baseline tables with articles, revisions, taxonomy, a user and search rows."""
    tables = baseline.metadata.tables
    connection.execute(
        insert(tables["categories"]),
        [
            {"id": 1, "name": "机器学习", "path": "机器学习", "parent_id": None},
            {"id": 2, "name": "深度学习", "path": "机器学习/深度学习", "parent_id": 1},
        ],
    )
    connection.execute(
        insert(tables["tags"]),
        [
            {"id": 1, "name": "attention", "slug": "attention"},
            {"id": 2, "name": "GPU", "slug": "gpu"},
        ],
    )
    rendered = render_markdown(BODY)
    common = {
        "lang": "zh-CN",
        "word_count": 24,
        "reading_minutes": 1,
        "render_version": RENDER_VERSION,
        "published_at": OLD_TIME,
        "created_at": OLD_TIME,
        "updated_at": OLD_TIME,
        "rendered_at": OLD_TIME,
        "source_hash": "a" * 64,
        "front_matter": {"title": TITLE, "tags": ["attention", "GPU"]},
        "toc_html": rendered.toc_html,
        "feed_html": None,
    }
    connection.execute(
        insert(tables["articles"]),
        [
            {
                **common,
                "id": 7,
                "slug": "flashattention-io",
                "title": TITLE,
                "status": "published",
                "category_id": 2,
                "source_filename": "flash.md",
                "excerpt": "梯度检查点 trades compute for memory.",
                "html": rendered.html,
                "search_text": f"{TITLE}\n梯度检查点 trades compute for memory; FlashAttention tiles",
                "source_md": FLASH,
            },
            {
                **common,
                "id": 9,
                "slug": "draft-notes",
                "title": "Draft notes",
                "status": "draft",
                "category_id": None,
                "source_filename": None,
                "excerpt": "Unfinished.",
                "html": "<p>Unfinished.</p>",
                "search_text": "Draft notes\nUnfinished.",
                "source_md": "# Draft notes\n\nUnfinished.\n",
            },
        ],
    )
    connection.execute(
        insert(tables["article_tags"]),
        [{"article_id": 7, "tag_id": 1}, {"article_id": 7, "tag_id": 2}],
    )
    connection.execute(
        insert(tables["revisions"]),
        [
            {"article_id": 7, "source_md": "old", "source_hash": "b" * 64, "created_at": OLD_TIME},
            {"article_id": 7, "source_md": FLASH, "source_hash": "a" * 64, "created_at": OLD_TIME},
            {
                "article_id": 9,
                "source_md": "draft",
                "source_hash": "c" * 64,
                "created_at": OLD_TIME,
            },
        ],
    )
    connection.execute(
        insert(tables["users"]),
        [{"username": "alice", "password_hash": "scrypt:x", "created_at": OLD_TIME}],
    )
    write_documents(connection, [(7, fields_from_html(TITLE, rendered.html))])
    rows = all_rows(connection)
    for row in rows["articles"]:
        del row["search_text"]
    return rows


def all_rows(connection: Connection) -> dict[str, list[dict]]:
    return {
        table: [
            dict(row)
            for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY {key}")).mappings()
        ]
        for table, key in KEPT.items()
    }


def assert_upgraded_in_place(app, expected_rows: dict[str, list[dict]]) -> None:
    """Assert the database is at head with the models' schema and every row kept."""
    with app.app_context(), db.engine.connect() as connection:
        assert revision(connection) == head()
        assert "search_text" not in columns(connection, "articles")
        assert differences(connection, db.metadata) == []
        assert_index_tables_exist(connection)
        # Later migrations may add columns: the values that were there must all be there.
        actual = all_rows(connection)
        for table, rows in expected_rows.items():
            assert [{name: row[name] for name in rows[0]} for row in actual[table]] == rows, table


def test_migrations_build_exactly_the_models_schema(empty):
    with empty.app_context():
        upgrade_database()
        with db.engine.connect() as connection:
            assert revision(connection) == head()
            assert differences(connection, db.metadata) == []
            assert_index_tables_exist(connection)


def test_baseline_revision_builds_the_frozen_baseline_schema(empty):
    with empty.app_context():
        alembic(command.upgrade, baseline.REVISION)
        with db.engine.connect() as connection:
            assert differences(connection, baseline.metadata) == []
            assert "search_text" in columns(connection, "articles")
            assert_index_tables_exist(connection)


def test_init_db_creates_an_empty_database_then_has_nothing_to_do(empty, runner):
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert f"Applied {baseline.REVISION}: Baseline" in first.output
    assert "Drop articles.search_text" in first.output
    with empty.app_context(), db.engine.connect() as connection:
        assert revision(connection) == head()
        schema = {table: columns(connection, table) for table in db.metadata.tables}
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and second.output == "Database ready.\n"
    with empty.app_context(), db.engine.connect() as connection:
        assert revision(connection) == head()
        assert {table: columns(connection, table) for table in db.metadata.tables} == schema


def test_init_db_upgrades_a_database_made_before_migrations_in_place(empty, runner, client):
    with empty.app_context(), db.engine.begin() as connection:
        kept = build_legacy_database(connection)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Added" not in result.output  # today's init-db made everything the baseline has
    assert f"Stamped the existing tables as revision {baseline.REVISION}" in result.output
    assert "Drop articles.search_text" in result.output
    assert_upgraded_in_place(empty, kept)
    page = client.get("/posts/flashattention-io/")
    assert page.status_code == 200
    assert TITLE in page.get_data(as_text=True)
    for query in ("梯度检查点", "flashattention", "flash_attn_func"):
        found = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        assert 'href="/posts/flashattention-io/"' in found, query
    again = runner.invoke(args=["init-db"])
    assert again.exit_code == 0 and again.output == "Database ready.\n"


def test_init_db_upgrades_an_older_database_lacking_feed_html(empty, runner, client):
    with empty.app_context(), db.engine.begin() as connection:
        kept = build_legacy_database(connection)
        connection.execute(text("DROP INDEX ix_articles_published"))
        connection.execute(text("ALTER TABLE articles DROP COLUMN feed_html"))
        # Rendered before feed_html existed, so by an older pipeline.
        connection.execute(text("UPDATE articles SET render_version = 2"))
    for row in kept["articles"]:
        row["render_version"] = 2
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Added column articles.feed_html." in result.output
    assert "Added index ix_articles_published." in result.output
    assert_upgraded_in_place(empty, kept)
    # Feeds derive the body from html while feed_html is empty, until rerender stores it.
    assert "从零理解 FlashAttention" in client.get("/feed.xml").get_data(as_text=True)
    rerendered = runner.invoke(args=["rerender"])
    assert "Re-rendered 2 articles; 2 changed; 0 skipped as current." in rerendered.output
    with empty.app_context():
        feeds = db.session.execute(text("SELECT feed_html FROM articles")).scalars().all()
        assert all(feeds)


def test_init_db_refuses_a_database_lacking_a_column_it_cannot_add(empty, runner):
    with empty.app_context(), db.engine.begin() as connection:
        build_legacy_database(connection)
        connection.execute(text("ALTER TABLE articles DROP COLUMN search_text"))
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 1
    assert "lacks columns that existing rows would need values for: articles.search_text" in (
        result.output
    )
    with empty.app_context(), db.engine.connect() as connection:
        assert revision(connection) is None


def test_init_db_upgrades_a_versioned_database(empty, runner):
    with empty.app_context():
        alembic(command.upgrade, baseline.REVISION)
        with db.engine.begin() as connection:
            kept = insert_rows(connection)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Stamped" not in result.output and "Added" not in result.output
    assert "Drop articles.search_text" in result.output
    assert_upgraded_in_place(empty, kept)


def test_downgrades_restore_the_column_then_the_empty_database(empty, runner):
    with empty.app_context():
        upgrade_database()
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    with empty.app_context():
        count = db.session.scalar(text("SELECT count(*) FROM articles"))
        db.session.remove()
        alembic(command.downgrade, baseline.REVISION)
        with db.engine.connect() as connection:
            assert revision(connection) == baseline.REVISION
            assert differences(connection, baseline.metadata) == []
            assert (
                connection.scalar(
                    select(func.count()).select_from(baseline.metadata.tables["articles"])
                )
                == count
            )
            assert set(connection.scalars(text("SELECT search_text FROM articles"))) == {""}
        alembic(command.upgrade, "head")
        with db.engine.connect() as connection:
            assert differences(connection, db.metadata) == []
            assert connection.scalar(text("SELECT count(*) FROM articles")) == count
        alembic(command.downgrade, "base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {"alembic_version"}


@pytest.mark.parametrize(
    "args",
    [
        ["load-demo", "--if-empty"],
        ["create-admin", "alice", "--password-stdin"],
        ["reindex"],
        ["rerender"],
    ],
)
def test_commands_on_a_fresh_database_create_it_versioned(empty, runner, args):
    result = runner.invoke(args=args, input="a long enough password\n")
    assert result.exit_code == 0, result.output
    with empty.app_context(), db.engine.connect() as connection:
        assert revision(connection) == head()
        assert differences(connection, db.metadata) == []


def test_upgrade_makes_existing_accounts_admins_and_their_articles_the_first_admins(empty, runner):
    with empty.app_context(), db.engine.begin() as connection:
        build_legacy_database(connection)
        users = baseline.metadata.tables["users"]
        connection.execute(
            insert(users),
            [{"username": "Bob Smith", "password_hash": "scrypt:y", "created_at": OLD_TIME}],
        )
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with empty.app_context(), db.engine.connect() as connection:
        accounts = connection.execute(
            text("SELECT username, slug, role, display_name FROM users ORDER BY id")
        ).all()
        assert [tuple(row) for row in accounts] == [
            ("alice", "alice", "admin", ""),
            ("Bob Smith", "bob-smith", "admin", ""),
        ]
        alice = connection.scalar(text("SELECT id FROM users WHERE username = 'alice'"))
        authors = set(connection.scalars(text("SELECT author_id FROM articles")))
        assert authors == {alice}


def test_upgrade_makes_rows_stored_with_type_page_standalone_pages(empty, runner):
    with empty.app_context(), db.engine.begin() as connection:
        build_legacy_database(connection)
        connection.execute(
            text("UPDATE articles SET front_matter = :meta WHERE slug = 'flashattention-io'"),
            {"meta": json.dumps({"title": "About", "type": "Page"})},
        )
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with empty.app_context(), db.engine.connect() as connection:
        kinds = dict(connection.execute(text("SELECT slug, kind FROM articles")).all())
    assert kinds == {"flashattention-io": "page", "draft-notes": "article"}
