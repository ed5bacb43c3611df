"""Copy buttons on code blocks: the clipboard, the fallbacks, and the page without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# The one code block of the math article (tests/browser/conftest.py), as a reader pastes it.
CODE = "import math\n\n\ndef area(radius: float) -> float:\n    return math.pi * radius**2"
CLIPBOARD = ["clipboard-read", "clipboard-write"]


def open_article(page, live_site):
    """Open the article with math and code."""
    page.goto(f"/posts/{live_site.slugs[live_site.math_title]}/")
    expect(page.locator("h1.post-title")).to_have_text(live_site.math_title)


def test_copy_button_puts_the_code_on_the_clipboard(new_page, watch_page, live_site):
    page = new_page(permissions=CLIPBOARD)
    watch = watch_page(page)
    open_article(page, live_site)
    block = page.locator(".prose div.highlight")
    button = block.locator("button.copy-button")
    expect(button).to_have_count(1)
    expect(button).to_have_text("Copy")
    assert button.get_attribute("type") == "button"

    button.click()
    expect(button).to_have_text("Copied")
    expect(button).to_have_attribute("data-state", "copied")
    expect(page.get_by_role("status").filter(has_text="copied")).to_have_text(
        "Code copied to the clipboard."
    )
    assert page.evaluate("navigator.clipboard.readText()") == CODE
    # The label comes back, ready for another copy.
    expect(button).to_have_text("Copy", timeout=5_000)
    expect(button).not_to_have_attribute("data-state", "copied")
    assert watch.errors == []
    assert watch.foreign_requests(live_site.url) == []


def test_keyboard_reaches_and_presses_the_copy_button(new_page, live_site):
    page = new_page(permissions=CLIPBOARD)
    open_article(page, live_site)
    button = page.locator("button.copy-button")
    button.focus()
    expect(button).to_have_css("opacity", "1")  # hidden until hovered, shown when focused
    page.keyboard.press("Enter")
    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == CODE


def test_without_the_clipboard_api_the_copy_command_is_used(new_page, live_site):
    # As on a site served over plain HTTP: navigator.clipboard does not exist there.
    page = new_page(permissions=CLIPBOARD)
    page.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined})"
    )
    open_article(page, live_site)
    button = page.locator("button.copy-button")
    button.click()
    expect(button).to_have_text("Copied")
    assert page.evaluate("getSelection().toString()") == ""  # the selection is put back
    reader = page.context.new_page()
    reader.goto("/")
    assert reader.evaluate("navigator.clipboard.readText()").rstrip("\n") == CODE


def test_when_copying_fails_the_code_is_selected_for_ctrl_c(new_page, live_site):
    page = new_page()
    page.add_init_script(
        """
        Object.defineProperty(Navigator.prototype, 'clipboard', {
          get: () => ({ writeText: () => Promise.reject(new Error('denied')) }),
        });
        document.execCommand = () => false;
        """
    )
    open_article(page, live_site)
    button = page.locator("button.copy-button")
    button.click()
    expect(button).to_have_text("Press Ctrl+C")
    expect(button).to_have_attribute("data-state", "select")
    expect(page.get_by_role("status").filter(has_text="selected")).to_have_text(
        "Code selected. Press Ctrl+C to copy it."
    )
    assert page.evaluate("getSelection().toString()").rstrip("\n") == CODE


def test_without_javascript_the_code_is_there_and_selectable(new_page, live_site):
    page = new_page(java_script_enabled=False)
    open_article(page, live_site)
    code = page.locator(".prose div.highlight pre")
    expect(code).to_be_visible()
    expect(code).to_contain_text("def area(radius: float) -> float:")
    expect(page.locator(".copy-button")).to_have_count(0)
    # A reader selects with the mouse: a double click takes a word of the code.
    code.locator(".kn").first.dblclick()
    assert page.evaluate("getSelection().toString()") == "import"
    assert code.evaluate("pre => getComputedStyle(pre).userSelect") != "none"
