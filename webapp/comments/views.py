"""The comment form: shown on its own page or in place (htmx), previewed, posted.

The article page is the same for every reader and cached, so it holds no form: a link
opens the form (in place with htmx, as its own page without), rendered per request with
its CSRF token and the time it was handed out. Answers here are never stored by a cache.
"""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from ..extensions import db
from ..models import COMMENT_APPROVED, Article, Comment
from ..pages import iso_time
from ..services.comments import mail, posting, spam, threads
from ..services.comments.spam import CommentRejected
from ..services.listing import everything
from ..web.comment_cookie import COOKIE_NAME, reader_key
from ..web.htmx import wants_fragment
from ..web.http_cache import PRIVATE

bp = Blueprint("comments", __name__)


@bp.app_template_filter("with_comments")
def with_comments(json_ld: dict, shown: list | None, count: int | None, url: str) -> dict:
    """Return an article's JSON-LD with its commentCount and approved comments (Comment)."""
    if not isinstance(shown, list):
        return json_ld  # a page without comments (undefined in its template)
    comments = []
    for thread in shown:
        for comment in (thread.comment, *thread.replies):
            if comment.status != COMMENT_APPROVED:
                continue  # a reader's own pending comment is theirs, not the page's
            comments.append(
                {
                    "@type": "Comment",
                    "@id": f"{url}#comment-{comment.id}",
                    "author": {"@type": "Person", "name": comment.name},
                    "dateCreated": iso_time(comment.created_at),
                    "text": comment.source_md,
                }
            )
    return {**json_ld, "commentCount": count or 0, "comment": comments}


@bp.after_request
def never_stored(response):
    """Keep forms, previews and posting answers out of every cache."""
    response.headers["Cache-Control"] = PRIVATE
    return response


def _visible(slug: str) -> Article:
    """Return the published article at slug, or answer 404."""
    found = db.session.scalar(select(Article).where(Article.slug == slug, *everything()))
    if found is None:
        abort(404)
    return found


def _reply_target(article: Article, value: str | None) -> Comment | None:
    """Return the approved comment a form replies to (from ?reply_to= or the form), or None."""
    if not value:
        return None
    if not value.isdigit():
        abort(404)
    found = db.session.get(Comment, int(value))
    if found is None or found.article_id != article.id or found.status != COMMENT_APPROVED:
        abort(404)
    return found


def _form(article: Article, *, status: int = 200, **context):
    """Render the form, as a fragment for htmx or as its own page."""
    context.setdefault("draft", None)
    context.setdefault("reply_to", None)
    context["closed"] = threads.is_closed(article)
    context["form_token"] = spam.form_token(article.id)
    template = "comments/_form.html" if wants_fragment() else "comments/form.html"
    return render_template(template, article=article, **context), status


@bp.get("/posts/<slug>/comment/")
def form(slug: str):
    """Show the comment form (a reply's when ?reply_to= names a comment)."""
    article = _visible(slug)
    return _form(article, reply_to=_reply_target(article, request.args.get("reply_to")))


def _draft() -> posting.Draft:
    """Read the form's fields."""
    values = request.form
    parent = values.get("parent_id", "")
    return posting.Draft(
        name=values.get("name", ""),
        email=values.get("email", ""),
        website=values.get("website", ""),
        body=values.get("body", ""),
        parent_id=int(parent) if parent.isdigit() else None,
        notify_replies=values.get("notify_replies") == "on",
    )


@bp.post("/posts/<slug>/comment/preview")
def preview(slug: str):
    """Show a comment as it would appear (htmx: the preview alone; else the form with it)."""
    article = _visible(slug)
    draft = _draft()
    reply_to = _reply_target(article, str(draft.parent_id or ""))
    try:
        html, error = posting.preview(draft.body), None
    except CommentRejected as rejected:
        html, error = None, rejected
    if wants_fragment():
        page = render_template("comments/_preview.html", preview_html=html, error=error)
        return page, error.status if error else 200
    status = error.status if error else 200
    return _form(
        article, status=status, draft=draft, reply_to=reply_to, preview_html=html, error=error
    )


@bp.post("/posts/<slug>/comment/")
def create(slug: str):
    """Post a comment: stored pending (or approved), then shown to its writer."""
    article = _visible(slug)
    draft = _draft()
    if request.form.get("action") == "preview":
        return preview(slug)
    key = reader_key() or secrets.token_urlsafe(24)
    try:
        comment = posting.post(
            article,
            draft,
            address=request.remote_addr or "",
            owner_key=key,
            token=request.form.get("form_token", ""),
            trap=request.form.get("homepage", ""),
        )
    except CommentRejected as rejected:
        reply_to = None
        if draft.parent_id is not None and rejected.status != 404:
            reply_to = db.session.get(Comment, draft.parent_id)
        return _form(
            article, status=rejected.status, draft=draft, reply_to=reply_to, error=rejected
        )
    if wants_fragment():
        response = make_response(
            render_template("comments/_posted.html", article=article, comment=comment), 201
        )
    else:
        target = url_for("blog.article", slug=article.slug, _anchor=f"comment-{comment.id}")
        response = redirect(target, 303)
    days = int(current_app.config["COMMENT_COOKIE_DAYS"])
    response.set_cookie(
        COOKIE_NAME,
        key,
        max_age=days * 24 * 60 * 60,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


@bp.route("/comments/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Stop the emails an unsubscribe link names (GET asks first: mail scanners follow links)."""
    found = mail.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    done = request.method == "POST"
    if done:
        mail.unsubscribe(*found)
    page = render_template("comments/unsubscribe.html", kind=found[0], done=done, token=token)
    return page
