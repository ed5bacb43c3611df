"""Running a job: its upload or import path through the bulk publisher, reported as it goes.

Each batch of documents is committed together with the job's report of it, so a worker
killed at any moment leaves every document saved or not, and the job knows which: taken
again, it goes on after the last file it reported.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from flask import current_app

from ..content.messages import N_
from ..services.bundle import BundleError
from ..services.ingest import UploadLimits, UploadTooLarge, ingest_files
from ..services.permissions import Actor
from ..services.publishing import FetchBudget, FileResult, Publisher, RenderPool
from ..services.transfer import (
    MANIFEST,
    ExportFormatError,
    export_articles,
    import_path,
    plan_import,
)
from . import inputs, records
from .models import DONE, FAILED, RESTORE

# Below this many documents, starting rendering processes costs more than they save.
POOL_MIN_DOCUMENTS = 20
# An export job writes its progress once per this many articles (each a transaction).
EXPORT_PROGRESS_EVERY = 25
_pool: RenderPool | None = None
_pool_lock = threading.Lock()

Echo = Callable[[FileResult], None]


class StarterDisabled(ValueError):
    """The account that started a job may no longer write; the job fails with this."""


def run_job(job_id: int, *, echo: Echo | None = None, pool: RenderPool | None = None) -> None:
    """Run a job to its end, unless another worker has it or it is finished."""
    job = records.claim(job_id)
    if job is None:
        return
    app = current_app._get_current_object()
    stop = threading.Event()
    heart = threading.Thread(target=_beat, args=(app, job_id, stop), daemon=True)
    heart.start()
    try:
        _work(job, echo, pool)
    except (
        inputs.MissingInput,
        ExportFormatError,
        BundleError,
        UploadTooLarge,
        OSError,
        StarterDisabled,
    ) as error:
        records.finish(job_id, FAILED, str(error))
    except Exception as error:
        current_app.logger.exception("job %s failed", job_id)
        unexpected = N_("the job stopped on an unexpected error (%(detail)s)")
        records.finish(job_id, FAILED, unexpected % {"detail": repr(error)})
    else:
        failure = records.nothing_published(job)
        records.finish(job_id, FAILED if failure else DONE, failure)
    finally:
        stop.set()
        heart.join()
    inputs.discard(job_id)


def _beat(app, job_id: int, stop: threading.Event) -> None:
    """Send the job's heartbeat until told to stop."""
    interval = float(app.config["JOB_HEARTBEAT_SECONDS"])
    with app.app_context():
        while not stop.wait(interval):
            try:
                records.beat(job_id)
            except Exception:  # a locked database now and then must not end the heartbeat
                app.logger.warning("job %s: heartbeat not written", job_id, exc_info=True)


def _work(job, echo: Echo | None, pool: RenderPool | None) -> None:
    """Publish the job's documents after those it already reported, or build its export."""
    options = inputs.export_options(job.id)
    if options is not None:
        _export(job, options)
        return
    limits = UploadLimits.from_config(current_app.config)
    skip = job.done
    position = [skip]

    def on_batch(results: list[FileResult]) -> None:
        records.record(job.id, position[0], results)
        position[0] += len(results)

    if pool is None and job.total >= POOL_MIN_DOCUMENTS:
        pool = shared_pool()
    fetch = None
    if inputs.options(job.id).get(inputs.LOCALIZE):
        # A resumed job starts a new budget: the limits hold per run of the job.
        fetch = FetchBudget.from_config(current_app.config)
    publisher = Publisher(
        pool=pool,
        batch_size=int(current_app.config["JOB_BATCH_SIZE"]),
        on_batch=on_batch,
        fetch=fetch,
        minor=bool(inputs.options(job.id).get(inputs.MINOR)),
        actor=job_actor(job),
    )
    path = inputs.import_path(job.id)
    if path is not None:
        plan = plan_import(path)
        if job.kind == RESTORE and plan.kind != "export":
            raise ExportFormatError(N_("%(name)s is not a blog export") % {"name": job.label})
        import_path(plan, limits=limits, progress=echo, publisher=publisher, skip=skip)
        return
    upload = inputs.load_upload(job.id)
    ingest_files(
        upload.files,
        upload.pasted,
        limits=limits,
        progress=echo,
        publisher=publisher,
        loose_root=upload.loose_root,
        skip=skip,
    )


def job_actor(job) -> Actor | None:
    """Return who a job writes for: its starter (None: `flask import`, the site itself).

    A starter disabled since cannot act any more, so neither can their job.
    """
    if job.user is None:
        return None
    if not job.user.is_active:
        raise StarterDisabled(N_("the account that started this job is disabled"))
    return Actor.of(job.user)


def _export(job, options: dict) -> None:
    """Write every article to the job's export zip, moving its progress on as it goes."""
    every = EXPORT_PROGRESS_EVERY

    def progress(done: int, folder: str) -> None:
        if done % every == 0:
            records.advance(job.id, done, folder)

    summary = export_articles(
        inputs.export_file(job.id),
        revisions=bool(options.get("revisions")),
        as_zip=True,
        progress=progress,
    )
    records.advance(job.id, summary.articles, MANIFEST)
    for warning in summary.warnings:
        current_app.logger.warning("export job %s: %s", job.id, warning)


def shared_pool() -> RenderPool | None:
    """Return this process's rendering pool (JOB_RENDER_PROCESSES), or None for one process."""
    global _pool
    processes = int(current_app.config["JOB_RENDER_PROCESSES"] or os.cpu_count() or 1)
    if processes < 2:
        return None
    with _pool_lock:
        if _pool is None:
            _pool = RenderPool(processes)
        return _pool


def close_shared_pool() -> None:
    """Stop this process's rendering pool, if it started one."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.close()
            _pool = None
