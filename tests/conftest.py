"""Shared fixtures: an app with a fresh database per test, its client and CLI runner."""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from datetime import datetime, timedelta
from itertools import count

import pytest

from webapp import create_app
from webapp.clock import FrozenClock
from webapp.content.searchtext import fields_from_html
from webapp.extensions import db
from webapp.models import PUBLISHED, Article
from webapp.services import accounts
from webapp.services.ingest import IncomingFile, UploadLimits, ingest_files
from webapp.services.schema import stamp_head
from webapp.services.search.indexer import write_documents
from webapp.services.taxonomy import category_for_path, tags_for_names

BASE_TIME = datetime(2026, 1, 1, 12, 0, 0)


@pytest.fixture
def app(tmp_path):
    """Return an app bound to a fresh SQLite file, or to TEST_DATABASE_URL emptied first."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SERVER_NAME": "blog.test",
            # A big upload's job runs inside the request (tests/test_job_worker.py runs real
            # workers); rendering stays in this process.
            "JOBS_IMMEDIATE": True,
            "JOB_RENDER_PROCESSES": 1,
        }
    )
    with app.app_context():
        db.drop_all()
        # Faster than running the migrations; test_migrations.py proves the schemas equal.
        db.create_all()
        stamp_head()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def clock(app):
    """Stop the site's clock a day after BASE_TIME; move it on with clock.advance(hours=1)."""
    frozen = FrozenClock(BASE_TIME + timedelta(days=1))
    app.extensions["clock"] = frozen
    return frozen


@pytest.fixture
def client(app):
    """Return a test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def add_article(app):
    """Return a function that stores an article row through the ORM (no rendering)."""
    serial = count(1)

    def add(title=None, *, updated_at=None, status=PUBLISHED, category=None, tags=(), **fields):
        n = next(serial)
        with app.app_context():
            article = Article(
                slug=fields.pop("slug", f"article-{n}"),
                title=title or f"Article {n}",
                source_md=fields.pop("source_md", f"Body {n}"),
                source_hash=f"{n:064d}",
                html=fields.pop("html", f"<p>Body {n}</p>"),
                excerpt=fields.pop("excerpt", f"Excerpt of article {n}"),
                status=status,
                updated_at=updated_at or BASE_TIME + timedelta(minutes=n),
                published_at=fields.pop("published_at", BASE_TIME),
                category=category_for_path(category) if category else None,
                tags=tags_for_names(list(tags)),
                **fields,
            )
            db.session.add(article)
            db.session.flush()
            # As the article writer does: the search rows go with the article.
            write_documents(
                db.session.connection(),
                [(article.id, fields_from_html(article.title, article.html))],
            )
            db.session.commit()
            return article.id

    return add


# Limits of an upload in tests that are not about limits.
UPLOAD_LIMITS = UploadLimits(max_file_bytes=10 << 20, max_upload_bytes=100 << 20)


def make_zip(entries: dict[str, bytes | str]) -> bytes:
    """Return a zip (deflated) holding each path with its bytes or UTF-8 text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ingest(app, files: dict[str, bytes], pasted: str | None = None, **kwargs):
    """Upload files (name -> bytes) as the form does; return the per-file results."""
    with app.app_context():
        incoming = [IncomingFile(name, data) for name, data in files.items()]
        return ingest_files(incoming, pasted, limits=kwargs.pop("limits", UPLOAD_LIMITS), **kwargs)


def tiny_png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (11, 122, 100)) -> bytes:
    """Return a real PNG of one colour, small enough to build in a test."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


ADMIN_NAME = "author"
ADMIN_PASSWORD = "correct horse battery staple"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token_from(client, url: str = "/admin/login") -> str:
    """Return the CSRF token a page's form carries, as a browser would submit it."""
    html = client.get(url).get_data(as_text=True)
    match = _CSRF_FIELD.search(html)
    assert match, f"no CSRF field on {url}"
    return match.group(1)


@pytest.fixture
def admin_user(app):
    """Create an author account; return (username, password)."""
    with app.app_context():
        accounts.create_user(ADMIN_NAME, ADMIN_PASSWORD)
    return ADMIN_NAME, ADMIN_PASSWORD


@pytest.fixture
def signed_in_client(client, admin_user):
    """Return a client signed in through the form; its CSRF token is `client.csrf_token`."""
    token = csrf_token_from(client)
    response = client.post(
        "/admin/login",
        data={"username": ADMIN_NAME, "password": ADMIN_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # Signing in starts a fresh session, so the form token changes too.
    client.csrf_token = csrf_token_from(client, "/admin/upload")
    return client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped test is a failure: CI must have every tool the suite needs."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, which must run every test: {reason}"
