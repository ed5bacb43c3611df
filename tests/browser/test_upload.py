"""The author's path in Chromium: sign in, upload Markdown with an image, read it on the site."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import tiny_png

pytestmark = pytest.mark.browser

TITLE = "Field notes from the upload form"
ARTICLE = f"""---
title: {TITLE}
tags: [upload]
---
The square below travelled with this file.

![A green square](images/square.png)

Mass and energy: $E=mc^2$.
"""


def test_upload_markdown_with_its_image_and_read_it(page, live_site, author, watch, tmp_path):
    markdown = tmp_path / "field-notes.md"
    markdown.write_text(ARTICLE, encoding="utf-8")
    image = tmp_path / "square.png"
    image.write_bytes(tiny_png(40, 30))

    sign_in(page, "/admin/upload")
    page.set_input_files("#upload-files", [str(markdown), str(image)])
    page.click("button.upload-submit:not([value])")

    result = page.locator("#upload-results .result-created")
    expect(result).to_have_count(1)
    expect(result).to_contain_text(TITLE)
    expect(page.locator("#upload-results .result-rejected")).to_have_count(0)
    expect(page.locator(".upload-progress")).to_be_hidden()
    # The page did not reload: htmx swapped the results in, and the form is ready again.
    expect(page.locator("#upload-files")).to_have_value("")

    page.goto("/")
    first = page.locator("#card-list > article").first
    expect(first.locator(".card-title")).to_have_text(TITLE)
    first.locator(".card-title a").click()
    expect(page.locator("h1.post-title")).to_have_text(TITLE)
    picture = page.locator(".prose img")
    expect(picture).to_have_attribute("alt", "A green square")
    picture.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.prose img').complete")
    assert page.evaluate("() => document.querySelector('.prose img').naturalWidth") == 40
    assert watch.errors == []
    assert watch.foreign_requests(live_site.url) == []


def test_pasted_markdown_previews_live_with_its_card(page, live_site, author, watch):
    sign_in(page, "/admin/upload")
    page.fill("#markdown", "---\ntitle: Live preview\n---\nA formula $a^2+b^2=c^2$ and more text.")
    preview = page.locator("#preview")
    expect(preview.locator(".card-title")).to_have_text("Live preview")
    expect(preview.locator(".card-excerpt")).to_contain_text("A formula")
    expect(preview.locator(".prose .katex").first).to_be_visible()
    page.fill("#markdown", "---\ntitle: [unclosed\n---\nBody")
    expect(preview.locator(".form-error")).to_contain_text("front matter")
    assert watch.errors == []
