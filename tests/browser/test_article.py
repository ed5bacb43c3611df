"""An article in Chromium: server-rendered KaTeX laid out with its fonts, coloured code, dark mode."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ALLOWED_SCRIPTS = re.compile(
    r"^/static/(vendor/htmx-[\d.]+/htmx\.min\.js|js/(site|search|comments)\.js)$"
)

# Colours as the reader's screen shows them: computed "rgb(...)" strings, WCAG luminance.
COLOURS = """
() => {
  const style = selector => getComputedStyle(document.querySelector(selector));
  return {
    body: style("body").backgroundColor,
    text: style("body").color,
    math: style(".katex").color,
    code: style(".highlight pre").color,
    codeBackground: style(".highlight").backgroundColor,
    keyword: style(".highlight .kn, .highlight .k").color,
    keywords: [...document.querySelectorAll(".highlight .k, .highlight .kn")].map(
      token => getComputedStyle(token).color),
  };
}
"""


def rgb(css: str) -> tuple[float, float, float]:
    """Parse a computed rgb()/rgba() colour (an opaque one) into 0..255 channels."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    assert len(numbers) == 3 or numbers[3] == 1, f"not an opaque colour: {css}"
    return numbers[0], numbers[1], numbers[2]


def luminance(css: str) -> float:
    """Return the WCAG relative luminance of a computed colour."""

    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(c) for c in rgb(css))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    """Return the WCAG contrast ratio of two computed colours."""
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def open_article(page, live_site) -> None:
    """Open the math/code article and wait until its fonts have loaded."""
    page.goto(f"/posts/{live_site.slugs[live_site.math_title]}/")
    expect(page.locator("h1.post-title")).to_have_text(live_site.math_title)
    page.evaluate("async () => { await document.fonts.ready; }")


def assert_code_is_coloured(colours: dict) -> None:
    """Keywords differ from plain code text and stand out from the code background."""
    assert colours["keyword"] != colours["code"], colours
    assert all(colour == colours["keyword"] for colour in colours["keywords"]), colours
    assert contrast(colours["keyword"], colours["codeBackground"]) >= 3, colours
    assert contrast(colours["code"], colours["codeBackground"]) >= 4.5, colours


def test_article_math_and_code(page, watch, live_site):
    open_article(page, live_site)

    inline = page.locator(".math-inline .katex").first
    displays = page.locator(".math-display .katex-display")
    expect(inline).to_be_visible()
    expect(displays).to_have_count(2)
    for math in [inline, displays.nth(0), displays.nth(1)]:
        expect(math).to_be_visible()
        box = math.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0
    # Laid out by KaTeX's CSS: the two-line aligned block is taller than the inline formula,
    # and the HTML rendering is what shows (the MathML copy is visually hidden).
    inline_height = inline.bounding_box()["height"]
    assert displays.nth(1).bounding_box()["height"] > 1.8 * inline_height
    assert page.locator(".math-inline .katex-html").first.bounding_box()["width"] > 10
    mathml_box = page.locator(".math-inline .katex-mathml").first.bounding_box()
    assert mathml_box is None or mathml_box["width"] <= 1

    family = inline.evaluate("element => getComputedStyle(element).fontFamily")
    assert "KaTeX_Main" in family
    loaded = page.evaluate(
        """async () => {
            await document.fonts.ready;
            return [...document.fonts].filter(face => face.status === "loaded")
                .map(face => face.family.replace(/["']/g, ""));
        }"""
    )
    assert {"KaTeX_Main", "KaTeX_Math"} <= set(loaded), loaded
    # check() alone proves little (it is also true for a family no @font-face declares).
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")
    font_files = [url for url in watch.requests if url.endswith(".woff2")]
    assert font_files and all("/static/vendor/katex-" in url for url in font_files)

    # MathML for screen readers, with the TeX source as its annotation.
    expect(page.locator(".katex-mathml math")).to_have_count(3)
    expect(page.locator(".math-inline .katex-mathml annotation")).to_have_text("E=mc^2")

    # Math is rendered on the server: the only scripts are htmx and our own (JSON-LD and the
    # scripts' translations are data blocks, never run).
    scripts = page.eval_on_selector_all(
        'script:not([type="application/ld+json"]):not([type="application/json"])',
        "all => all.map(s => s.src ? new URL(s.src).pathname : '(inline)')",
    )
    assert scripts and all(ALLOWED_SCRIPTS.match(path) for path in scripts), scripts
    assert not [url for url in watch.requests if "katex" in url and ".js" in url]

    expect(page.locator(".highlight .kn").first).to_have_text("import")
    colours = page.evaluate(COLOURS)
    assert_code_is_coloured(colours)
    assert luminance(colours["body"]) > 0.8  # light by default

    assert watch.errors == []
    assert watch.foreign_requests(live_site.url) == []


def test_article_in_dark_mode_keeps_math_and_code_readable(new_page, watch_page, live_site):
    page = new_page(color_scheme="dark")
    watch = watch_page(page)
    open_article(page, live_site)

    colours = page.evaluate(COLOURS)
    assert luminance(colours["body"]) < 0.05, colours
    assert contrast(colours["text"], colours["body"]) >= 7, colours
    assert contrast(colours["math"], colours["body"]) >= 7, colours
    assert luminance(colours["codeBackground"]) < 0.05, colours
    assert_code_is_coloured(colours)
    expect(page.locator(".math-display .katex-display").first).to_be_visible()

    assert watch.errors == []
    assert watch.foreign_requests(live_site.url) == []
