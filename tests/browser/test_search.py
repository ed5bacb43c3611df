"""The header search box in Chromium: live results, a shareable URL, Back, and no JavaScript."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from webapp.services.publishing import publish

pytestmark = pytest.mark.browser

BOX = "#site-search-input"
RESULT_TITLES = "#main .card-title"
CONV_TITLE = "卷积神经网络入门"
SEARCH_URL = re.compile(r"/search\?q=" + re.escape(quote("卷积")) + "$")


def _publish_search_articles(app) -> None:
    with app.app_context():
        publish(
            f"---\ntitle: {CONV_TITLE}\ndate: 2023-01-01\n---\n卷积层通过共享权重提取局部特征。\n",
            filename="conv.md",
        )
        publish(
            "---\ntitle: 图像处理笔记\ndate: 2023-02-01\n---\n高斯模糊本质上是一次卷\n积运算。\n",
            filename="image.md",
        )


@pytest.fixture(scope="module", autouse=True)
def search_articles(live_site):
    """Add two Chinese articles about 卷积 to the live site."""
    _publish_search_articles(live_site.app)


def mark_document(page) -> None:
    """Set a window property: it survives swaps and is gone after any full page load."""
    page.evaluate("window.sameDocument = 'yes'")


def same_document(page) -> bool:
    return page.evaluate("window.sameDocument === 'yes'")


def type_query(page, text: str) -> None:
    page.locator(BOX).click()
    page.locator(BOX).press_sequentially(text, delay=40)


def test_typing_on_the_listing_shows_live_results_and_back_returns(page, watch):
    page.goto("/")
    expect(page.locator("#listing-heading")).to_contain_text("LATEST UPDATES")
    mark_document(page)
    type_query(page, "卷积")
    page.wait_for_url(SEARCH_URL)
    expect(page.locator(RESULT_TITLES)).to_have_text([CONV_TITLE, "图像处理笔记"])
    expect(page.locator("#main mark").first).to_have_text("卷积")
    expect(page).to_have_title(re.compile(r"^卷积 · Search · "))
    assert same_document(page), "the results came with a full page load"
    expect(page.locator(BOX)).to_be_focused()  # typing can go on
    expect(page.locator("#site-search-status")).to_have_text("2 results.")

    page.go_back()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("#listing-heading")).to_contain_text("LATEST UPDATES")
    expect(page.locator(".search-results")).to_have_count(0)
    assert watch.errors == []


def test_refining_the_query_keeps_one_history_entry(page, watch):
    page.goto("/")
    type_query(page, "卷")
    page.wait_for_url(re.compile(r"/search\?q=" + re.escape(quote("卷")) + "$"))
    expect(page.locator(RESULT_TITLES).first).to_have_text(CONV_TITLE)
    page.locator(BOX).press_sequentially("积", delay=40)
    page.wait_for_url(SEARCH_URL)
    expect(page.locator(".search-summary")).to_contain_text("for “卷积”")
    page.go_back()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("#listing-heading")).to_be_visible()
    assert watch.errors == []


def test_an_article_page_loads_htmx_on_focus_and_searches_live(page, watch, live_site):
    page.goto(f"/posts/{live_site.slugs[live_site.math_title]}/")
    expect(page.locator("#post-title")).to_have_text(live_site.math_title)
    # The page ships without htmx; only the comments' script may load it, once they are near
    # (a short article's are at once), and the search box still loads it when it has none.
    shipped = "script[src*='htmx']:not([data-htmx-for-comments])"
    assert page.evaluate(f'document.querySelectorAll("{shipped}").length') == 0
    mark_document(page)
    type_query(page, "卷积")
    page.wait_for_url(SEARCH_URL)
    expect(page.locator(RESULT_TITLES)).to_have_text([CONV_TITLE, "图像处理笔记"])
    assert same_document(page)
    assert page.evaluate("typeof window.htmx") == "object"

    page.go_back()
    expect(page.locator("#post-title")).to_have_text(live_site.math_title)
    assert watch.errors == []


def test_the_search_page_loads_more_results(page, watch, live_site):
    # "Note NN" articles all say "A short note": 40 results, four pages.
    page.goto("/search?q=short note")
    expect(page.locator("#main .card")).to_have_count(12)
    page.locator("#load-more a.load-more-link").click()
    expect(page.locator("#main .card")).to_have_count(24)
    assert "after=" not in page.url
    assert watch.errors == []


def test_without_javascript_the_box_is_a_plain_form(new_page):
    page = new_page(java_script_enabled=False)
    page.goto("/")
    page.locator(BOX).fill("卷积")
    page.locator(BOX).press("Enter")
    page.wait_for_url(SEARCH_URL)
    expect(page.locator(RESULT_TITLES)).to_have_text([CONV_TITLE, "图像处理笔记"])
    expect(page.locator(BOX)).to_have_value("卷积")
