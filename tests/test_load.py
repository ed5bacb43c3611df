"""Many heavy uploads at once through gunicorn, with readers: no write fails, nothing 500s.

The production path (gunicorn with ./gunicorn.conf.py, several sync workers, 30 s
timeout) on SQLite, and on PostgreSQL when TEST_DATABASE_URL names one. The scenario is
in tests/load_scenario.py; bench/concurrent_publish.py times it.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.load_scenario import SHARED_BY, gunicorn, new_site, run, stored, upload_name

UPLOADS = 40
READERS = 4
WORKERS = 4

DATABASES = ["sqlite"]
if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
    DATABASES.append("postgresql")


@pytest.mark.parametrize("database", DATABASES)
def test_concurrent_heavy_uploads_all_land_once_while_readers_read(database):
    url = os.environ["TEST_DATABASE_URL"] if database == "postgresql" else None
    site = new_site(url)
    try:
        with gunicorn(site, workers=WORKERS) as server:
            result = run(server.port, site.token, uploads=UPLOADS, readers=READERS)
            log = server.log()
        found = stored(site, UPLOADS)
    finally:
        shutil.rmtree(site.instance, ignore_errors=True)

    assert len(result.uploads) == UPLOADS
    assert result.failed_uploads() == []
    assert result.server_errors() == []
    assert result.reads, "the readers loaded no page"
    assert result.reader_errors() == []
    # Every article exactly once, in the categories and with the tags its front matter
    # names, though four uploads at a time created each of them.
    assert found["copies"] == {upload_name(index): 1 for index in range(UPLOADS)}
    for index in range(UPLOADS):
        group = index // SHARED_BY
        assert found["placed"][upload_name(index)] == (
            f"负载测试/Group {group}",
            sorted([f"load-{group}", "shared-load-tag", "公式"]),
        )
    groups = -(-UPLOADS // SHARED_BY)
    assert found["categories"] == 1 + groups
    assert found["tags"] == groups + 2
    for trouble in ("database is locked", "Traceback", "WORKER TIMEOUT"):
        assert trouble not in log
