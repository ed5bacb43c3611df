"""Managing articles: the list, the editor, publish and unpublish, the trash."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..content.budget import RenderTooSlow
from ..content.frontmatter import FrontMatterError
from ..content.metadata import MetadataError, TooLongError
from ..models import ARTICLE, PAGE, PUBLISHED, Article
from ..services import authoring
from ..services.preview import build_preview, stored_preview
from ..services.publishing.authors import AuthorRefused
from ..web.htmx import wants_fragment
from ..web.options import asks_minor
from ..web.reasons import translate_report_text
from . import bp
from .auth import safe_next
from .permits import actor, owner, writable_article


def article_or_404(article_id: int) -> Article:
    """Return an article the account may write (draft or trashed too); else 404 or 403."""
    return writable_article(article_id)


def back_to(default: str) -> str:
    """Return the local page a form asked to come back to, else `default`."""
    return safe_next(request.form.get("next")) or default


def flash_warnings(warnings: list[str]) -> None:
    """Show each pipeline warning after a redirect."""
    for warning in warnings:
        flash(_("Warning: %(warning)s", warning=translate_report_text(warning)), "warning")


@bp.get("/")
def index():
    """Open the author's start page, the article list."""
    return redirect(url_for("admin.articles"))


@bp.get("/articles")
def articles():
    """List every article with its status and dates, filtered by title; htmx gets the table."""
    return article_list(ARTICLE)


@bp.get("/pages")
def pages():
    """List the standalone pages (front matter `type: page`) like the articles."""
    return article_list(PAGE)


def article_list(kind: str):
    """Serve the Articles or the Pages section: the whole page, or the table for htmx."""
    query = request.args.get("q", "").strip()
    status = request.args.get("status") or None
    page = request.args.get("page", 1, type=int)
    table = authoring.list_articles(query, status, page, kind=kind, owner=owner())
    template = "admin/_article_table.html" if wants_fragment() else "admin/articles.html"
    context = {"table": table, "query": query, "status": status, "kind": kind}
    response = make_response(render_template(template, **context))
    # The same URL answers with the table alone or the whole page, depending on HX-Request.
    response.vary.add("HX-Request")
    return response


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
def edit(article_id: int):
    """Show the verbatim source with a preview; save it as the current version and a revision."""
    article = article_or_404(article_id)
    if request.method == "GET":
        source, preview = article.source_md, stored_preview(article)
        return render_template("admin/edit.html", article=article, source=source, preview=preview)
    source = request.form.get("source", "")
    if request.form.get("action") == "preview":
        preview = build_preview(source, article)
        return render_template("admin/edit.html", article=article, source=source, preview=preview)
    try:
        result = authoring.save_source(article, source, actor(), minor=asks_minor(request.form))
    except (FrontMatterError, MetadataError, TooLongError, RenderTooSlow, AuthorRefused) as error:
        message = authoring.describe_source_error(error) + " " + _("Nothing was saved.")
        page = render_template(
            "admin/edit.html",
            article=article,
            source=source,
            error=message,
            minor=asks_minor(request.form),
        )
        return page, 422
    if result.outcome == authoring.UNCHANGED:
        flash(_("No changes to save: the source is the same as the current version."))
    else:
        flash(_("Saved. The previous version is kept in the revision history."), "success")
    flash_warnings(result.warnings)
    return redirect(url_for("admin.edit", article_id=article.id))


@bp.post("/articles/<int:article_id>/status")
def set_status(article_id: int):
    """Publish an article, or take it back to a draft that readers cannot see."""
    article = article_or_404(article_id)
    status = request.form.get("status")
    if status not in authoring.STATUSES:
        abort(400)
    authoring.set_status(article, status)
    if status == PUBLISHED:
        flash(_("“%(title)s” is published.", title=article.title), "success")
    else:
        flash(
            _("“%(title)s” is a draft now: readers no longer see it.", title=article.title),
            "success",
        )
    return redirect(back_to(url_for("admin.articles")))


@bp.route("/articles/<int:article_id>/delete", methods=["GET", "POST"])
def delete(article_id: int):
    """Ask whether to delete an article, then move it to the trash."""
    article = article_or_404(article_id)
    if request.method == "GET":
        return render_template("admin/delete.html", article=article)
    authoring.move_to_trash(article)
    message = _(
        "“%(title)s” moved to the trash. You can restore it from there.", title=article.title
    )
    flash(message, "success")
    return redirect(url_for("admin.articles"))


@bp.get("/trash")
def trash():
    """List the deleted articles, which can be restored until the trash is emptied."""
    page = request.args.get("page", 1, type=int)
    table = authoring.list_articles(page=page, trashed=True, owner=owner())
    return render_template("admin/trash.html", table=table)


@bp.post("/articles/<int:article_id>/restore")
def restore(article_id: int):
    """Take an article out of the trash, with the status it had."""
    article = article_or_404(article_id)
    authoring.restore_from_trash(article)
    flash(_("“%(title)s” is restored.", title=article.title), "success")
    return redirect(back_to(url_for("admin.trash")))


@bp.route("/trash/empty", methods=["GET", "POST"])
def empty_trash():
    """Ask whether to empty the trash, then delete its articles for good."""
    if request.method == "GET":
        table = authoring.list_articles(trashed=True, owner=owner())
        return render_template("admin/empty_trash.html", table=table)
    removed = authoring.empty_trash(owner())
    message = ngettext(
        "The trash is empty: %(num)d article deleted for good.",
        "The trash is empty: %(num)d articles deleted for good.",
        removed,
    )
    flash(message, "success")
    return redirect(url_for("admin.trash"))
