"""Reading on a phone (390 px) and on a wide screen (1280 px): scroll boxes, anchors, the
contents, the compact header, the pager after load-more, dark-mode images, back to top."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveSite, seed, served_app
from webapp.services.publishing import publish

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}
LONG_FORMULA = " + ".join(f"a_{{{n}}} x^{{{n}}}" for n in range(40))
SECTIONS = "\n\n".join(
    f"## 第{n}节 计算复杂度的分析\n\n" + "这一节的正文，讲清楚一件事。" * 40 for n in range(1, 7)
)
READING = f"""---
title: 注意力机制的计算复杂度与内存占用分析
date: 2024-01-18
tags: [长文]
categories: [机器学习]
---
开头的第一段正文，读者在手机上打开就应该看到它。

$$
{LONG_FORMULA}
$$

```python linenums="1"
values = [{", ".join(str(n) for n in range(80))}]
print(sum(values))
```

![示意图](http://127.0.0.1:9/diagram.png){{.invert-dark}}

![照片](http://127.0.0.1:9/photo.jpg)

{SECTIONS}
"""
DIMMED = """---
title: Dimmed diagrams
dark_images: dim
---
Text.

![A diagram](http://127.0.0.1:9/flow.svg)

![A photo](http://127.0.0.1:9/photo.jpg)
"""


def seed_reading(app):
    """Seed the listing's articles, then the long Chinese article and a dimmed one."""
    with app.app_context():
        titles, slugs = seed()
        slugs["reading"] = publish(READING, filename="reading.md").article.slug
        slugs["dimmed"] = publish(DIMMED, filename="dimmed.md").article.slug
    return titles, slugs


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    """Serve an app seeded with the articles these tests read."""
    with served_app(tmp_path_factory.mktemp("mobile"), seed_reading) as (url, app, seeded):
        titles, slugs = seeded
        yield LiveSite(url, titles, slugs, app=app)


def open_reading(new_page, live_site, viewport, **options):
    page = new_page(viewport=viewport, **options)
    page.goto(f"/posts/{live_site.slugs['reading']}/")
    return page


def scroll_state(page, selector):
    return page.eval_on_selector(
        selector,
        """el => ({scroll: el.scrollWidth, client: el.clientWidth, tab: el.tabIndex,
                   overflow: getComputedStyle(el).overflowX,
                   shadows: getComputedStyle(el).backgroundImage.split('gradient').length - 1,
                   right: el.getBoundingClientRect().right})""",
    )


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390", "1280"])
def test_wide_formula_and_code_scroll_in_their_focusable_box(new_page, live_site, viewport):
    page = open_reading(new_page, live_site, viewport)
    for selector in (".prose .math-display", ".prose div.highlight pre"):
        state = scroll_state(page, selector)
        assert state["scroll"] > state["client"], selector  # wider than its box: it scrolls
        assert state["overflow"] == "auto" and state["tab"] == 0
        assert state["shadows"] == 4  # two covers, two edge shadows
        assert state["right"] <= viewport["width"]
    # The page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # The keyboard reaches the formula and scrolls it.
    page.focus(".prose .math-display")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".prose .math-display")).to_be_focused()
    # Keyboard scrolling is animated: wait for it rather than read it at once.
    page.wait_for_function("() => document.querySelector('.prose .math-display').scrollLeft > 0")


def test_code_label_and_line_numbers_and_the_copy_leaves_numbers_out(new_page, live_site):
    page = open_reading(
        new_page, live_site, WIDE, permissions=["clipboard-read", "clipboard-write"]
    )
    block = page.locator(".prose div.highlight")
    expect(block.locator(".code-lang")).to_have_text("Python")
    expect(block.locator(".linenos")).to_have_count(2)
    first = page.eval_on_selector(
        ".prose .linenos", "el => getComputedStyle(el, '::before').content"
    )
    assert first == '"1 "'
    block.hover()
    block.locator("button.copy-button").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("values = [0, 1, 2") and copied.endswith("print(sum(values))")


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390", "1280"])
def test_heading_anchor_stays_on_the_headings_last_line(new_page, live_site, viewport):
    page = open_reading(new_page, live_site, viewport)
    for heading in page.locator(".prose h2").all():
        box = heading.evaluate(
            """h => { const a = h.querySelector('.headerlink').getBoundingClientRect();
                      const r = document.createRange(); r.selectNodeContents(h.firstChild);
                      const rects = r.getClientRects(); const last = rects[rects.length - 1];
                      return {a: a.top, text: last.top, right: a.right}; }"""
        )
        assert abs(box["a"] - box["text"]) < 4  # same line as the last words
        assert box["right"] <= viewport["width"]


def test_phone_shows_text_on_the_first_screen_with_contents_collapsed(new_page, live_site):
    page = open_reading(new_page, live_site, PHONE)
    details = page.locator(".toc-top details")
    expect(details).to_be_visible()
    assert details.get_attribute("open") is None
    expect(page.locator(".toc-top details ul")).to_be_hidden()
    expect(page.locator(".toc-side")).to_be_hidden()
    first = page.locator(".prose > p").first
    assert first.bounding_box()["y"] + 24 < PHONE["height"]
    # The reader can still open the contents.
    page.locator(".toc-top summary").click()
    expect(page.locator(".toc-top details ul").first).to_be_visible()


def test_phone_header_is_compact_without_javascript(new_page, live_site):
    page = open_reading(new_page, live_site, PHONE, java_script_enabled=False)
    assert page.locator(".prose > p").first.bounding_box()["y"] + 24 < PHONE["height"]
    assert page.locator(".toc-top details").get_attribute("open") is None


def test_cjk_title_is_not_balanced_and_latin_titles_are(new_page, live_site):
    page = open_reading(new_page, live_site, PHONE)
    style = page.eval_on_selector(
        "h1.post-title", "h => [getComputedStyle(h).textWrap, getComputedStyle(h).wordBreak]"
    )
    assert "balance" not in style[0]
    if page.evaluate("CSS.supports('word-break', 'auto-phrase')"):
        assert style[1] == "auto-phrase"
    page.goto(f"/posts/{live_site.slugs['Math and code']}/")
    assert "balance" in page.eval_on_selector("h1.post-title", "h => getComputedStyle(h).textWrap")


def test_wide_screen_has_a_sticky_contents_sidebar_following_the_reader(new_page, live_site):
    page = open_reading(new_page, live_site, WIDE)
    expect(page.locator(".toc-top")).to_be_hidden()
    side = page.locator(".toc-sidebar")
    expect(side).to_be_visible()
    prose = page.locator(".prose").bounding_box()
    before = side.bounding_box()
    assert before["x"] >= prose["x"] + prose["width"]  # beside the text, not over it
    marked = side.locator('a[aria-current="location"]')
    expect(marked).to_have_count(1)
    expect(marked).to_have_attribute("href", "#第1节-计算复杂度的分析")
    page.locator("#第4节-计算复杂度的分析").scroll_into_view_if_needed()
    page.evaluate(
        "window.scrollBy(0, -10 + document.getElementById('第4节-计算复杂度的分析').getBoundingClientRect().top)"
    )
    expect(marked).to_have_attribute("href", "#第4节-计算复杂度的分析")
    after = side.bounding_box()
    assert after["y"] < 100 and after["x"] == before["x"]  # stuck at the top, same column
    # The text column is where it was before the script marked anything: no shift.
    assert page.locator(".prose").bounding_box()["x"] == prose["x"]


def test_wide_screen_sidebar_needs_no_javascript(new_page, live_site):
    page = open_reading(new_page, live_site, WIDE, java_script_enabled=False)
    expect(page.locator(".toc-sidebar")).to_be_visible()
    expect(page.locator(".toc-sidebar a").first).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390", "1280"])
def test_pager_marks_the_pages_on_screen_after_load_more(new_page, live_site, viewport):
    page = new_page(viewport=viewport)
    page.goto("/")
    current = page.locator('#pager a[aria-current="page"]')
    expect(current).to_have_text(["1"])
    page.locator("#load-more a").click()
    expect(current).to_have_text(["1", "2"])
    page.locator("#load-more a").click()
    expect(current).to_have_text(["1", "2", "3"])
    expect(page.locator("#pager")).to_have_count(1)


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390", "1280"])
def test_dark_mode_inverts_only_the_images_asked_for(new_page, live_site, viewport):
    page = open_reading(new_page, live_site, viewport, color_scheme="dark")
    diagram = page.locator("img.invert-dark")
    photo = page.locator('img[alt="照片"]')
    assert "invert(1)" in diagram.evaluate("el => getComputedStyle(el).filter")
    assert photo.evaluate("el => getComputedStyle(el).filter") == "none"
    page.goto(f"/posts/{live_site.slugs['dimmed']}/")
    assert "invert(1)" in page.locator('img[alt="A diagram"]').evaluate(
        "el => getComputedStyle(el).filter"
    )
    assert "brightness" in page.locator('img[alt="A photo"]').evaluate(
        "el => getComputedStyle(el).filter"
    )
    light = open_reading(new_page, live_site, viewport, color_scheme="light")
    assert light.locator("img.invert-dark").evaluate("el => getComputedStyle(el).filter") == "none"


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390", "1280"])
def test_back_to_top_shows_after_scrolling_and_goes_up(new_page, live_site, viewport):
    page = open_reading(new_page, live_site, viewport)
    link = page.locator("a.back-to-top")
    expect(link).to_have_attribute("data-hidden", "")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect(link).not_to_have_attribute("data-hidden", "")
    link.click()
    page.wait_for_function("() => window.scrollY === 0")
    expect(link).to_have_attribute("data-hidden", "")


def test_back_to_top_is_a_plain_link_without_javascript(new_page, live_site):
    page = open_reading(new_page, live_site, PHONE, java_script_enabled=False)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    link = page.locator("a.back-to-top")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_function("() => window.scrollY === 0")
