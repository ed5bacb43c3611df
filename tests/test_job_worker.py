"""Jobs in real `flask worker` processes: on the SQLite queue and on Redis, killed with
SIGKILL in the middle of a job and started again; and two jobs updating one article."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import tiny_png
from webapp import jobs
from webapp.extensions import db
from webapp.jobs import inputs, records
from webapp.jobs.models import DONE, INTERRUPTED, Job, JobFile
from webapp.jobs.runner import run_job
from webapp.models import Article, ArticleImage, Revision, SearchDocument
from webapp.services.ingest import IncomingFile
from webapp.services.publishing import Publisher, publish

FLASK = Path(sys.executable).parent / "flask"
REDIS_URL = "redis://127.0.0.1:6379/0"
HEARTBEAT = 0.3
WAIT = 90  # seconds a worker may take for a test's job on a busy 2-core machine


def document(n: int) -> str:
    """Return a post long enough (math, code, a table) that a job of them takes a while."""
    formulas = " ".join(f"$x_{{{n}}}^{{{k}}} + \\frac{{{k}}}{{{n + 1}}}$" for k in range(12))
    code = "\n".join(f"value_{k} = compute({n}, {k})" for k in range(20))
    return (
        f"---\ntitle: Worker post {n:03d}\ndate: 2024-02-{1 + n % 28:02d}\n"
        f"tags: [w{n % 4}]\n---\n{formulas}\n\n```python\n{code}\n```\n\n"
        f"| a | b |\n|---|---|\n| {n} | {n * 2} |\n\n![figure {n}](img/{n}.png)\n"
    )


def bundle(count: int) -> bytes:
    """Return a zip of `count` posts, each with an image of its own."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(count):
            archive.writestr(f"posts/post-{n:03d}.md", document(n))
            archive.writestr(f"posts/img/{n}.png", tiny_png(3, 2, (n % 256, 40, 90)))
    return buffer.getvalue()


@pytest.fixture
def queue_app(app):
    """The test app with a real queue of its own: jobs wait for a worker process."""
    app.config.update(
        JOBS_IMMEDIATE=False,
        JOB_QUEUE_NAME=f"test-{uuid.uuid4().hex[:12]}",
        JOB_HEARTBEAT_SECONDS=HEARTBEAT,
    )
    return app


@pytest.fixture
def workers(queue_app, tmp_path):
    """Return a function that starts `flask worker` processes; stop them all afterwards."""
    started: list[subprocess.Popen] = []

    def start(*, redis: bool = False, processes: int = 2, batch: int = 5) -> subprocess.Popen:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("FLASK_") and key not in ("REDIS_URL", "DATABASE_URL")
        }
        env.update(
            INSTANCE_PATH=queue_app.instance_path,
            DATABASE_URL=queue_app.config["SQLALCHEMY_DATABASE_URI"],
            FLASK_JOB_QUEUE_NAME=queue_app.config["JOB_QUEUE_NAME"],
            FLASK_JOB_HEARTBEAT_SECONDS=str(HEARTBEAT),
            FLASK_JOB_RENDER_PROCESSES=str(processes),
            FLASK_JOB_BATCH_SIZE=str(batch),
        )
        if redis:
            env["REDIS_URL"] = REDIS_URL
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115
        # Its own process group, so SIGKILL reaches its rendering processes too.
        process = subprocess.Popen(
            [str(FLASK), "--app", "webapp", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def upload(app, data: bytes, name: str = "posts.zip") -> int:
    """Start a job for a zip, as the upload form or the API does; return its id."""
    with app.app_context():
        return jobs.start_upload([IncomingFile(name, data)], None, None, always=True).id


def job_now(app, job_id: int) -> Job:
    """Return the job as the database has it now."""
    with app.app_context():
        db.session.remove()
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def wait_for(app, job_id: int, ready, what: str) -> Job:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        job = job_now(app, job_id)
        if ready(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never {what}: {job.state}, {job.done}/{job.total}")


def outcomes(app, job_id: int) -> list[str]:
    with app.app_context():
        files = db.session.scalars(
            select(JobFile).where(JobFile.job_id == job_id).order_by(JobFile.position)
        )
        return [file.outcome for file in files]


def test_a_worker_takes_a_queued_upload_from_the_sqlite_queue(queue_app, workers):
    job_id = upload(queue_app, bundle(24))
    assert job_now(queue_app, job_id).state == "queued"
    workers()
    job = wait_for(queue_app, job_id, lambda job: job.state == DONE, "finished")
    assert job.done == 24 and outcomes(queue_app, job_id) == ["created"] * 24


def test_a_worker_takes_a_queued_upload_from_redis(queue_app, workers):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not answering at {REDIS_URL}")
    queue_app.config["REDIS_URL"] = REDIS_URL
    try:
        job_id = upload(queue_app, bundle(24))
        workers(redis=True)
        job = wait_for(queue_app, job_id, lambda job: job.state == DONE, "finished")
        assert job.done == 24 and outcomes(queue_app, job_id) == ["created"] * 24
    finally:
        with queue_app.app_context():
            jobs.queue.queue().flush()


def assert_whole(app, reported_created: int) -> None:
    """Every stored article is complete: revision, search row, image link and file."""
    with app.app_context():
        db.session.remove()
        articles = list(db.session.scalars(select(Article)))
        assert len(articles) == reported_created
        uploads = Path(app.instance_path) / "uploads"
        for article in articles:
            assert article.html and 'src="/media/' in article.html and article.excerpt
            assert (
                db.session.scalar(select(func.count()).where(Revision.article_id == article.id))
                == 1
            )
            assert db.session.get(SearchDocument, article.id).title == article.title
            links = db.session.scalars(
                select(ArticleImage).where(ArticleImage.article_id == article.id)
            ).all()
            assert len(links) == 1 and (uploads / links[0].asset.filename).is_file()


def test_a_worker_killed_mid_job_leaves_whole_articles_and_the_job_goes_on(queue_app, workers):
    total = 120
    data = bundle(total)
    job_id = upload(queue_app, data)
    worker = workers(processes=2, batch=5)
    wait_for(queue_app, job_id, lambda job: job.done >= 10, "got going")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    killed = job_now(queue_app, job_id)
    assert 10 <= killed.done < total, "the job finished before the worker could be killed"

    # Every document is saved whole or not at all, and the job's report says which.
    assert outcomes(queue_app, job_id) == ["created"] * killed.done
    assert_whole(queue_app, killed.done)

    # Without heartbeats the job shows as interrupted.
    time.sleep(HEARTBEAT * 5)
    with queue_app.app_context():
        assert records.effective_state(job_now(queue_app, job_id)) == INTERRUPTED

    # The same bundle uploaded again finishes the rest; what was saved is unchanged.
    again = upload(queue_app, data)
    with queue_app.app_context():
        run_job(again)
    assert outcomes(queue_app, again) == ["unchanged"] * killed.done + ["created"] * (
        total - killed.done
    )
    assert_whole(queue_app, total)

    # A worker starting again takes the interrupted job up where it stopped.
    workers(processes=2, batch=5)
    resumed = wait_for(queue_app, job_id, lambda job: job.state == DONE, "resumed")
    assert resumed.done == total and resumed.attempts == 2
    assert outcomes(queue_app, job_id) == ["created"] * killed.done + ["unchanged"] * (
        total - killed.done
    )
    assert_whole(queue_app, total)


def test_two_jobs_updating_one_article_lose_neither_update(queue_app, monkeypatch):
    app = queue_app
    with app.app_context():
        publish("---\ntitle: Shared\nslug: shared\ntags: [old]\n---\nOriginal.\n")
    versions = {
        "a": "---\ntitle: Shared\nslug: shared\ntags: [alpha, one]\n---\nVersion A.\n",
        "b": "---\ntitle: Shared\nslug: shared\ntags: [beta]\n---\nVersion B.\n",
    }
    job_ids = {}
    with app.app_context():
        for key, text in versions.items():
            job = records.create_job("upload", f"{key}.md", 1)
            inputs.save_upload(job.id, [IncomingFile(f"{key}.md", text.encode())], None)
            job_ids[key] = job.id
    # Both jobs read the article and render it before either writes it; then both write
    # (on PostgreSQL at once; SQLite's write lock takes them one after the other).
    barrier = threading.Barrier(2)
    first_writes = set()
    real_write = Publisher._write

    def write(self, batch):
        thread = threading.get_ident()
        if thread not in first_writes:
            first_writes.add(thread)
            barrier.wait(timeout=30)
        return real_write(self, batch)

    monkeypatch.setattr(Publisher, "_write", write)
    errors = []

    def run(job_id: int) -> None:
        try:
            with app.app_context():
                run_job(job_id)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job_id,)) for job_id in job_ids.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    assert not errors
    for job_id in job_ids.values():
        assert job_now(app, job_id).state == DONE
        assert outcomes(app, job_id) == ["updated"]
    with app.app_context():
        db.session.remove()
        article = db.session.scalar(select(Article).where(Article.slug == "shared"))
        sources = db.session.scalars(
            select(Revision.source_md)
            .where(Revision.article_id == article.id)
            .order_by(Revision.id)
        ).all()
        # Both updates are in the history, one after the other; the article is the last
        # one whole, its tags included (never a mix of the two).
        assert sorted(sources) == sorted(
            ["---\ntitle: Shared\nslug: shared\ntags: [old]\n---\nOriginal.\n", *versions.values()]
        )
        assert article.source_md == sources[-1]
        tags = sorted(tag.name for tag in article.tags)
        assert tags == (["alpha", "one"] if article.source_md == versions["a"] else ["beta"])
        assert article.version == 2
