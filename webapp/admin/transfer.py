"""Export & restore: download every article as a zip, upload one to restore it (admins only:
an export holds every article, a restore may bring accounts back)."""

from __future__ import annotations

from flask import abort, current_app, make_response, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from .. import jobs
from ..extensions import db
from ..jobs import inputs
from ..jobs.models import DONE, EXPORT, Job
from ..services.transfer import ExportFormatError
from ..web.htmx import wants_fragment
from ..web.reasons import translate_report_text
from . import bp
from .jobs import job_or_404
from .permits import admin_only
from .upload import job_started

# Finished exports listed for download, newest first.
EXPORTS_LISTED = 5


def recent_exports() -> list[Job]:
    """Return the latest finished export jobs whose zip is still there."""
    done = db.session.scalars(
        select(Job)
        .where(Job.kind == EXPORT, Job.state == DONE)
        .order_by(Job.id.desc())
        .limit(EXPORTS_LISTED)
    )
    return [job for job in done if inputs.export_file(job.id).is_file()]


def transfer_page(*, error: str | None = None, status: int = 200):
    """Render the page (htmx: only the error), with an error about the last upload if any."""
    if wants_fragment():
        response = make_response(render_template("admin/_transfer_error.html", error=error), status)
    else:
        page = render_template("admin/transfer.html", exports=recent_exports(), error=error)
        response = make_response(page, status)
    response.vary.add("HX-Request")
    return response


@bp.get("/transfer")
@admin_only
def transfer():
    """Show the export and restore forms and the exports ready for download."""
    return transfer_page()


@bp.post("/transfer/export")
@admin_only
def start_export():
    """Build an export zip in the background; its job page offers the download."""
    job = jobs.start_export(current_user.id, revisions=request.form.get("revisions") == "on")
    return job_started(job)


@bp.get("/transfer/export/<int:job_id>.zip")
@admin_only
def download_export(job_id: int):
    """Send an export job's zip."""
    job = job_or_404(job_id)
    path = inputs.export_file(job.id)
    if job.kind != EXPORT or job.state != DONE or not path.is_file():
        abort(404)
    name = f"blog-export-{job.finished_at:%Y%m%d-%H%M%S}.zip"
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.post("/transfer/restore")
@admin_only
def restore_upload():
    """Restore an uploaded export zip as a background job with live progress."""
    upload = request.files.get("export")
    if upload is None or not upload.filename:
        return transfer_page(error=_("Choose an export zip to restore."), status=400)
    limit = int(current_app.config["MAX_UPLOAD_SIZE"])
    upload.stream.seek(0, 2)
    if upload.stream.tell() > limit:
        raise RequestEntityTooLarge(
            _("%(name)s is larger than the upload limit.", name=upload.filename)
        )
    upload.stream.seek(0)
    try:
        job = jobs.start_restore(upload, current_user.id)
    except ExportFormatError as error:
        message = _("Nothing was restored: %(reason)s.", reason=translate_report_text(str(error)))
        return transfer_page(error=message, status=422)
    return job_started(job)
