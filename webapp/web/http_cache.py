"""HTTP caching: entity tags and 304s for reader pages, and Cache-Control for every answer.

A reader page is the same for every reader, so a proxy or CDN may keep it for
READER_CACHE_SECONDS (s-maxage) and go on serving it READER_STALE_SECONDS longer while it
asks again in the background (stale-while-revalidate). Browsers ask every time (max-age=0)
and usually get a 304: the page cache's entry carries a strong entity tag and a date.
Authoring pages and the API are never stored; neither is anything that sets a cookie or
answers a request that carries the sign-in cookie.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.http import is_resource_modified

from ..config import SettingError
from .page_cache import CachedPage, page_response, request_encoding

# Blueprints whose pages are the same for every reader (feeds set their own lifetime).
READER_BLUEPRINTS = frozenset({"blog", "search"})
# Path prefixes of the author's pages and the API, errors and unknown addresses included.
PRIVATE_PREFIXES = ("/admin", "/api")
PRIVATE = "private, no-store"


def reader_response(page: CachedPage, mimetype: str = "text/html") -> Response:
    """Answer with a cached reader page, or 304 when the client's copy is current."""
    encoding = request_encoding()
    # A strong tag names exact bytes, so each encoding of the page has its own.
    etag = page.etag if encoding is None else f"{page.etag}:{encoding}"
    if is_resource_modified(request.environ, etag=etag, last_modified=page.stored_at):
        response = page_response(page, mimetype)
    else:
        response = current_app.response_class(status=304)
        response.vary.add("Accept-Encoding")
    response.set_etag(etag)
    response.last_modified = page.stored_at
    return response


def reader_cache_control(config) -> str:
    """Return the Cache-Control of reader pages under the site's settings."""
    shared = int(config["READER_CACHE_SECONDS"])
    stale = int(config["READER_STALE_SECONDS"])
    return f"public, max-age=0, s-maxage={shared}, stale-while-revalidate={stale}"


def _is_private_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PRIVATE_PREFIXES)


def _carries_sign_in() -> bool:
    """Tell whether the request carries the session cookie (an author, signed in or signing in).

    The cookie's presence is enough: opening the session would cost a query per request
    and mark every reader page `Vary: Cookie` whether or not it was read.
    """
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies


def set_cache_control(response: Response) -> Response:
    """Give an answer its Cache-Control: no-store, reader pages' shared lifetime, or private."""
    if _is_private_path(request.path):
        response.headers["Cache-Control"] = "no-store"
        return response
    if request.blueprint not in READER_BLUEPRINTS or response.status_code not in (200, 304):
        return response
    if "Cache-Control" in response.headers:
        return response  # set by the view (stored images: a year)
    if _carries_sign_in():
        # The author must see a publish at once, never a shared copy from before it.
        response.headers["Cache-Control"] = PRIVATE
    else:
        response.headers["Cache-Control"] = reader_cache_control(current_app.config)
    # A cache that keeps the readers' copy must not answer the author's request with it.
    response.vary.add("Cookie")
    return response


class PrivateCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session; an answer that sets a cookie is never stored.

    Flask writes the session cookie after every after_request hook has run, so the check
    sits here, where the last Set-Cookie has been added.
    """

    def save_session(self, app: Flask, session, response: Response) -> None:
        super().save_session(app, session, response)
        if "Set-Cookie" in response.headers and not response.cache_control.no_store:
            response.headers["Cache-Control"] = PRIVATE


def _check_seconds(config, name: str) -> None:
    value = config[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingError(f"{name} must be a whole number of seconds, 0 or more, not {value!r}")


def init_app(app: Flask) -> None:
    """Check the caching settings and set every answer's Cache-Control."""
    # Checked at start-up: a bad value must stop the app, not reach every page's header.
    _check_seconds(app.config, "READER_CACHE_SECONDS")
    _check_seconds(app.config, "READER_STALE_SECONDS")
    app.session_interface = PrivateCookieSessions()
    app.after_request(set_cache_control)
