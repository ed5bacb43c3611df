"""An article's revision history: a diff between any two revisions, and restoring one."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..content.budget import RenderTooSlow
from ..content.frontmatter import FrontMatterError
from ..content.metadata import MetadataError, TooLongError
from ..services import authoring
from ..services import revisions as history
from ..services.publishing.authors import AuthorRefused
from . import bp
from .articles import article_or_404, flash_warnings
from .permits import actor


@bp.get("/articles/<int:article_id>/revisions")
def revisions(article_id: int):
    """List an article's revisions and show what changed between the two chosen."""
    article = article_or_404(article_id)
    listed = history.revisions_of(article)
    old_id = request.args.get("from", type=int)
    new_id = request.args.get("to", type=int)
    comparison = history.compare(article, old_id, new_id)
    return render_template(
        "admin/revisions.html", article=article, revisions=listed, comparison=comparison
    )


@bp.get("/articles/<int:article_id>/revisions/<int:revision_id>/source")
def revision_source(article_id: int, revision_id: int):
    """Show one revision's Markdown source whole, as plain text (a long diff is cut short)."""
    article = article_or_404(article_id)
    revision = history.get_revision(article, revision_id)
    if revision is None:
        abort(404)
    return Response(revision.source_md, mimetype="text/plain")


@bp.post("/articles/<int:article_id>/revisions/<int:revision_id>/restore")
def restore_revision(article_id: int, revision_id: int):
    """Make an old revision's source the current version again, as a new revision."""
    article = article_or_404(article_id)
    revision = history.get_revision(article, revision_id)
    if revision is None:
        abort(404)
    try:
        result = history.restore_revision(article, revision, actor())
    except (FrontMatterError, MetadataError, TooLongError, RenderTooSlow, AuthorRefused) as error:
        flash(authoring.describe_source_error(error) + " " + _("Nothing was restored."), "error")
        return redirect(url_for("admin.revisions", article_id=article.id))
    if result.outcome == authoring.UNCHANGED:
        flash(_("That revision is already the current version."))
    else:
        stamp = revision.created_at.strftime("%Y-%m-%d %H:%M")
        flash(
            _("Restored the version saved %(time)s UTC as a new revision.", time=stamp), "success"
        )
    flash_warnings(result.warnings)
    return redirect(url_for("admin.revisions", article_id=article.id))
