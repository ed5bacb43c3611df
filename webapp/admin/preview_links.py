"""An article's private preview link on its edit page: issue a new one, or revoke it."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from ..services import preview_links
from . import bp
from .articles import article_or_404


def _back(article_id: int):
    return redirect(url_for("admin.edit", article_id=article_id) + "#preview-link")


@bp.post("/articles/<int:article_id>/preview-link")
def issue_preview_link(article_id: int):
    """Give a draft or scheduled article a new preview link; the old one stops working."""
    article = article_or_404(article_id)
    if article.deleted_at is not None or article.is_published:
        flash(_("Only a draft or a scheduled article has a preview link."), "error")
        return _back(article.id)
    preview_links.issue(article)
    flash(_("A new preview link is ready; any earlier link no longer works."), "success")
    return _back(article.id)


@bp.post("/articles/<int:article_id>/preview-link/revoke")
def revoke_preview_link(article_id: int):
    """Withdraw the article's preview link: whoever holds it sees nothing any more."""
    article = article_or_404(article_id)
    preview_links.revoke(article)
    flash(_("The preview link is withdrawn: it no longer opens the article."), "success")
    return _back(article.id)
