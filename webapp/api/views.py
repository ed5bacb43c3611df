"""POST /api/articles: publish Markdown files, a zip or a raw Markdown body; GET /api/jobs/<id>:
how a big upload, published in the background, is getting on."""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _

from .. import jobs
from ..content.encoding import DecodeError, decode_declared, decode_text
from ..i18n import use_token_language
from ..jobs import records
from ..jobs.models import Job
from ..models import PUBLISHED
from ..services.authoring import normalise_newlines
from ..services.ingest import IncomingFile, UploadLimits, UploadTooLarge, ingest_files
from ..services.permissions import Actor
from ..services.publishing import OUTCOMES, REJECTED, FetchBudget, Publisher
from ..services.tokens import authenticate_token
from ..web.options import asks_localized, asks_minor
from ..web.reasons import translate_report_text
from . import bp, json_error

RAW_MARKDOWN = {"text/markdown", "text/plain", "text/x-markdown"}
RAW_ZIP = {"application/zip", "application/x-zip-compressed"}
# File results per answer of the job resource; ?since=N asks for the next ones.
RESULTS_PER_ANSWER = 1000
# Seconds a client is asked to wait between two looks at a running job.
POLL_SECONDS = 2


def bearer_secret() -> str:
    """Return the token of an `Authorization: Bearer …` header, or ""."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def unauthorized(message: str, problem: str | None = None):
    """Answer 401 with a JSON error and the challenge a client needs."""
    challenge = 'Bearer realm="api"' + (f', error="{problem}"' if problem else "")
    return json_error(401, message, **{"WWW-Authenticate": challenge})


def read_upload() -> tuple[list[IncomingFile], str | None]:
    """Return the request's files and pasted text, whatever form the body took."""
    mimetype = request.mimetype
    name = request.args.get("filename", "").strip()
    if mimetype in RAW_ZIP:
        return [IncomingFile(name or "upload.zip", request.get_data())], None
    if mimetype in RAW_MARKDOWN:
        data = request.get_data()
        # With a file name the body is a file (decoded like one; re-sending it updates the
        # same article); without, it is text pasted in the form.
        if name:
            return [IncomingFile(name, data)], None
        charset = request.mimetype_params.get("charset")
        # Declared or guessed, the text goes through the same checks (NUL, binary data).
        return [], decode_declared(data, charset) if charset else decode_text(data)
    files = [
        IncomingFile(storage.filename, storage.read())
        for _field, storage in request.files.items(multi=True)
        if storage.filename
    ]
    pasted = request.form.get("markdown", "")
    return files, normalise_newlines(pasted) if pasted.strip() else None


def result_json(result) -> dict:
    """Return one file's result as JSON, with the article's address when readers can see it.

    Its reason and warnings are in the token holder's language, like the API's errors.
    """
    url = None
    if result.slug and result.status == PUBLISHED and result.outcome != REJECTED:
        url = url_for("blog.article", slug=result.slug, _external=True)
    return {
        "name": result.name,
        "outcome": result.outcome,
        "reason": translate_report_text(result.reason),
        "slug": result.slug,
        "title": result.title,
        "status": result.status,
        "url": url,
        "warnings": [translate_report_text(warning) for warning in result.warnings],
        "images": [translate_report_text(line) for line in result.images or []],
    }


def authorized():
    """Return the token of the request, or the 401 answer to send instead."""
    if not bearer_secret():
        message = _("Send a personal access token: Authorization: Bearer <token>.")
        return None, unauthorized(message)
    token = authenticate_token(bearer_secret())
    if token is None:
        return None, unauthorized(_("The token is wrong or has been revoked."), "invalid_token")
    # From here on the answer speaks the token holder's language (or the site's).
    use_token_language(token.user.language)
    return token, None


@bp.post("/articles")
def publish_articles():
    """Publish what a token holder sends; answer with one JSON result per file.

    An upload of more than BACKGROUND_AFTER_DOCUMENTS documents becomes a job: the answer
    is 202 Accepted with the job (Location: its URL), to be followed with GET until done.
    """
    token, refusal = authorized()
    if refusal:
        return refusal
    try:
        files, pasted = read_upload()
    except (UnicodeDecodeError, LookupError, DecodeError):
        message = _("The Markdown body is not readable text in the charset it declares.")
        return json_error(400, message)
    if not files and not pasted:
        return json_error(400, _("Nothing to publish: send files, a zip, or a Markdown body."))
    limits = UploadLimits.from_config(current_app.config)
    # A form field, or a query parameter when the body is the Markdown or the zip itself.
    localize = asks_localized(request.form) or asks_localized(request.args)
    # minor=true: updated articles keep their date and their place in LATEST UPDATES.
    minor = asks_minor(request.form) or asks_minor(request.args)
    try:
        job = jobs.start_upload(files, pasted, token.user_id, localize_images=localize, minor=minor)
        if job is not None:
            return job_answer(job, 202)
        fetch = FetchBudget.for_request(current_app.config) if localize else None
        # The token acts as its account: an author's token writes only their articles.
        publisher = Publisher(fetch=fetch, minor=minor, actor=Actor.of(token.user))
        results = ingest_files(files, pasted, limits=limits, publisher=publisher)
    except UploadTooLarge as error:
        return json_error(413, translate_report_text(str(error)))
    status = 422 if results and all(r.outcome == REJECTED for r in results) else 200
    return jsonify(results=[result_json(result) for result in results]), status


@bp.get("/jobs/<int:job_id>")
def job(job_id: int):
    """Answer with a job's state, counts and file results (from ?since=N on)."""
    token, refusal = authorized()
    if refusal:
        return refusal
    found = records.get_job(job_id)
    owner = Actor.of(token.user).owner
    # An author's token sees only that author's jobs; another's is as good as absent.
    if found is None or (owner is not None and found.user_id != owner):
        return json_error(404, _("There is no job %(id)d.", id=job_id))
    return job_answer(found, 200)


def job_answer(job: Job, status: int):
    """Return a job as JSON, with Location and Retry-After while it is not finished."""
    since = max(request.args.get("since", 0, type=int), 0) if request.method == "GET" else 0
    progress = records.progress(job)
    files = records.job_files(job, since=since, limit=RESULTS_PER_ANSWER)
    location = url_for("api.job", job_id=job.id, _external=True)
    body = {
        "job": {
            "id": job.id,
            "kind": job.kind,
            "label": job.label,
            "state": progress.state,
            "total": progress.total,
            "done": progress.done,
            "percent": progress.percent,
            "current": progress.current,
            "counts": {outcome: progress.counts.get(outcome, 0) for outcome in OUTCOMES},
            "message": translate_report_text(job.message),
            "created_at": _time(job.created_at),
            "started_at": _time(job.started_at),
            "finished_at": _time(job.finished_at),
            "elapsed_seconds": _seconds(progress.elapsed),
            "remaining_seconds": _seconds(progress.remaining),
            "url": location,
            "page": url_for("admin.job", job_id=job.id, _external=True),
        },
        "results": [result_json(file) for file in files],
        "results_from": since,
    }
    if since + len(files) < progress.done:
        body["next"] = url_for("api.job", job_id=job.id, since=since + len(files), _external=True)
    headers = {"Location": location}
    if progress.state in records.LIVE:
        headers["Retry-After"] = str(POLL_SECONDS)
    return jsonify(body), status, headers


def _time(moment) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def _seconds(span) -> float | None:
    return round(span.total_seconds(), 1) if span is not None else None
