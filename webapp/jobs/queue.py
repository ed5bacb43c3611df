"""The job queue: Huey, on a SQLite file in the instance folder, or on Redis with REDIS_URL.

Only a job's id travels through the queue; what the job is and how far it got lives in
the site's database (jobs.models), so a lost queue message loses no work: a worker
starting up queues the waiting jobs again, and taking a job is one conditional UPDATE.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab

QUEUE_FILE = "jobs-queue.sqlite3"


def make_queue(app: Flask) -> Huey:
    """Build the app's Huey instance with its tasks (a job's run, the daily clean-up)."""
    name = app.config["JOB_QUEUE_NAME"]
    options = {"results": False, "immediate": bool(app.config["JOBS_IMMEDIATE"])}
    if app.config.get("REDIS_URL"):
        huey: Huey = RedisHuey(name, url=app.config["REDIS_URL"], **options)
    else:
        huey = SqliteHuey(name, filename=str(Path(app.instance_path) / QUEUE_FILE), **options)

    @huey.task(name="run_job")
    def run_job(job_id: int) -> None:
        from .runner import run_job as run

        with app.app_context():
            run(job_id)

    @huey.periodic_task(crontab(minute="7", hour="3"), name="purge_jobs")
    def purge_jobs() -> None:
        from .records import purge_expired

        with app.app_context():
            purge_expired()

    @huey.task(name="send_comment_mail")
    def send_comment_mail(kind: str, comment_id: int, root: str) -> None:
        from ..services.comments.mail import send

        with app.app_context():
            send(kind, comment_id, root)

    huey.run_job = run_job  # the task, for enqueue()
    huey.send_comment_mail = send_comment_mail  # for services/comments/mail.py
    return huey


def queue() -> Huey:
    """Return the current app's queue, built on first use (no file or connection before)."""
    app = current_app._get_current_object()
    huey = app.extensions.get("jobs_queue")
    if huey is None:
        huey = app.extensions["jobs_queue"] = make_queue(app)
    return huey


def enqueue(job_id: int) -> None:
    """Hand a job to the workers (in JOBS_IMMEDIATE mode, run it here and now)."""
    queue().run_job(job_id)
