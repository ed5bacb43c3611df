"""The pinned label and card covers in Chromium: shown, sized before loading, on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, served_app
from tests.conftest import tiny_png
from webapp.services.ingest import IncomingFile, UploadLimits, ingest_files

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
    with served_app(tmp_path_factory.mktemp("pins"), seed) as (url, _, _):
        yield url


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
