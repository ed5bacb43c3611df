"""Job commands: worker (the background job consumer)."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..jobs import records
from ..jobs.queue import enqueue, queue
from ..jobs.runner import close_shared_pool
from ..services.schema import upgrade_database


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Jobs run at once (JOB_WORKERS: 2).")
@click.option("--quiet", is_flag=True, help="Log only warnings and errors.")
@with_appcontext
def worker_command(threads: int | None, quiet: bool) -> None:
    """Run background jobs (big uploads, queued imports) until stopped.

    `make run` and `make serve` start one; on a larger site run it as its own service.
    The queue is Redis when REDIS_URL is set, else a SQLite file in the instance folder.
    Ctrl-C (SIGINT) lets running jobs finish first; SIGTERM stops at once, and the jobs it
    interrupts go on where they stopped when a worker starts again.
    """
    upgrade_database()
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    huey = queue()
    # Messages of jobs queued before a restart may be gone (Redis keeps nothing on disk);
    # taking a job twice is harmless (records.claim), losing one is not.
    for job_id in records.recover():
        enqueue(job_id)
    consumer = huey.create_consumer(
        workers=threads or int(current_app.config["JOB_WORKERS"]),
        worker_type="thread",
        periodic=True,
        check_worker_health=True,
    )
    try:
        consumer.run()
    finally:
        close_shared_pool()


def register(app: Flask) -> None:
    """Register the job commands."""
    app.cli.add_command(worker_command)
