"""Background jobs: the list, one job's live progress and results, and resuming one."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..jobs import hand_over, records
from ..jobs.models import Job
from ..services import authoring
from ..web.htmx import wants_fragment
from . import bp
from .permits import owner

# Results shown per page of a job; a 10,000-file import is read a page at a time.
RESULTS_PER_PAGE = 500


def job_or_404(job_id: int) -> Job:
    """Return the job with this id, or answer 404; an author sees only their own jobs."""
    job = records.get_job(job_id)
    if job is None or (owner() is not None and job.user_id != owner()):
        abort(404)
    return job


def render_job(job: Job, template: str, **context):
    """Render a job's progress (the fragment htmx polls, or the whole page)."""
    progress = records.progress(job)
    page = max(request.args.get("page", 1, type=int), 1)
    files = []
    if progress.state not in records.LIVE:
        since = (page - 1) * RESULTS_PER_PAGE
        files = records.job_files(job, since=since, limit=RESULTS_PER_PAGE)
    pages = max(1, -(-job.done // RESULTS_PER_PAGE))
    editors = authoring.ids_by_slug([file.slug for file in files])
    response = make_response(
        render_template(
            template,
            job=job,
            progress=progress,
            results=files,
            editors=editors,
            page=page,
            pages=pages,
            per_page=RESULTS_PER_PAGE,
            **context,
        )
    )
    # The same URL answers with the progress fragment or the whole page.
    response.vary.add("HX-Request")
    return response


@bp.get("/jobs/")
def jobs():
    """List recent jobs, newest first, with their state and counts."""
    listed, pages = records.recent_jobs(request.args.get("page", 1, type=int), owner())
    counts = records.counts_of([job.id for job in listed])
    progress = {job.id: records.progress(job, counts.get(job.id, {})) for job in listed}
    return render_template("admin/jobs.html", jobs=listed, progress=progress, pages=pages)


@bp.get("/jobs/<int:job_id>")
def job(job_id: int):
    """Show a job: live progress while it runs (htmx polls this URL), then its results."""
    job = job_or_404(job_id)
    if wants_fragment():
        return render_job(job, "admin/_job_progress.html")
    return render_job(job, "admin/job.html")


@bp.post("/jobs/<int:job_id>/resume")
def resume_job(job_id: int):
    """Queue an interrupted job again; it goes on after the files it already reported."""
    job = job_or_404(job_id)
    if records.resume(job):
        hand_over(job)
        flash(_("The job is queued again; it goes on where it stopped."), "success")
    else:
        message = _("This job cannot be resumed: it is not interrupted, or its upload is gone.")
        flash(message, "error")
    return redirect(url_for("admin.job", job_id=job.id), code=303)
