"""The author's own settings: the language of the admin pages."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from ..i18n import language_of
from ..services import accounts
from . import bp

# Each language by its own name, the same in every interface language.
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def account_page(choice: str, error: str | None = None, status: int = 200):
    """Render the settings page with the language choices and the one selected."""
    site_language = LANGUAGE_NAMES[language_of(current_app.config["SITE_LANG"])]
    page = render_template(
        "admin/account.html",
        choice=choice,
        names=LANGUAGE_NAMES,
        site_language=site_language,
        error=error,
    )
    return page, status


@bp.route("/account", methods=["GET", "POST"])
def account():
    """Show the account's settings; save the admin language chosen."""
    if request.method == "GET":
        return account_page(current_user.language or "")
    choice = request.form.get("language", "").strip()
    try:
        accounts.set_language(current_user, choice)
    except accounts.AccountError:
        error = _("Choose 中文, English or the site's language.")
        return account_page(choice, error, 422)
    # Say so in the language just chosen.
    refresh()
    flash(_("Saved: the admin pages now use this language."), "success")
    return redirect(url_for("admin.account"))
