"""An article's old addresses on its edit page: add some (one per line), remove one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..services import authoring
from ..services.addresses import AddressesRefused
from ..services.preview import stored_preview
from . import bp
from .articles import article_or_404


@bp.post("/articles/<int:article_id>/addresses")
def add_addresses(article_id: int):
    """Add old addresses that answer 301 to the article; refuse them all if one is bad."""
    article = article_or_404(article_id)
    typed = request.form.get("addresses", "")
    try:
        added = authoring.add_addresses(article, typed)
    except AddressesRefused as refused:
        page = render_template(
            "admin/edit.html",
            article=article,
            source=article.source_md,
            preview=stored_preview(article),
            address_problems=refused.problems,
            typed_addresses=typed,
        )
        return page, 422
    if added:
        message = ngettext(
            "%(num)d old address added: it answers 301 to this article.",
            "%(num)d old addresses added: each answers 301 to this article.",
            added,
        )
        flash(message, "success")
    else:
        flash(_("Those addresses already lead to this article."))
    return redirect(url_for("admin.edit", article_id=article.id, _anchor="addresses-heading"))


@bp.post("/articles/<int:article_id>/addresses/<int:address_id>/remove")
def remove_address(article_id: int, address_id: int):
    """Remove one old address: requests for it answer 404 again."""
    article = article_or_404(article_id)
    removed = authoring.remove_address(article, address_id)
    if removed is None:
        abort(404)
    flash(_("%(address)s no longer leads to this article.", address=removed), "success")
    return redirect(url_for("admin.edit", article_id=article.id, _anchor="addresses-heading"))
