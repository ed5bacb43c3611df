"""The upload form (files, a zip, pasted Markdown), its results, and the live preview."""

from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from .. import jobs
from ..services import authoring
from ..services.ingest import IncomingFile, UploadLimits, UploadTooLarge, ingest_files
from ..services.preview import build_preview
from ..services.publishing import FetchBudget, Publisher
from ..web.htmx import wants_fragment
from ..web.options import asks_localized
from . import bp
from .jobs import render_job
from .permits import actor, writable_article


def incoming_files() -> list[IncomingFile]:
    """Return every file the request carries, from any field, skipping empty file inputs."""
    return [
        IncomingFile(storage.filename, storage.read())
        for _field, storage in request.files.items(multi=True)
        if storage.filename
    ]


def publish_upload(files: list[IncomingFile], pasted: str | None, localize: bool = False) -> list:
    """Run files and pasted text through ingest as the account; an oversize one becomes a 413."""
    limits = UploadLimits.from_config(current_app.config)
    fetch = FetchBudget.for_request(current_app.config) if localize else None
    publisher = Publisher(fetch=fetch, actor=actor())
    try:
        return ingest_files(files, pasted, limits=limits, publisher=publisher)
    except UploadTooLarge as error:
        raise RequestEntityTooLarge(str(error)) from error


def render_results(results: list, *, error: str | None = None, source: str = "", status=200):
    """Render upload results: only the result area for htmx, else the whole upload page."""
    editors = authoring.ids_by_slug([result.slug for result in results])
    context = {
        "results": results,
        "editors": editors,
        "error": error,
        "localize_images": asks_localized(request.form),
    }
    if wants_fragment():
        response = make_response(render_template("admin/_upload_results.html", **context), status)
    else:
        page = render_template("admin/upload.html", source=source, **context)
        response = make_response(page, status)
    response.vary.add("HX-Request")
    return response


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    """Show the upload form; publish the files, zip and pasted Markdown it sends."""
    if request.method == "GET":
        return render_template("admin/upload.html", source="")
    files = incoming_files()
    pasted = request.form.get("markdown", "")
    localize = asks_localized(request.form)
    if request.form.get("action") == "preview":
        preview = build_preview(pasted)
        return render_template(
            "admin/upload.html",
            source=pasted,
            preview=preview,
            files_dropped=bool(files),
            localize_images=localize,
        )
    if not files and not pasted.strip():
        message = _("Nothing to publish: choose files or paste Markdown first.")
        return render_results([], error=message, source=pasted, status=422)
    pasted_text = authoring.normalise_newlines(pasted) if pasted.strip() else None
    try:
        job = jobs.start_upload(files, pasted_text, current_user.id, localize_images=localize)
    except UploadTooLarge as error:
        raise RequestEntityTooLarge(str(error)) from error
    if job is None:
        return render_results(publish_upload(files, pasted_text, localize))
    return job_started(job)


def job_started(job):
    """Answer a big upload's job: htmx gets its live progress, a plain form the job page."""
    if wants_fragment():
        return render_job(job, "admin/_job_progress.html")
    return redirect(url_for("admin.job", job_id=job.id), code=303)


@bp.post("/preview")
def preview():
    """Render Markdown through the publishing pipeline without saving: the live preview."""
    article = None
    if request.form.get("article_id", "").isdigit():
        # Rendered with that article's images: only for an article the account may write.
        article = writable_article(int(request.form["article_id"]))
    # The upload form's text area is "markdown", the editor's "source".
    text = request.form.get("markdown", request.form.get("source", ""))
    result = build_preview(text, article)
    if wants_fragment():
        return render_template("admin/_preview.html", preview=result)
    # Without JavaScript the editors post to their own pages; this is for a direct visit.
    return render_template("admin/preview.html", preview=result)
