"""Concurrent heavy uploads through gunicorn while readers load pages.

The scenario of issue 11's "writes that never fail under load": gunicorn started as
`make serve` starts it (from the project root, ./gunicorn.conf.py, sync workers, its 30 s
timeout), many API uploads of formula-heavy articles at once (several naming the same new
categories and tags), and reader threads loading pages meanwhile. tests/test_load.py
asserts its outcome; bench/concurrent_publish.py prints its throughput and latencies.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Formulas per article: the review's "heavy articles (600 formulas each)".
FORMULAS = 600
# New categories and tags are shared by this many uploads each, so that several uploads
# create the same one at the same moment.
SHARED_BY = 4
READER_PATHS = ("/", "/feed.xml", "/rss.xml", "/categories/", "/tags/", "/search?q=formula")
# Bounds of every loop: a broken server ends the scenario, it never hangs it.
REQUEST_TIMEOUT = 120
START_LIMIT = 60
MAX_READS = 5000


def heavy_article(index: int, formulas: int = FORMULAS) -> str:
    """Return article `index`: front matter with shared new categories and tags, then prose
    holding `formulas` inline formulas, none the same as another article's (so KaTeX's
    per-process cache saves nothing)."""
    group = index // SHARED_BY
    lines = [
        "---",
        f"title: Load test article {index}",
        f"categories: [负载测试, Group {group}]",
        f"tags: [load-{group}, shared-load-tag, 公式]",
        "---",
        "",
        f"Article {index} of the load test: a formula after every few words.",
        "",
    ]
    for n in range(0, formulas, 3):
        a, b = index + 1, n + 1
        lines.append(
            f"Step {n}: $\\alpha_{{{a}}} + \\beta^{{{b}}}_{{{a}}}$ then "
            f"$\\frac{{{a}}}{{{b} + x}}$ and $\\sum_{{k={a}}}^{{{b}}} k^{{2}}$ hold.\n"
        )
    return "\n".join(lines)


def upload_name(index: int) -> str:
    """Return the file name article `index` is uploaded (and matched again) under."""
    return f"load-{index:03d}.md"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    """Send one request to 127.0.0.1; return (status, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Site:
    """A fresh site: its instance folder, database URL and an API token."""

    instance: Path
    database_url: str
    token: str

    def env(self) -> dict[str, str]:
        """Return the environment gunicorn serves this site with."""
        env = {**os.environ, "INSTANCE_PATH": str(self.instance)}
        env["DATABASE_URL"] = self.database_url
        for name in ("FLASK_SQLALCHEMY_DATABASE_URI", "TEST_DATABASE_URL"):
            env.pop(name, None)
        return env


def new_site(database_url: str | None = None) -> Site:
    """Make an instance folder and an empty database (SQLite in it by default) with an
    author and a token. A given database is emptied first."""
    from webapp import create_app
    from webapp.config import sqlite_uri
    from webapp.extensions import db
    from webapp.services import accounts, tokens
    from webapp.services.schema import stamp_head

    instance = Path(tempfile.mkdtemp(prefix="blog-load-"))
    url = database_url or sqlite_uri(str(instance))
    app = create_app(
        {"SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)}
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        stamp_head()
        user = accounts.create_user("loader", "correct horse battery staple")
        _token, secret = tokens.create_token(user, "load")
        db.session.remove()
        db.engine.dispose()
    return Site(instance, url, secret)


@dataclass
class Server:
    """A running gunicorn: its port, process and log file."""

    port: int
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        """Return what gunicorn (and the app through it) logged so far."""
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def gunicorn(site: Site, workers: int = 4):
    """Serve the site with gunicorn as `make serve` does; yield the Server; stop it after."""
    with serve(site.env(), free_port(), site.instance / "gunicorn.log", workers) as server:
        yield server


@contextlib.contextmanager
def serve(env: dict, port: int, log_path: Path, workers: int, options: tuple[str, ...] = ()):
    """Start gunicorn as `make serve` does and wait until it answers; yield the Server.

    It runs in a session of its own, so stopping its process group stops the job worker
    gunicorn.conf.py starts beside it too. `options` adds gunicorn options.
    """
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        *options,
        "webapp:create_app()",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, process, log_path)
    try:
        deadline = time.monotonic() + START_LIMIT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{server.log()[-2000:]}")
            with contextlib.suppress(OSError):
                if request(port, "GET", "/")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within {START_LIMIT} s")
            time.sleep(0.3)
        yield server
    finally:
        stop_group(process, 30)


def stop_group(process: subprocess.Popen, grace: float) -> None:
    """Stop a server started in its own session (gunicorn stops its workers and job worker,
    nginx its workers): terminate, kill after `grace` seconds, then anything left of its group."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@dataclass
class Upload:
    """One upload's answer."""

    index: int
    status: int | None  # None: no answer (connection dropped, timeout)
    outcome: str | None
    seconds: float
    error: str | None = None


@dataclass
class Read:
    """One page load by a reader."""

    path: str
    status: int | None
    seconds: float
    error: str | None = None


@dataclass
class Run:
    """Everything the scenario saw."""

    uploads: list[Upload] = field(default_factory=list)
    reads: list[Read] = field(default_factory=list)
    seconds: float = 0.0

    def failed_uploads(self) -> list[Upload]:
        """Uploads that did not answer 200 with the article created."""
        return [u for u in self.uploads if u.status != 200 or u.outcome != "created"]

    def server_errors(self) -> list[Upload | Read]:
        """Answers of 500 or above, and requests that got no answer at all."""
        answers = [*self.uploads, *self.reads]
        return [a for a in answers if a.status is None or a.status >= 500]

    def reader_errors(self) -> list[Read]:
        """Page loads that failed or answered anything but 200."""
        return [read for read in self.reads if read.status != 200]


def run(port: int, token: str, uploads: int = 40, readers: int = 4) -> Run:
    """Send `uploads` heavy articles at once through the API while `readers` threads load
    pages (listings, feeds, search, the articles published so far) until they are done."""
    texts = [heavy_article(index).encode() for index in range(uploads)]
    result = Run()
    published: list[str] = []
    lock = threading.Lock()
    done = threading.Event()
    start = threading.Barrier(uploads + readers)

    def upload(index: int) -> None:
        start.wait()
        began = time.monotonic()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/markdown"}
        path = f"/api/articles?filename={upload_name(index)}"
        try:
            status, body = request(port, "POST", path, texts[index], headers)
        except OSError as error:
            answer = Upload(index, None, None, time.monotonic() - began, repr(error))
        else:
            outcome, url = None, None
            with contextlib.suppress(ValueError, KeyError, IndexError):
                first = json.loads(body)["results"][0]
                outcome, url = first["outcome"], first["url"]
            error = None if status == 200 else body[:300].decode(errors="replace")
            answer = Upload(index, status, outcome, time.monotonic() - began, error)
            if url:
                with lock:
                    published.append(url.split("://", 1)[1].partition("/")[2])
        with lock:
            result.uploads.append(answer)

    def read(number: int) -> None:
        start.wait()
        turn = number
        while not done.is_set() and len(result.reads) < MAX_READS:
            with lock:
                pages = list(READER_PATHS) + ["/" + path for path in published[-5:]]
            path = pages[turn % len(pages)]
            turn += 1
            began = time.monotonic()
            try:
                status, _body = request(port, "GET", path)
                answer = Read(path, status, time.monotonic() - began)
            except OSError as error:
                answer = Read(path, None, time.monotonic() - began, repr(error))
            with lock:
                result.reads.append(answer)

    uploaders = [threading.Thread(target=upload, args=(i,)) for i in range(uploads)]
    reading = [threading.Thread(target=read, args=(i,)) for i in range(readers)]
    began = time.monotonic()
    for thread in uploaders + reading:
        thread.start()
    for thread in uploaders:
        thread.join()
    result.seconds = time.monotonic() - began
    done.set()
    for thread in reading:
        thread.join()
    result.uploads.sort(key=lambda answer: answer.index)
    return result


def stored(site: Site, uploads: int) -> dict:
    """Read back what the database holds: articles per upload name, and their taxonomy."""
    from sqlalchemy import func, select

    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Article, Category, Tag

    app = create_app(
        {
            "SECRET_KEY": "load",
            "SQLALCHEMY_DATABASE_URI": site.database_url,
            "INSTANCE_PATH": str(site.instance),
        }
    )
    with app.app_context():
        names = [upload_name(index) for index in range(uploads)]
        rows = db.session.execute(
            select(Article.source_filename, func.count(Article.id))
            .where(Article.source_filename.in_(names))
            .group_by(Article.source_filename)
        ).all()
        articles = db.session.scalars(select(Article).where(Article.source_filename.in_(names)))
        placed = {
            article.source_filename: (
                article.category.path if article.category else None,
                sorted(tag.name for tag in article.tags),
            )
            for article in articles
        }
        found = {
            "copies": dict(rows),
            "placed": placed,
            "categories": db.session.scalar(select(func.count(Category.id))),
            "tags": db.session.scalar(select(func.count(Tag.id))),
        }
        db.session.remove()
        db.engine.dispose()
    return found
