"""Background jobs: uploads with many documents and `flask import` run outside the request.

models: the jobs and their per-file results; queue: Huey (SQLite or Redis); inputs: what a
job works on, kept in instance/jobs/; runner: a job's run in a worker; records: creating,
taking, reporting, finishing and purging jobs. `flask worker` runs the queue's consumer.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from ..extensions import db
from ..services.ingest import IncomingFile, UploadLimits, check_limits, count_documents
from ..services.transfer import check_restore, count_articles
from . import inputs, records
from .models import EXPORT, IMPORT, RESTORE, UPLOAD, Job
from .queue import enqueue


def describe_upload(files: list[IncomingFile], pasted: str | None) -> str:
    """Return an upload in a few words: "posts.zip", "notes.md and 12 more files"."""
    parts = [file.name for file in files]
    if pasted:
        parts.append("pasted text")
    if not parts:
        return "an empty upload"
    if len(parts) == 1:
        return parts[0]
    others = len(parts) - 1
    return f"{parts[0]} and {others} more file{'s' if others != 1 else ''}"


def start_upload(
    files: list[IncomingFile],
    pasted: str | None,
    user_id: int | None,
    *,
    always: bool = False,
    localize_images: bool = False,
    minor: bool = False,
) -> Job | None:
    """Store a big upload as a queued job and hand it to the workers; return the job.

    An upload of at most BACKGROUND_AFTER_DOCUMENTS documents is left to the request
    (None), unless `always`. Raises UploadTooLarge first, as a request would, so nothing
    over the limits is kept. The job keeps `localize_images` and `minor` for its worker.
    """
    documents = count_documents(files, pasted)
    if documents <= int(current_app.config["BACKGROUND_AFTER_DOCUMENTS"]) and not always:
        return None
    check_limits(files, pasted, UploadLimits.from_config(current_app.config))
    job = records.create_job(UPLOAD, describe_upload(files, pasted), documents, user_id)
    try:
        options = {inputs.LOCALIZE: localize_images, inputs.MINOR: minor}
        inputs.save_upload(job.id, files, pasted, options)
    except BaseException:
        inputs.discard(job.id)
        records.delete_job(job.id)
        raise
    hand_over(job)
    # A worker (or, in JOBS_IMMEDIATE mode, this request) may have moved it on already.
    db.session.refresh(job)
    return job


def start_import(path: Path, total: int, *, queue: bool, localize_images: bool = False) -> Job:
    """Record `flask import PATH` as a job; queue it for the workers when asked to."""
    job = records.create_job(IMPORT, str(path), total)
    inputs.save_path(job.id, path, {inputs.LOCALIZE: localize_images})
    if queue:
        hand_over(job)
    return job


def start_export(user_id: int | None, *, revisions: bool) -> Job:
    """Queue the building of an export zip for download; return the job."""
    label = "every article, with revisions" if revisions else "every article"
    job = records.create_job(EXPORT, label, count_articles(), user_id)
    inputs.save_export(job.id, revisions=revisions)
    hand_over(job)
    db.session.refresh(job)
    return job


def start_restore(upload, user_id: int | None) -> Job:
    """Store an uploaded export zip and queue its restore; return the job.

    `upload` is the form's file. Raises ExportFormatError (nothing kept) when it is not a
    readable zip holding a blog export.
    """
    job = records.create_job(RESTORE, upload.filename or "export.zip", 0, user_id)
    try:
        path = inputs.save_restore(job.id, upload)
        plan = check_restore(path, upload.filename or "the file")
    except BaseException:
        inputs.discard(job.id)
        records.delete_job(job.id)
        raise
    job.total = plan.total
    db.session.commit()
    hand_over(job)
    db.session.refresh(job)
    return job


def hand_over(job: Job) -> None:
    """Queue a stored job for the workers; if the queue is down, it waits for a worker start."""
    try:
        enqueue(job.id)
    except Exception:
        # The job is stored and stays queued: a worker takes it up when it starts.
        current_app.logger.exception("job %s could not be queued", job.id)
