"""What every page shares: versioned asset URLs, date filters, site settings, security headers."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for

from . import vendor
from .errors import human_size
from .services.storage import media_origin
from .web import dates, reasons

# Pages load nothing from elsewhere but images (SITE_IMAGE_SOURCES: articles often keep
# theirs on an image host); KaTeX output needs style attributes, hence 'unsafe-inline' for
# styles only. Scripts are our own file and htmx, both served from 'self'.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src {image_sources}; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Powerful features no page of a blog uses, off for the site and anything it embeds. Only
# names Chromium and Firefox know: an unknown one is logged as a console error.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
# One year; without includeSubDomains, which would bind other sites of the same domain.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def content_security_policy(image_sources: str) -> str:
    """Return the pages' CSP, images allowed from 'self', data: and the checked sources."""
    return CONTENT_SECURITY_POLICY.format(
        image_sources=" ".join(["'self'", "data:", *image_sources.split()])
    )


@cache
def _file_version(static_folder: str, filename: str) -> str:
    path = Path(static_folder) / filename
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"


def asset_url(filename: str) -> str:
    """Return a static URL carrying the file's content hash, so it can be cached for a year."""
    version = _file_version(current_app.static_folder, filename)
    return url_for("static", filename=filename, v=version)


def iso_time(moment: datetime | None) -> str:
    """Format a stored (naive UTC) time for a <time datetime> attribute."""
    return moment.replace(tzinfo=UTC).isoformat() if moment else ""


def init_app(app: Flask) -> None:
    """Register template helpers and the response headers every page carries."""
    # Dates, months and counts in the interface's language (web/dates.py).
    app.jinja_env.filters["date"] = dates.local_date
    app.jinja_env.filters["datetime"] = dates.local_datetime
    app.jinja_env.filters["month_year"] = dates.month_year
    app.jinja_env.filters["month_name"] = dates.month_name
    app.jinja_env.filters["number"] = dates.number
    app.jinja_env.filters["duration"] = dates.duration
    app.jinja_env.filters["isotime"] = iso_time
    app.jinja_env.filters["filesize"] = human_size
    # Upload and import reasons, stored in English, in the reader's language.
    app.jinja_env.filters["report_text"] = reasons.translate_report_text
    app.jinja_env.globals.update(asset_url=asset_url, vendor_file=vendor.vendor_file)

    @app.context_processor
    def site_settings() -> dict:
        config = current_app.config
        return {
            "site_title": config["SITE_TITLE"],
            "site_tagline": config["SITE_TAGLINE"],
            "site_description": config["SITE_DESCRIPTION"],
            "site_lang": config["SITE_LANG"],
        }

    # Built once: SITE_IMAGE_SOURCES was checked when the app was configured; images on
    # MEDIA_PUBLIC_BASE_URL's origin are the site's own, allowed whatever that list says.
    sources = f"{app.config['SITE_IMAGE_SOURCES']} {media_origin(app.config)}"
    policy = content_security_policy(sources)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # For browsers that predate CSP's frame-ancestors: no page is ever framed.
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # A site that sets its cookie Secure is served over HTTPS: tell browsers to stay.
        if current_app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response
