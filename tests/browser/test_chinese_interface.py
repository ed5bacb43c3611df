"""What the scripts say on a Chinese site: load-more, copy buttons and search, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveSite, seed_app, served_app

pytestmark = pytest.mark.browser

CLIPBOARD = ["clipboard-read", "clipboard-write"]
LINK = "#load-more a.load-more-link"
PER_PAGE = 12


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    """Serve the usual seeded site with the interface in Chinese."""
    with served_app(tmp_path_factory.mktemp("zh"), seed_app, SITE_LANG="zh-CN") as (
        url,
        app,
        (titles, slugs),
    ):
        yield LiveSite(url, titles, slugs, app=app)


def is_fragment(url: str) -> bool:
    """Tell whether a URL is a load-more request."""
    return "after=" in url


def test_copy_button_speaks_chinese(new_page, live_site):
    page = new_page(permissions=CLIPBOARD)
    page.goto(f"/posts/{live_site.slugs[live_site.math_title]}/")
    button = page.locator(".prose div.highlight button.copy-button")
    expect(button).to_have_text("复制")
    expect(button).to_have_attribute("title", "复制这段代码")
    button.click()
    expect(button).to_have_text("已复制")
    expect(page.get_by_role("status").filter(has_text="剪贴板")).to_have_text(
        "代码已复制到剪贴板。"
    )
    expect(button).to_have_text("复制", timeout=5_000)


def test_failed_load_more_and_its_retry_speak_chinese(page, live_site):
    page.route(
        is_fragment,
        lambda route: route.fulfill(status=500, content_type="text/html", body="<p>断了</p>"),
        times=1,
    )
    page.goto("/")
    page.locator(LINK).click()
    error = page.locator("#load-more .load-more-error")
    expect(error).to_have_text("无法载入更多文章（服务器返回 500）。请选择“重试”。")
    expect(page.locator(LINK)).to_have_accessible_name("重试")

    page.unroute(is_fragment)
    page.locator(LINK).click()
    expect(page.locator("#card-list > article")).to_have_count(2 * PER_PAGE)
    expect(page.locator("#load-status")).to_have_text(f"又载入了 {PER_PAGE} 篇文章。")


def test_a_failed_search_says_so_in_chinese(page, live_site):
    page.route(re.compile(r"/search\?"), lambda route: route.abort("connectionfailed"))
    page.goto("/")
    box = page.locator("#site-search input[name=q]")
    box.click()
    box.press_sequentially("卷积", delay=40)
    expect(page.locator("#site-search-status")).to_have_text("搜索失败。按回车键重试。")
    expect(page.locator("#site-search")).to_have_class(re.compile(r"\bsite-search-failed\b"))
