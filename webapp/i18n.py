"""The interface's language: gettext catalogs through Flask-Babel, chosen per request.

Readers get the site's language (SITE_LANG); a signed-in author's admin pages, and the
API's answers to a token, follow the account's own choice when it has one. Catalogs live in
webapp/translations and are compiled at install (`make catalogs`), never committed in compiled form.
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_locale, refresh

# The languages the interface is translated into, as catalog names.
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
# Each catalog's text as a BCP 47 tag for lang attributes: the Chinese one is simplified.
LANGUAGE_TAGS = {"en": "en", "zh": "zh-CN"}

babel = Babel()


def language_of(tag: str | None) -> str:
    """Return the catalog a language tag means: "zh-CN", "zh_Hant" -> "zh"; others -> "en"."""
    primary = (tag or "").replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def _account_language() -> str | None:
    """Return the account's own language: on admin pages the signed-in author's, in the API
    the token holder's (set once the token is known), else None."""
    if not has_request_context():
        return None
    if request.path.startswith("/api"):
        language = g.get("token_language")
    elif request.path.startswith("/admin"):
        from flask_login import current_user

        language = getattr(current_user, "language", None) if current_user else None
    else:
        return None
    return language if language in LANGUAGES else None


def use_token_language(language: str | None) -> None:
    """Answer the rest of this API request in a token holder's language (None: the site's)."""
    g.token_language = language
    # The locale may already be worked out for this request; forget it.
    refresh()


def select_locale() -> str:
    """Return the language of this request's interface."""
    return _account_language() or language_of(current_app.config["SITE_LANG"])


def select_timezone() -> str:
    """Return the zone dates are shown in: the site's."""
    return current_app.config["SITE_TIMEZONE"]


def current_language() -> str:
    """Return the interface language in use ("en" or "zh"), e.g. for cache keys."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def interface_lang() -> str:
    """Return the interface language as a BCP 47 tag, for <html lang>: "zh-CN", "en"."""
    language = current_language()
    site_lang = current_app.config["SITE_LANG"]
    # The site's own tag when the interface speaks it (en-GB keeps its region), since the
    # site's title and description around the interface are written in it.
    if language_of(site_lang) == language:
        return site_lang
    return LANGUAGE_TAGS.get(language, language)


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the catalogs in webapp/translations."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["interface_lang"] = interface_lang
