"""Moderation: the comment queue, its actions, per-article closing and the comment settings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..content.messages import N_
from ..extensions import db
from ..models import COMMENT_PENDING, Article, Comment
from ..services.comments import moderation, settings
from ..services.comments.spam import CommentRejected
from ..services.permissions import may_write
from . import bp
from .permits import admin_only, owner


def _comment(comment_id: int) -> Comment:
    """Return a comment on an article the account may write; 404 if none, 403 if not theirs."""
    found = db.session.get(Comment, comment_id)
    if found is None:
        abort(404)
    if not may_write(current_user, found.article):
        abort(403)
    return found


def _back():
    """Return to the list the action was taken from."""
    status = request.form.get("status", COMMENT_PENDING)
    return redirect(url_for("admin.comments", status=status))


def _page(status: str, settings_error: str | None = None, code: int = 200):
    """Render the moderation page: one status's comments, the closed articles, the settings."""
    page = request.args.get("page", 1, type=int) or 1
    mine = owner()
    listed, total = moderation.queue(status, page, mine)
    html = render_template(
        "admin/comments.html",
        section="comments",
        status=status,
        listed=listed,
        total=total,
        page=page,
        page_size=moderation.PAGE_SIZE,
        counts=moderation.status_counts(mine),
        settings=settings.current(),
        closed=moderation.closed_articles(mine),
        settings_error=settings_error,
    )
    return html, code


@bp.get("/comments")
def comments():
    """List comments in one status (waiting ones first), with the settings below."""
    status = request.args.get("status", COMMENT_PENDING)
    if status not in moderation.STATUSES:
        abort(404)
    return _page(status)


@bp.post("/comments/<int:comment_id>/approve")
def approve_comment(comment_id: int):
    """Publish a comment."""
    moderation.approve(_comment(comment_id))
    flash(_("The comment is published."), "success")
    return _back()


@bp.post("/comments/<int:comment_id>/spam")
def spam_comment(comment_id: int):
    """Mark a comment as spam: hidden from readers, kept in the spam list."""
    moderation.mark_spam(_comment(comment_id))
    flash(_("The comment is marked as spam."), "success")
    return _back()


@bp.post("/comments/<int:comment_id>/delete")
def delete_comment(comment_id: int):
    """Delete a comment and its replies."""
    moderation.delete(_comment(comment_id))
    flash(_("The comment is deleted."), "success")
    return _back()


@bp.post("/comments/<int:comment_id>/reply")
def reply_comment(comment_id: int):
    """Publish the author's reply under a comment (approving the comment with it)."""
    parent = _comment(comment_id)
    try:
        name = moderation.check_reply_name(current_user.username)
        moderation.reply(parent, name, request.form.get("body", ""))
    except CommentRejected as rejected:
        flash(_("The reply was not published: %(reason)s.", reason=str(rejected)), "error")
        return _back()
    flash(_("Your reply is published."), "success")
    return _back()


def _article(slug: str) -> Article:
    """Return the article with this slug if the account may write it; else 404 or 403."""
    found = db.session.scalar(select(Article).where(Article.slug == slug))
    if found is None:
        abort(404)
    if not may_write(current_user, found):
        abort(403)
    return found


@bp.post("/comments/close")
def close_comments():
    """Close comments on one article (named by its slug)."""
    article = _article(request.form.get("slug", "").strip())
    moderation.close(article)
    flash(_("Comments on “%(title)s” are closed.", title=article.title), "success")
    return _back()


@bp.post("/comments/reopen")
def reopen_comments():
    """Open comments on one article again."""
    article = _article(request.form.get("slug", "").strip())
    moderation.reopen(article)
    flash(_("Comments on “%(title)s” are open again.", title=article.title), "success")
    return _back()


@bp.post("/comments/settings")
@admin_only
def comment_settings():
    """Save the comment settings: approval, notifications, blocklist, closing by age."""
    form = request.form
    days = form.get("close_after_days", "").strip()
    if days and not days.isdigit():
        return _page(COMMENT_PENDING, N_("the number of days must be a whole number"), 422)
    try:
        settings.update(
            auto_approve=form.get("auto_approve") == "on",
            approve_known=form.get("approve_known") == "on",
            notify_email=form.get("notify_email", ""),
            blocklist=form.get("blocklist", ""),
            close_after_days=int(days) if days else None,
        )
    except (settings.SettingsError, CommentRejected) as problem:
        db.session.rollback()
        return _page(COMMENT_PENDING, str(problem), 422)
    flash(_("The comment settings are saved."), "success")
    return redirect(url_for("admin.comments"))
