"""Default settings; instance/config.py, FLASK_* variables and plain env vars override them."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app

DEFAULTS = {
    "SITE_TITLE": "Signal & Noise",
    "SITE_TAGLINE": "INCOMING TRANSMISSION",
    "SITE_DESCRIPTION": "Technical notes on machine learning, big data and algorithms.",
    # The language of pages that are not one article (listings, errors).
    "SITE_LANG": "en",
    # Naive front matter dates are read in this zone; dates are shown in it too.
    "SITE_TIMEZONE": "UTC",
    # The address readers reach the site at, e.g. "https://blog.example.org", used in
    # feeds, the sitemap, canonical links and share tags; None: each request's own address.
    "SITE_URL": None,
    # The author named in feeds and JSON-LD; None: the site title.
    "SITE_AUTHOR": None,
    "CARDS_PER_PAGE": 12,
    # A document from a zip or folder whose front matter names no category goes in the
    # category its folders stand for (vault/机器学习/笔记.md: 机器学习), as in Obsidian.
    "FOLDER_CATEGORIES": True,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Seconds a SQLite writer waits for another's write lock before "database is locked".
    # Writes hold the lock only to write (rendering happens before), so a wait this long
    # means trouble; gunicorn's timeout counts it in, so the request fails cleanly instead.
    "SQLITE_BUSY_TIMEOUT": 15,
    # Static files are served with versioned URLs, so they may be cached for a year.
    "SEND_FILE_MAX_AGE_DEFAULT": 31536000,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/plain",
        "text/xml",
        "application/json",
        "application/javascript",
        "text/javascript",
        "application/xml",
        "application/atom+xml",
        "application/rss+xml",
        "image/svg+xml",
    ],
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # Static files are streamed; flask-compress cannot stream gzip, so offer br or deflate.
    "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],
    "COMPRESS_BR_LEVEL": 5,
    "COMPRESS_MIN_SIZE": 500,
    # Finished article pages kept in each worker's memory (see blog/page_cache.py).
    "PAGE_CACHE_BYTES": 64 * 1024 * 1024,
    # Reader pages: seconds a proxy or CDN may serve its copy without asking (s-maxage),
    # and seconds more it may serve it while asking again (stale-while-revalidate).
    # Browsers always ask, and get a 304 when nothing changed (web/http_cache.py).
    "READER_CACHE_SECONDS": 5,
    "READER_STALE_SECONDS": 30,
    # Upload limits: each file, and one whole upload (also a zip's unpacked size).
    "MAX_FILE_SIZE": 10 * 1024 * 1024,
    "MAX_UPLOAD_SIZE": 100 * 1024 * 1024,
    # Sign-in: the session cookie is out of reach of scripts and of other sites' forms.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # A form's CSRF token lives as long as the session: an author who edits for two hours
    # must not lose the edit to an expired token.
    "WTF_CSRF_TIME_LIMIT": None,
    # Failed sign-ins allowed for one account from one address before each further attempt
    # from there waits 2, 4, 8 … seconds, up to LOGIN_DELAY_MAX; failures are forgotten
    # after LOGIN_FAILURE_WINDOW seconds (services/signin_throttle.py).
    "LOGIN_FAILURE_LIMIT": 5,
    "LOGIN_FAILURE_WINDOW": 24 * 60 * 60,
    "LOGIN_DELAY_MAX": 15 * 60,
    # Standalone pages (front matter `type: page`) linked in the site navigation, in order:
    # [{"slug": "about", "label": "About"}, …]; as JSON in FLASK_NAV_PAGES.
    "NAV_PAGES": [],
    # A draft's or scheduled article's private preview link works this many days.
    "PREVIEW_LINK_DAYS": 7,
    # A sign-in lasts this many days at most; signing out or a new password ends it sooner.
    "SESSION_LIFETIME_DAYS": 14,
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto may be believed.
    "TRUSTED_PROXIES": 0,
    # Background jobs (webapp/jobs). An upload with more documents than this is published
    # by a worker, with a progress page; smaller ones are published in the request.
    "BACKGROUND_AFTER_DOCUMENTS": 20,
    # The queue: Redis at this URL (REDIS_URL in the environment), else a SQLite file in
    # the instance folder.
    "REDIS_URL": None,
    # Run a job inside the request that starts it (tests; never in production).
    "JOBS_IMMEDIATE": False,
    # The queue's name: sites (or test runs) sharing one Redis keep their jobs apart by it.
    "JOB_QUEUE_NAME": "blog-jobs",
    # Worker threads of `flask worker`: jobs run at the same time.
    "JOB_WORKERS": 2,
    # Processes that render a big job's documents; 0: one per core.
    "JOB_RENDER_PROCESSES": 0,
    # Documents written per transaction by a job.
    "JOB_BATCH_SIZE": 50,
    # A running job's worker writes a heartbeat this often (seconds); four missed ones
    # mark the job interrupted.
    "JOB_HEARTBEAT_SECONDS": 5,
    # Finished jobs (and their per-file reports) are kept this many days.
    "JOB_KEEP_DAYS": 14,
    # Where article images may load from besides the site itself: a space-separated list
    # of Content-Security-Policy sources ("https: cdn.example.org"); "" allows only the
    # site's own images. Most imported notes keep their images on a CDN (an image host).
    "SITE_IMAGE_SOURCES": "https:",
    # Copying remote images into the site at import (the upload form's checkbox, the API's
    # localize_images=1, `flask import --localize-images`): bytes per image (None: the
    # MAX_FILE_SIZE), images per document and per upload, seconds per image, per document
    # and per upload.
    "IMAGE_FETCH_MAX_SIZE": None,
    "IMAGE_FETCH_MAX_PER_DOCUMENT": 100,
    "IMAGE_FETCH_MAX_PER_UPLOAD": 1000,
    "IMAGE_FETCH_TIMEOUT": 15,
    "IMAGE_FETCH_DOCUMENT_SECONDS": 120,
    "IMAGE_FETCH_UPLOAD_SECONDS": 1800,
    # Downloads inside a web request (uploads small enough to be published there) stop by
    # then, within gunicorn's timeout, which counts it in; a job has IMAGE_FETCH_UPLOAD_SECONDS.
    "IMAGE_FETCH_REQUEST_SECONDS": 15,
    # Let those downloads reach private, loopback and link-local addresses (an intranet
    # image host; tests). Off: a Markdown file must not make the server probe its network.
    "IMAGE_FETCH_ALLOW_PRIVATE": False,
    # Where stored images live (services/storage): instance/uploads unless a bucket is named.
    # MEDIA_S3_*: an S3-compatible bucket (AWS, MinIO, R2 …) through boto3; without the key
    # settings, the standard AWS credentials (environment, ~/.aws, instance role). The bucket
    # is checked at start-up unless MEDIA_S3_CHECK_AT_START is False.
    "MEDIA_S3_BUCKET": None,
    "MEDIA_S3_ENDPOINT_URL": None,
    "MEDIA_S3_REGION": None,
    "MEDIA_S3_ACCESS_KEY_ID": None,
    "MEDIA_S3_SECRET_ACCESS_KEY": None,
    "MEDIA_S3_PREFIX": "",
    "MEDIA_S3_ADDRESSING_STYLE": "auto",
    "MEDIA_S3_CHECK_AT_START": True,
    # The public address stored images are loaded from (a CDN, a public bucket), ending
    # where a file name follows: "https://cdn.example.org/media/". None: /media/ on the site.
    "MEDIA_PUBLIC_BASE_URL": None,
    # CPU seconds one document may take to render inside a web request (upload, API,
    # preview, editor save; its images aside): past it the document is refused with that
    # reason and the worker goes on, so no input holds a worker longer. The largest real
    # articles (100 KB, 600 formulas) take a quarter of a second. None or 0: no limit.
    "RENDER_BUDGET_SECONDS": 2,
    # The same for the job worker and `flask import`, which hold no web worker: only
    # hostile input comes near it.
    "BACKGROUND_RENDER_BUDGET_SECONDS": 30,
    # Comments: a form sent sooner than this after it was handed out is a bot's.
    "COMMENT_MIN_FILL_SECONDS": 3,
    # At most this many comments per address, and per article, in the window (seconds).
    "COMMENT_RATE_PER_ADDRESS": 5,
    "COMMENT_RATE_PER_ARTICLE": 30,
    "COMMENT_RATE_WINDOW": 600,
    # Links a comment may hold (its author's website field aside).
    "COMMENT_MAX_LINKS": 3,
    # How long a commenter's cookie (which shows them their pending comments) lasts.
    "COMMENT_COOKIE_DAYS": 30,
    # Outgoing mail (comment notifications), sent by the job worker. No host: no mail.
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "SMTP_TIMEOUT": 30,
    "MAIL_FROM": None,
}

# One source of a CSP source list: a scheme ("https:"), a host with an optional scheme,
# port and path ("https://*.example.org:8443/img/"), or 'self'. Nothing that could end the
# directive (";", ",") or add a keyword such as 'unsafe-inline'.
_CSP_SOURCE = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:"
    r"|(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?:\*|(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"
    r"(?::(?:[0-9]{1,5}|\*))?(?:/[A-Za-z0-9._~%!$&()*+=:@/-]*)?"
    r"|'self'"
)


class SettingError(ValueError):
    """A setting the app cannot start with; str() names it and says what is wrong."""


def image_sources(value) -> str:
    """Return SITE_IMAGE_SOURCES as a checked CSP source list; raise SettingError otherwise."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = " ".join(str(item) for item in value)
    if not isinstance(value, str):
        raise SettingError(f"SITE_IMAGE_SOURCES must be text, not {type(value).__name__}")
    sources = value.split()
    for source in sources:
        if not _CSP_SOURCE.fullmatch(source):
            raise SettingError(
                f"SITE_IMAGE_SOURCES: {source!r} is not an image source; give a "
                'space-separated list such as "https:" or "https://img.example.org" '
                '("" for the site\'s own images only)'
            )
    return " ".join(sources)


def preview_link_days(value) -> float:
    """Return PREVIEW_LINK_DAYS as a number of days above 0; raise SettingError otherwise."""
    try:
        days = float(value)
    except (TypeError, ValueError):
        days = 0.0
    if isinstance(value, bool) or not 0 < days <= 3650:
        raise SettingError(
            f"PREVIEW_LINK_DAYS must be a number of days above 0 (at most 3650), not {value!r}"
        )
    return days


_NAV_SLUG = re.compile(r"[^\s/?#%\\]{1,200}")
MAX_NAV_LABEL = 80


def nav_pages(value) -> list[dict]:
    """Return NAV_PAGES as checked {"slug", "label"} entries; raise SettingError otherwise."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise SettingError(f"NAV_PAGES must be a list of {{slug, label}} entries, not {value!r}")
    entries = []
    for entry in value:
        slug = entry.get("slug") if isinstance(entry, dict) else None
        label = entry.get("label") if isinstance(entry, dict) else None
        if not isinstance(slug, str) or not _NAV_SLUG.fullmatch(slug.strip("/")):
            raise SettingError(f"NAV_PAGES: {entry!r} needs the slug of a page, such as 'about'")
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_NAV_LABEL:
            raise SettingError(
                f"NAV_PAGES: {entry!r} needs a label of 1 to {MAX_NAV_LABEL} characters"
            )
        entries.append({"slug": slug.strip("/"), "label": label.strip()})
    return entries


# Room for the multipart envelope and form fields around the files themselves.
FORM_OVERHEAD_BYTES = 1024 * 1024


def sqlite_uri(instance_path: str) -> str:
    """Return the default SQLite URI inside the instance folder."""
    return "sqlite:///" + str(Path(instance_path) / "blog.sqlite3")


def load_secret_key(instance_path: str) -> str:
    """Read instance/secret_key, generating it on first run so no secret lives in the repo."""
    path = Path(instance_path) / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting together must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def configure(app, test_config: dict | None) -> None:
    """Apply defaults, then instance/config.py, FLASK_* and DATABASE_URL, then test overrides."""
    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_uri(app.instance_path)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(os.environ["DATABASE_URL"])
        if os.environ.get("REDIS_URL"):
            app.config["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        app.config.from_mapping(test_config)
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_SIZE"] + FORM_OVERHEAD_BYTES
    # Pasted or edited Markdown arrives as a form field, not a file: allow it a file's size
    # (werkzeug's default of 500 kB would refuse a long article).
    if app.config.get("MAX_FORM_MEMORY_SIZE") in (None, 500_000):
        app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_FILE_SIZE"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
    # The session cookie expires when the server-side session does (services/sessions.py).
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        days=float(app.config["SESSION_LIFETIME_DAYS"])
    )
    # Checked at start-up: a bad value must stop the app, not reach every page's header.
    app.config["SITE_IMAGE_SOURCES"] = image_sources(app.config["SITE_IMAGE_SOURCES"])
    app.config["PREVIEW_LINK_DAYS"] = preview_link_days(app.config["PREVIEW_LINK_DAYS"])
    app.config["NAV_PAGES"] = nav_pages(app.config["NAV_PAGES"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)


def engine_options(config) -> dict:
    """Return the engine options, with SQLITE_BUSY_TIMEOUT as a SQLite database's lock wait."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # sqlite3's timeout is SQLite's busy timeout: how long a write waits for the lock.
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", float(config["SQLITE_BUSY_TIMEOUT"]))
        options["connect_args"] = connect_args
    return options


def database_uri(url: str) -> str:
    """Normalise a DATABASE_URL so plain postgres:// URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def site_timezone() -> ZoneInfo:
    """Return the site's time zone: naive front matter dates are read in it, dates shown in it."""
    return ZoneInfo(current_app.config["SITE_TIMEZONE"])
