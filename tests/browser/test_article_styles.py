"""An article's own styles cannot cover the page's header or its search box."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, served_app
from webapp.services.publishing import publish

pytestmark = pytest.mark.browser

TITLE = "Overlay attempts"
# Every way the security review and this allow-list's edges offered to lift a box out of
# the article: absolute and relative offsets, negative margins, transforms, stacking,
# viewport sizes, KaTeX's classes written by hand, and a shadow thrown up the page.
HOSTILE = r"""---
title: Overlay attempts
---
<div style="position:absolute;top:0;left:0;width:100vw;height:100vh;z-index:9999;background-color:red">Covered</div>

<div style="position:fixed;inset:0;z-index:9999;background-color:red">Fixed</div>

<div style="position:relative;top:-2000px;height:1200px;z-index:9999;background-color:red">Lifted</div>

<div style="margin-top:-3000px;height:1200px;width:100vw;background-color:red">Pulled</div>

<div style="transform:translateY(-2000px);translate:0 -2000px;height:1200px;background-color:red">Moved</div>

<span class="katex"><span class="vlist-t"><span class="vlist"><span style="top:-200em;height:75em;background-color:red">Forged</span></span></span></span>

<p style="text-shadow:0 -1200px 0 red;font-size:4em">Shadow</p>

Still a formula: $x^2 + y_1$.
"""

SAMPLE_POINTS = """
() => {
  const header = document.querySelector(".site-header");
  const points = [];
  const add = (name, element) => {
    const box = element.getBoundingClientRect();
    points.push([name, box.left + box.width / 2, box.top + box.height / 2]);
  };
  add("site title", document.querySelector(".site-title a"));
  add("search box", document.querySelector(".site-search-input"));
  add("search button", document.querySelector(".site-search-button"));
  const box = header.getBoundingClientRect();
  for (const fx of [0.05, 0.5, 0.95]) {
    for (const fy of [0.1, 0.5, 0.9]) {
      points.push([`header ${fx},${fy}`, box.left + box.width * fx, box.top + box.height * fy]);
    }
  }
  return points.map(([name, x, y]) => {
    const hit = document.elementFromPoint(x, y);
    return [name, Boolean(hit && header.contains(hit)), hit ? hit.outerHTML.slice(0, 80) : null];
  });
}
"""

# How far above the header's bottom edge each hostile box starts (none may).
LIFTED = """
(words) => {
  const bottom = document.querySelector(".site-header").getBoundingClientRect().bottom;
  const prose = document.querySelector(".prose");
  const lifted = {};
  for (const word of words) {
    const element = [...prose.querySelectorAll("div, p, span")].find(
      node => node.textContent.trim() === word && node.children.length === 0);
    const box = element.getBoundingClientRect();
    if (box.top < bottom || box.left < 0 || box.right > innerWidth + 1) lifted[word] = box.top;
  }
  return lifted;
}
"""

FORMULA_LAYOUT = """
() => {
  const formula = document.querySelector(".math-inline .katex-html");
  const base = formula.querySelector(".mord.mathnormal").getBoundingClientRect();
  const sup = formula.querySelector(".msupsub .mord.mtight").getBoundingClientRect();
  const subs = formula.querySelectorAll(".msupsub");
  const sub = subs[subs.length - 1].querySelector(".mord.mtight").getBoundingClientRect();
  return {supRaised: sup.bottom < base.bottom - 2, subLowered: sub.bottom > base.bottom + 1};
}
"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """Serve a site whose one article tries every overlay."""

    def seed(app):
        with app.app_context():
            return publish(HOSTILE, filename="overlay.md").article.slug

    with served_app(tmp_path_factory.mktemp("styles"), seed) as (url, _app, slug):
        yield url, slug


@pytest.mark.parametrize("viewport", [(1280, 800), (375, 740)])
def test_an_article_cannot_cover_the_header_or_the_search_box(browser, hostile_site, viewport):
    url, slug = hostile_site
    width, height = viewport
    context = browser.new_context(base_url=url, viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"/posts/{slug}/")
        expect(page.locator("h1.post-title")).to_have_text(TITLE)
        page.evaluate("async () => { await document.fonts.ready; }")
        # The article's words are all there; only their placement was taken away.
        words = ["Covered", "Fixed", "Lifted", "Pulled", "Moved", "Forged", "Shadow"]
        for word in words:
            expect(page.locator(".prose").get_by_text(word, exact=True)).to_be_visible()
        # Each box stays in the article, below the header and inside the window's width.
        assert page.evaluate(LIFTED, words) == {}
        covered = [point for point in page.evaluate(SAMPLE_POINTS) if not point[1]]
        assert covered == []
        # The search box still takes typing and focus.
        page.locator(".site-search-input").click()
        expect(page.locator(".site-search-input")).to_be_focused()
        # KaTeX's own offsets still place a superscript above and a subscript below.
        assert page.evaluate(FORMULA_LAYOUT) == {"supRaised": True, "subLowered": True}
    finally:
        context.close()
