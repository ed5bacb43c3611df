"""Diagrams and callouts in Chromium: mermaid draws SVG in the reader's theme; callouts fold."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from webapp.services.publishing import publish

from .test_article import luminance

pytestmark = pytest.mark.browser

DIAGRAM_ARTICLE = """---
title: 流程图与提示
date: 2024-11-01
---
下面是流程：

```mermaid
graph TD
  A[开始] --> B{判断}
  B -->|是| C[结束]
  B -->|否| A
```

```mermaid
sequenceDiagram
  Alice->>Bob: 你好
  Bob-->>Alice: Hi
```

```mermaid
this is not a diagram at all
```

> [!warning] 小心
> 这是一个警告。

> [!faq]- 折叠的问题
> 隐藏的答案。

> [!tip]+ 展开的提示
> 可见的内容。
"""


@pytest.fixture(scope="module")
def syntax_slug(live_site):
    """Publish the article with diagrams and callouts."""
    with live_site.app.app_context():
        return publish(DIAGRAM_ARTICLE, filename="diagrams.md").article.slug


def node_fill(page) -> str:
    return page.evaluate(
        """() => getComputedStyle(document.querySelector(
            ".diagram svg .node rect, .diagram svg .node polygon")).fill"""
    )


def test_mermaid_draws_svg_and_follows_the_colour_scheme(new_page, watch_page, syntax_slug):
    page = new_page(color_scheme="light")
    watch = watch_page(page)
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"/posts/{syntax_slug}/")
    diagrams = page.locator(".diagram:not([data-error]) svg")
    expect(diagrams).to_have_count(2)
    expect(diagrams.first).to_be_visible()
    assert diagrams.first.bounding_box()["height"] > 50
    expect(page.locator(".diagram svg").first).to_contain_text("开始")
    # The drawn source hides; the diagram mermaid cannot read keeps its source, with the reason.
    expect(page.locator("pre.mermaid:visible")).to_have_count(1)
    expect(page.locator(".diagram[data-error] .diagram-error")).to_contain_text(
        "could not be drawn"
    )
    expect(page.locator(".diagram").first).to_have_attribute("data-theme", "default")
    assert luminance(node_fill(page)) > 0.5

    # The reader's system turns dark: the diagrams are drawn again in mermaid's dark theme.
    page.emulate_media(color_scheme="dark")
    expect(page.locator(".diagram").first).to_have_attribute("data-theme", "dark")
    expect(page.locator(".diagram:not([data-error]) svg")).to_have_count(2)
    assert luminance(node_fill(page)) < 0.2
    assert not violations, violations
    assert not watch.errors, watch.errors
    assert not watch.foreign_requests(page.url.split("/posts/")[0])


def test_dark_mode_from_the_start_draws_dark_diagrams(new_page, syntax_slug):
    page = new_page(color_scheme="dark")
    page.goto(f"/posts/{syntax_slug}/")
    expect(page.locator(".diagram").first).to_have_attribute("data-theme", "dark")
    assert luminance(node_fill(page)) < 0.2


def test_without_javascript_the_diagram_source_shows_as_code(new_page, syntax_slug):
    page = new_page(java_script_enabled=False)
    page.goto(f"/posts/{syntax_slug}/")
    expect(page.locator("pre.mermaid").first).to_be_visible()
    expect(page.locator("pre.mermaid").first).to_contain_text("A[开始] --> B{判断}")
    expect(page.locator(".diagram")).to_have_count(0)


def test_pages_without_diagrams_load_no_diagram_script(page, watch, live_site):
    page.goto(f"/posts/{live_site.slugs[live_site.math_title]}/")
    expect(page.locator("h1.post-title")).to_be_visible()
    assert not [url for url in watch.requests if "mermaid" in url or "diagrams.js" in url]


def test_callouts_show_their_titles_and_fold(page, syntax_slug):
    page.goto(f"/posts/{syntax_slug}/")
    warning = page.locator(".callout.warning")
    expect(warning.locator(".admonition-title")).to_have_text("小心")
    expect(warning).to_contain_text("这是一个警告。")

    closed = page.locator("details.callout.question")
    expect(closed.locator("summary")).to_have_text("折叠的问题")
    expect(closed.get_by_text("隐藏的答案。")).to_be_hidden()
    closed.locator("summary").click()
    expect(closed.get_by_text("隐藏的答案。")).to_be_visible()

    opened = page.locator("details.callout.tip")
    expect(opened.get_by_text("可见的内容。")).to_be_visible()
    opened.locator("summary").click()
    expect(opened.get_by_text("可见的内容。")).to_be_hidden()


def test_each_callout_is_tinted_in_its_own_colour_folded_or_not(page, syntax_slug):
    page.goto(f"/posts/{syntax_slug}/")
    background = "element => getComputedStyle(element).backgroundColor"
    edge = "element => getComputedStyle(element).borderLeftColor"
    warning = page.locator(".callout.warning")  # a block
    question = page.locator("details.callout.question")  # foldable: a <details>
    tip = page.locator("details.callout.tip")
    colours = {
        name: (box.evaluate(background), box.evaluate(edge))
        for name, box in (("warning", warning), ("question", question), ("tip", tip))
    }
    assert len({tint for tint, _ in colours.values()}) == 3, colours
    assert len({line for _, line in colours.values()}) == 3, colours
