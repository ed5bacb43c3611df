"""Personal access tokens for the publishing API: create (shown once) and revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..services import tokens as token_service
from . import bp


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    """List the author's API tokens; create one and show its secret this once."""
    secret = error = None
    created = None
    if request.method == "POST":
        try:
            created, secret = token_service.create_token(current_user, request.form.get("name", ""))
        except token_service.TokenError as problem:
            error = str(problem)
    listed = token_service.tokens_of(current_user)
    page = render_template(
        "admin/tokens.html", tokens=listed, created=created, secret=secret, error=error
    )
    return page, 422 if error else 200


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke a token: requests carrying it are refused from now on."""
    token = token_service.revoke_token(current_user, token_id)
    if token is None:
        abort(404)
    flash(_("The token “%(name)s” is revoked; it no longer works.", name=token.name), "success")
    return redirect(url_for("admin.tokens"))
