"""The pinned label and card covers in Chromium: shown, sized before loading, on a phone."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.conftest import TIMEOUT_MS
from tests.conftest import tiny_png
from webapp import create_app
from webapp.extensions import db
from webapp.services.ingest import IncomingFile, UploadLimits, ingest_files
from webapp.services.schema import stamp_head

pytestmark = pytest.mark.browser

LIMITS = UploadLimits(max_file_bytes=1 << 20, max_upload_bytes=10 << 20)
PINNED = (
    b"---\ntitle: Start here\ntop: 1\ncover: cover.png\ndate: 2020-01-01\n---\nRead me first.\n"
)
PLAIN = b"---\ntitle: Later note\ndate: 2024-01-01\n---\nJust text.\n"


def seed(app) -> None:
    with app.app_context():
        files = [
            IncomingFile("start.md", PINNED),
            IncomingFile("cover.png", tiny_png(30, 20, (220, 120, 0))),
            IncomingFile("later.md", PLAIN),
        ]
        results = ingest_files(files, limits=LIMITS)
        assert [r.outcome for r in results] == ["created", "created"], results


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Serve an app holding one pinned article with a cover and one plain article."""
    tmp = tmp_path_factory.mktemp("pins")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp / 'pins.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-tests-only",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp / "instance"),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        stamp_head()
    # Publish from a plain thread: see tests/browser/conftest.py (KaTeX and asyncio).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(seed, app).result()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="pins-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def open_home(browser, site):
    contexts = []

    def open_(**options):
        context = browser.new_context(base_url=site, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/")
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 740}]
)
def test_the_pinned_card_shows_its_label_and_cover(open_home, viewport):
    page = open_home(viewport=viewport)
    pinned = page.get_by_role("region", name="PINNED")
    card = pinned.get_by_role("article", name="Start here")
    label = card.locator(".card-pin")
    expect(label).to_be_visible()
    expect(label).to_have_text("⚑ Pinned")
    assert "Pinned" in card.locator(".card-meta").aria_snapshot()
    cover = card.get_by_role("img", name="Cover image: Start here")
    expect(cover).to_be_visible()
    cover.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 30", arg=cover.element_handle()
    )
    box = cover.bounding_box()
    card_box = card.bounding_box()
    # Small beside the text, inside the card, shaped 3:2 whatever the picture's own size.
    assert box["width"] < card_box["width"] / 2
    assert abs(box["width"] / box["height"] - 1.5) < 0.05
    assert box["x"] + box["width"] <= card_box["x"] + card_box["width"] + 1
    # The page does not scroll sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    latest = page.get_by_role("region", name="LATEST UPDATES")
    expect(latest.get_by_role("article")).to_have_count(1)
    expect(latest.get_by_role("article", name="Later note")).to_be_visible()


def test_the_cover_box_is_sized_before_the_image_arrives(open_home, site):
    """The width and height attributes reserve the box: nothing moves when it loads."""
    page = open_home()
    size = page.evaluate(
        """() => {
            const img = document.querySelector(".card-cover");
            const probe = img.cloneNode();
            probe.removeAttribute("src");
            img.parentNode.insertBefore(probe, img);
            const box = probe.getBoundingClientRect();
            probe.remove();
            return [box.width, box.height];
        }"""
    )
    assert size[0] > 0 and abs(size[0] / size[1] - 1.5) < 0.05
