"""Browser fixtures: the app served on 127.0.0.1, seeded articles, Debian's Chromium."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import ADMIN_NAME, ADMIN_PASSWORD
from webapp import create_app
from webapp.extensions import db
from webapp.services import accounts
from webapp.services.publishing import publish
from webapp.services.schema import stamp_head

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking switches Chromium keeps dialling Google services, which
# this closed network answers with refused connections.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

SHORT_ARTICLES = 40  # 12 + 12 + 12 + 4, plus the math article: four pages of cards
FIRST_DATE = date(2025, 1, 1)
MATH_SLUG = "math-and-code"
MATH_TITLE = "Math and code"
MATH_ARTICLE = r"""---
title: Math and code
date: 2024-12-01
---
Mass and energy: $E=mc^2$, inline.

$$\int_0^1 x^2\,dx = \frac13$$

$$
\begin{aligned}
(a+b)^2 &= a^2 + 2ab + b^2 \\
(a-b)^2 &= a^2 - 2ab + b^2
\end{aligned}
$$

```python
import math


def area(radius: float) -> float:
    return math.pi * radius**2
```
"""


@dataclass(frozen=True)
class LiveSite:
    """The running server and what was published on it."""

    url: str
    titles: list[str]  # every published title, most recently updated first
    slugs: dict[str, str]  # title -> slug
    math_title: str = MATH_TITLE  # the article with inline, display and aligned math and code
    app: object = None  # the served Flask app, for tests that need an app context (accounts)


@dataclass
class PageWatch:
    """What a page logged and fetched while a test drove it."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page) -> PageWatch:
        """Start recording a page's console errors, uncaught exceptions and requests."""

        def on_console(message):
            if message.type == "error":
                self.console_errors.append(f"{message.text} at {message.location}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))
        return self

    @property
    def errors(self) -> list[str]:
        """Return every console error and uncaught exception."""
        return self.console_errors + self.page_errors

    def foreign_requests(self, base_url: str) -> list[str]:
        """Return the requests that went anywhere but the live server."""
        return [url for url in self.requests if not url.startswith(base_url + "/")]


def short_article(n: int) -> tuple[str, str, str]:
    """Return (filename, title, Markdown) of the n-th short article; a later n is newer."""
    title = f"Note {n:02d}"
    day = FIRST_DATE + timedelta(days=n)
    text = f"---\ntitle: {title}\ndate: {day.isoformat()}\n---\nA short note, number {n}.\n"
    return f"note-{n:02d}.md", title, text


def seed() -> tuple[list[str], dict[str, str]]:
    """Publish the articles through the real write path; return titles newest first, slugs."""
    slugs = {}
    for n in range(1, SHORT_ARTICLES + 1):
        filename, title, text = short_article(n)
        slugs[title] = publish(text, filename=filename).article.slug
    result = publish(MATH_ARTICLE, filename=f"{MATH_SLUG}.md")
    assert not result.warnings, result.warnings
    slugs[MATH_TITLE] = result.article.slug
    titles = [f"Note {n:02d}" for n in range(SHORT_ARTICLES, 0, -1)] + [MATH_TITLE]
    return titles, slugs


def seed_app(app) -> tuple[list[str], dict[str, str]]:
    """Seed inside an app context."""
    with app.app_context():
        return seed()


@contextmanager
def served_app(tmp: Path, seed: Callable, **config) -> Iterator[tuple[str, Flask, object]]:
    """Serve a fresh app on 127.0.0.1 from a background thread; yield (url, app, seeded).

    `seed(app)` fills the emptied database first; `config` adds settings.
    """
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp / 'site.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-tests-only",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp / "instance"),
            **config,
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        stamp_head()  # a worker process started on this database finds it current
    seeded = seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app, seeded
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    """Serve a freshly seeded app; stop it afterwards."""
    served = served_app(tmp_path_factory.mktemp("live"), seed_app)
    with served as (url, app, (titles, slugs)):
        yield LiveSite(url, titles, slugs, app=app)


@pytest.fixture(scope="session")
def playwright():
    """Start sync Playwright for the session; skip when Debian's Chromium is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


def launch(playwright, **options):
    """Launch Debian's Chromium (never a downloaded one); yield it, then close it."""
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, **options
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session")
def browser(playwright):
    """Return a Chromium shared by the session; as Playwright sets it up, Back always reloads."""
    yield from launch(playwright)


@pytest.fixture(scope="session")
def browser_with_bfcache(playwright):
    """Return a Chromium with the back-forward cache on, as readers have it.

    Playwright turns the cache off by default; with it on, Back restores the page frozen in
    memory (no load event, scripts do not run again).
    """
    yield from launch(playwright, ignore_default_args=["--disable-back-forward-cache"])


@pytest.fixture
def new_page(browser, live_site):
    """Return a factory of pages in fresh contexts (own storage) aimed at the live server."""
    contexts = []

    def make(in_browser=None, **context_options):
        context = (in_browser or browser).new_context(base_url=live_site.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """Return a page in a fresh light-mode context."""
    return new_page()


@pytest.fixture
def watch_page():
    """Return a function that starts recording a page's errors and requests (a PageWatch)."""
    return lambda page: PageWatch().attach(page)


@pytest.fixture
def watch(page, watch_page) -> PageWatch:
    """Record the `page` fixture's console errors, page errors and requests from now on."""
    return watch_page(page)


@pytest.fixture
def author(live_site):
    """Create the author account on the live site once."""
    with live_site.app.app_context():
        if accounts.find_user(ADMIN_NAME) is None:
            accounts.create_user(ADMIN_NAME, ADMIN_PASSWORD)
    return ADMIN_NAME, ADMIN_PASSWORD


def sign_in(page, next_path: str) -> None:
    """Open an authoring page, get sent to sign-in, and sign in through the form."""
    page.goto(next_path)
    expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    page.fill("#username", ADMIN_NAME)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))
