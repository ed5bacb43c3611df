"""LATEST UPDATES in Chromium: load more, its busy/focus/error states, Back, and no JavaScript."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CARDS = "#card-list > article"
LINK = "#load-more a.load-more-link"
PER_PAGE = 12


def card_titles(page) -> list[str]:
    """Return the titles of the cards in #card-list, top to bottom."""
    return page.locator(f"{CARDS} .card-title").all_inner_texts()


def card_count(page) -> int:
    """Return how many cards are direct children of #card-list."""
    return page.locator(CARDS).count()


def wait_for_cards(page, count: int) -> None:
    """Wait until #card-list holds `count` cards and the load-more request has settled."""
    page.wait_for_function(
        """count => {
            const list = document.getElementById("card-list");
            return !!list && list.querySelectorAll(":scope > article").length === count
                && !list.hasAttribute("aria-busy")
                && !document.querySelector("#load-more.htmx-request");
        }""",
        arg=count,
    )


def load_more(page) -> None:
    """Click "Load more" and wait until the next cards are in and the swap has settled."""
    before = card_count(page)
    page.locator(LINK).click()
    page.wait_for_function(
        """before => {
            const list = document.getElementById("card-list");
            return list.querySelectorAll(":scope > article").length > before
                && !list.hasAttribute("aria-busy");
        }""",
        arg=before,
    )


def is_fragment(url: str) -> bool:
    """Tell whether a URL is a load-more request (the listing after a cursor)."""
    return "after=" in url


def wait_until(page, condition, timeout: float = 10.0) -> None:
    """Let Playwright deliver its events (route handlers) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the browser"
        page.evaluate("0")  # a round trip lets the client dispatch pending events


def count_htmx_sends(page) -> None:
    """Count, inside the page, every request htmx actually sends (window.htmxSends)."""
    page.add_init_script(
        """window.htmxSends = 0;
        document.addEventListener("htmx:beforeSend", () => { window.htmxSends += 1; });"""
    )


def test_load_more_until_the_end_shows_every_article_once_in_order(page, watch, live_site):
    page.goto("/")
    start_url = page.url
    expect(page.locator(CARDS)).to_have_count(PER_PAGE)
    clicks = 0
    while page.locator("#load-more").count():
        load_more(page)
        clicks += 1
        assert clicks < 10, "load more never ran out"

    titles = card_titles(page)
    assert titles == live_site.titles  # each exactly once, most recently updated first
    assert clicks == -(-len(live_site.titles) // PER_PAGE) - 1
    # Every card is a direct child of #card-list; nothing else was left behind in it.
    children = page.eval_on_selector("#card-list", "list => [...list.children].map(c => c.tagName)")
    assert children == ["ARTICLE"] * len(live_site.titles)
    assert page.locator("article.card").count() == len(live_site.titles)
    assert page.locator("#card-list #card-list").count() == 0
    assert page.url == start_url
    assert watch.errors == []
    assert watch.foreign_requests(live_site.url) == []
    fragments = [url for url in watch.requests if is_fragment(url)]
    assert len(fragments) == clicks == len(set(fragments))


def test_busy_state_shows_and_repeated_clicks_are_ignored(page, live_site):
    count_htmx_sends(page)
    held = []
    page.route(is_fragment, lambda route: held.append(route))  # hold until released
    sent = []
    page.on("request", lambda request: is_fragment(request.url) and sent.append(request.url))
    page.goto("/")
    start_url = page.url
    link = page.locator(LINK)
    link.click()

    box = page.locator("#load-more")
    expect(box).to_have_class(re.compile(r"\bhtmx-request\b"))
    expect(box.locator(".load-more-busy")).to_be_visible()
    expect(box.locator(".load-more-label")).to_be_hidden()
    expect(page.locator("#card-list")).to_have_attribute("aria-busy", "true")
    # The control still has a name while busy, so a screen reader does not meet a blank link.
    expect(link).to_have_accessible_name(re.compile(r"\w"))
    wait_until(page, lambda: held)
    # Again with the mouse (pointer-events are off while busy), the keyboard and a raw click.
    link.click(force=True)
    link.focus()
    page.keyboard.press("Enter")
    link.dispatch_event("click")
    assert page.evaluate("window.htmxSends") == 1

    held[0].continue_()
    wait_for_cards(page, 2 * PER_PAGE)
    titles = card_titles(page)
    assert titles == live_site.titles[: 2 * PER_PAGE]
    expect(box).not_to_have_class(re.compile(r"\bhtmx-request\b"))
    expect(page.locator(".load-more-label")).to_be_visible()
    assert page.evaluate("window.htmxSends") == 1
    assert len(held) == 1 and len(sent) == 1
    assert page.url == start_url


def test_clicks_during_a_failing_request_do_not_fire_another(page):
    count_htmx_sends(page)
    held = []
    page.route(is_fragment, lambda route: held.append(route))
    page.goto("/")
    link = page.locator(LINK)
    link.click()
    expect(page.locator("#load-more")).to_have_class(re.compile(r"\bhtmx-request\b"))
    wait_until(page, lambda: held)
    link.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")

    held[0].fulfill(status=500, content_type="text/html", body="<p>Signal lost</p>")
    error = page.locator("#load-more .load-more-error")
    expect(error).to_be_visible()
    # Pressing again while the request travelled must not have queued a second request
    # that now fires by itself and hides the message.
    assert page.evaluate("window.htmxSends") == 1
    expect(error).to_be_visible()
    assert len(held) == 1 and card_count(page) == PER_PAGE


def test_focus_moves_to_the_first_new_card_and_the_addition_is_announced(page, live_site):
    page.goto("/")
    status = page.locator("#load-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")

    load_more(page)
    first_new = page.locator(CARDS).nth(PER_PAGE)
    expect(first_new).to_be_focused()
    expect(first_new).to_have_attribute("tabindex", "-1")
    expect(first_new).to_be_in_viewport()
    expect(status).to_have_text(re.compile(r"\b12 more articles loaded\b"))
    # The next Tab goes into the new card, not back to the top of the page.
    page.keyboard.press("Tab")
    expect(first_new.locator(".card-title a")).to_be_focused()

    while page.locator("#load-more").count():
        load_more(page)
    total = len(live_site.titles)
    last_page = total - (total - 1) // PER_PAGE * PER_PAGE
    expect(page.locator(CARDS).nth(total - last_page)).to_be_focused()
    expect(status).to_have_text(
        re.compile(rf"\b{last_page} more articles? loaded\. That is everything")
    )


@pytest.mark.parametrize(
    ("failure", "message"),
    [("500", "server answered 500"), ("connectionfailed", "connection failed")],
    ids=["server-error", "dropped-connection"],
)
def test_failed_load_shows_a_message_and_retry_works(page, live_site, failure, message):
    def fail(route):
        if failure == "500":
            route.fulfill(status=500, content_type="text/html", body="<p>Signal lost</p>")
        else:
            route.abort(failure)

    page.route(is_fragment, fail, times=1)
    page.goto("/")
    page.locator(LINK).click()

    error = page.locator("#load-more .load-more-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Could not load")
    expect(error).to_contain_text(message)
    expect(error).to_have_attribute("role", "alert")
    link = page.locator(LINK)
    expect(link).to_have_accessible_name("Retry")
    expect(link).to_have_text(re.compile(r"^\s*retry\s*$", re.I), use_inner_text=True)
    expect(link).to_have_attribute("href", re.compile(r"after="))
    expect(page.locator("#load-more")).not_to_have_class(re.compile(r"\bhtmx-request\b"))
    expect(page.locator("#card-list")).not_to_have_attribute("aria-busy", "true")
    assert card_count(page) == PER_PAGE

    page.unroute(is_fragment)
    load_more(page)
    wait_for_cards(page, 2 * PER_PAGE)
    assert card_titles(page) == live_site.titles[: 2 * PER_PAGE]
    expect(page.locator(".load-more-error")).to_be_hidden()
    expect(page.locator(LINK)).to_have_accessible_name("Load more")
    expect(page.locator(CARDS).nth(PER_PAGE)).to_be_focused()


@pytest.mark.parametrize("bfcache", [True, False], ids=["bfcache", "no-bfcache"])
def test_back_returns_to_the_same_place_with_the_loaded_cards(
    request, new_page, live_site, bfcache
):
    page = new_page(request.getfixturevalue("browser_with_bfcache" if bfcache else "browser"))
    page.goto("/")
    load_more(page)
    load_more(page)
    wait_for_cards(page, 3 * PER_PAGE)
    target = page.locator(CARDS).nth(29)
    target.evaluate("card => card.scrollIntoView({block: 'center'})")
    scroll_y = page.evaluate("window.scrollY")
    assert scroll_y > 2000  # well down the list, not at the top
    title = live_site.titles[29]
    page.evaluate("window.beforeBack = true")  # survives only a back-forward cache restore

    target.locator(".card-title a").click()
    expect(page).to_have_url(re.compile(rf"/posts/{live_site.slugs[title]}/$"))
    expect(page.locator("h1.post-title")).to_have_text(title)

    page.go_back(wait_until="commit")  # a page restored from the cache fires no load event
    expect(page).to_have_url(re.compile(r"/$"))
    restored_from_cache = page.evaluate("window.beforeBack === true")
    if not bfcache:
        # The page was loaded again: the cards below come from site.js and sessionStorage.
        assert not restored_from_cache
    # With the cache on, Chromium may still decline to use it (memory pressure); then this
    # checks the sessionStorage path too. Either way the reader must get their cards back.
    wait_for_cards(page, 3 * PER_PAGE)
    assert card_titles(page) == live_site.titles[: 3 * PER_PAGE]
    page.wait_for_function(
        "([y, tolerance]) => Math.abs(window.scrollY - y) <= tolerance", arg=[scroll_y, 40]
    )
    expect(target).to_be_in_viewport()

    # The restored list keeps working: the next page follows card 36 without repeats.
    load_more(page)
    titles = card_titles(page)
    assert titles == live_site.titles[: len(titles)] and len(titles) > 3 * PER_PAGE


def test_without_javascript_load_more_opens_the_next_page(new_page, live_site):
    page = new_page(java_script_enabled=False)
    page.goto("/")
    expect(page.locator(CARDS)).to_have_count(PER_PAGE)
    link = page.locator(LINK)
    expect(link).to_have_accessible_name("Load more")  # the busy text stays out of sight

    link.click()
    expect(page).to_have_url(re.compile(r"[?&]after=\d+-\d+"))
    expect(page.locator(CARDS)).to_have_count(PER_PAGE)
    assert card_titles(page) == live_site.titles[PER_PAGE : 2 * PER_PAGE]
    pages = page.locator("nav[aria-label=Pages]")
    expect(pages).to_be_visible()
    last = -(-len(live_site.titles) // PER_PAGE)
    expect(pages.get_by_role("link")).to_have_text([str(n) for n in range(1, last + 1)])
    expect(page.locator(LINK)).to_have_attribute("href", re.compile(r"after="))
