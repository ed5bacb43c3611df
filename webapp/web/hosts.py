"""Trusted hosts: refuse a request for a host name the site does not answer to.

With SITE_URL unset, links in feeds, canonical links and robots.txt are built from the
request's own Host header, so a forged one would be written into pages (and into any cache
in front of them). With SITE_URL or TRUSTED_HOSTS set, any other host gets a 400.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.sansio.utils import host_is_trusted


class UntrustedHost(BadRequest):
    """The request's Host is not one of the site's names."""

    description = _l("This site does not answer to the host name this request was sent to.")


def _host_name(entry: str) -> str:
    """Return a TRUSTED_HOSTS entry or a URL's host without scheme or port, lower-cased."""
    entry = entry.strip()
    # ".example.org" trusts every subdomain (werkzeug's convention): keep the dot.
    dot = "." if entry.startswith(".") else ""
    netloc = entry if "//" in entry else "//" + entry.lstrip(".")
    return dot + (urlsplit(netloc).hostname or "")


def trusted_hosts(site_url: str | None, setting: object) -> list[str]:
    """Return the host names to answer to: SITE_URL's and TRUSTED_HOSTS' (empty: any host).

    TRUSTED_HOSTS is a list, or one string of names separated by spaces or commas (as an
    environment variable gives it).
    """
    entries = re.split(r"[\s,]+", setting) if isinstance(setting, str) else list(setting or [])
    if site_url:
        entries.append(site_url)
    names = (_host_name(str(entry)) for entry in entries if str(entry).strip())
    return sorted({name for name in names if name.strip(".")})


def init_app(app: Flask) -> None:
    """Check every request's host against the trusted names, when there are any."""
    hosts = trusted_hosts(app.config.get("SITE_URL"), app.config.get("TRUSTED_HOSTS"))
    app.extensions["trusted_hosts"] = hosts
    # Flask's own TRUSTED_HOSTS check fails before any URL can be built, so its 400 could
    # not render the error page (a 500 instead); this check runs as a request hook.
    app.config["TRUSTED_HOSTS"] = None
    if not hosts:
        return

    def refuse_untrusted_host() -> None:
        # Host names are case-insensitive; werkzeug compares them as they are.
        if not host_is_trusted(request.host.lower(), hosts):
            raise UntrustedHost()

    # First of the request hooks: nothing else reads the Host before it is checked.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)
