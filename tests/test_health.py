"""GET /healthz: 200 when the database and the media storage work, 503 when either fails."""

from __future__ import annotations

import os
import shutil

from webapp import create_app


def health_of(app):
    return app.test_client().get("/healthz")


def make_app(tmp_path, url: str):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )


def test_a_working_site_is_healthy(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "storage": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert client.head("/healthz").status_code == 200


def test_the_check_leaves_nothing_in_the_media_folder(app, client):
    for _ in range(3):
        client.get("/healthz")
    uploads = os.path.join(app.instance_path, "uploads")
    assert os.listdir(uploads) == []


def test_a_database_that_does_not_answer_is_503(tmp_path):
    # The database's folder does not exist: SQLite cannot open it, as a server that is down.
    url = f"sqlite:///{tmp_path / 'missing' / 'folder' / 'blog.sqlite3'}"
    response = health_of(make_app(tmp_path, url))
    assert response.status_code == 503
    assert response.json == {
        "status": "failing",
        "checks": {"database": "failing", "storage": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"
    # The answer is public: it names no path or address of the database.
    assert "missing" not in response.get_data(as_text=True)


def test_a_postgresql_server_that_refuses_connections_is_503(tmp_path):
    # Port 9 (discard) on this machine: nothing listens, the connection is refused at once.
    response = health_of(make_app(tmp_path, "postgresql+psycopg://postgres@127.0.0.1:9/blog"))
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "failing"


def test_media_storage_that_cannot_be_written_is_503(app, client):
    uploads = os.path.join(app.instance_path, "uploads")
    shutil.rmtree(uploads, ignore_errors=True)
    # A file where the folder should be: nothing can be stored (as a disk gone read-only).
    with open(uploads, "w") as blocker:
        blocker.write("not a folder")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {
        "status": "failing",
        "checks": {"database": "ok", "storage": "failing"},
    }
