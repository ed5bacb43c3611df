"""POST /api/articles: publish Markdown files, a zip or a raw Markdown body."""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for

from ..content.encoding import DecodeError, decode_text
from ..models import PUBLISHED
from ..services.authoring import normalise_newlines
from ..services.ingest import IncomingFile, UploadLimits, UploadTooLarge, ingest_files
from ..services.tokens import authenticate_token
from . import bp, json_error

RAW_MARKDOWN = {"text/markdown", "text/plain", "text/x-markdown"}
RAW_ZIP = {"application/zip", "application/x-zip-compressed"}
REJECTED = "rejected"


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
        text = data.decode(charset) if charset else decode_text(data)
        return [], normalise_newlines(text)
    files = [
        IncomingFile(storage.filename, storage.read())
        for _, storage in request.files.items(multi=True)
        if storage.filename
    ]
    pasted = request.form.get("markdown", "")
    return files, normalise_newlines(pasted) if pasted.strip() else None


def result_json(result) -> dict:
    """Return one file's result as JSON, with the article's address when readers can see it."""
    url = None
    if result.slug and result.status == PUBLISHED and result.outcome != REJECTED:
        url = url_for("blog.article", slug=result.slug, _external=True)
    return {
        "name": result.name,
        "outcome": result.outcome,
        "reason": result.reason,
        "slug": result.slug,
        "title": result.title,
        "status": result.status,
        "url": url,
        "warnings": list(result.warnings),
    }


@bp.post("/articles")
def publish_articles():
    """Publish what a token holder sends; answer with one JSON result per file."""
    if not bearer_secret():
        return unauthorized("Send a personal access token: Authorization: Bearer <token>.")
    if authenticate_token(bearer_secret()) is None:
        return unauthorized("The token is wrong or has been revoked.", "invalid_token")
    try:
        files, pasted = read_upload()
    except (UnicodeDecodeError, LookupError, DecodeError):
        return json_error(400, "The Markdown body is not readable text in the charset it declares.")
    if not files and not pasted:
        return json_error(400, "Nothing to publish: send files, a zip, or a Markdown body.")
    limits = UploadLimits.from_config(current_app.config)
    try:
        results = ingest_files(files, pasted, limits=limits)
    except UploadTooLarge as error:
        return json_error(413, str(error))
    status = 422 if results and all(r.outcome == REJECTED for r in results) else 200
    return jsonify(results=[result_json(result) for result in results]), status
