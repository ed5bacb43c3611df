"""No script injected through an article, its front matter, a search or a file name runs.

The corpus (xss_corpus.py) is published through the real write path, then every kind of
page that repeats it is opened in Chromium with the Content-Security-Policy bypassed, so
that escaping and sanitizing alone are tested. A payload that ran would open a dialog or
set window.__xss; the pages' DOM must also hold no event-handler attribute, no
javascript: URL, no frame or plugin element and no script but the site's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser import xss_corpus
from tests.browser.conftest import TIMEOUT_MS, served_app, sign_in
from tests.conftest import ADMIN_NAME, ADMIN_PASSWORD
from webapp.services import accounts
from webapp.services.publishing import publish
from webapp.services.tokens import create_token

pytestmark = pytest.mark.browser

# Everything a page holds that could run script, listed by the page itself.
AUDIT = """() => {
  const found = [];
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster',
                         'background', 'to', 'values', 'from'];
  // What the browser itself would make of a URL: javascript:, vbscript: or an HTML data: URL.
  const runs = (value) => {
    try {
      const url = new URL(value, document.baseURI);
      return ['javascript:', 'vbscript:'].includes(url.protocol)
        || (url.protocol === 'data:' && /^text\\/html/i.test(url.pathname));
    } catch (error) {
      return false;
    }
  };
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    for (const attribute of el.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on') || name.includes('hx-on') || name === 'srcdoc') {
        found.push(`${tag}[${name}]`);
      }
      if (urlAttributes.includes(name) && runs(attribute.value)) {
        found.push(`${tag}[${name}=${attribute.value.slice(0, 40)}]`);
      }
    }
    if (['iframe', 'frame', 'frameset', 'object', 'embed', 'base', 'portal', 'applet']
        .includes(tag)) found.push(tag);
    if (tag === 'meta' && /refresh/i.test(el.getAttribute('http-equiv') || '')) {
      found.push('meta refresh');
    }
    if (tag === 'script') {
      const own = el.src.startsWith(location.origin + '/static/')
        || ['application/json', 'application/ld+json'].includes(el.type);
      if (!own) found.push(`script ${el.src || el.textContent.slice(0, 40)}`);
    }
  }
  return found;
}"""
SEARCHES = [
    "xsscorpus",
    "onerror",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=top.__xss=1>",
    "</textarea><script>alert(1)</script>",
    "javascript:alert(1)",
    "\\href{javascript:alert(1)}{x}",
]
HOSTILE_FILE_NAMES = ['"><img src=x onerror=alert(1)>.md', "<svg onload=top.__xss=1>.exe"]


@dataclass
class Corpus:
    """The served site and what was published on it."""

    url: str
    bodies: dict[str, int]  # slug -> article id of the articles carrying payloads in the body
    titled: dict[str, int]  # slug -> article id of the articles carrying them in front matter
    tag_slugs: list[str] = field(default_factory=list)
    category_paths: list[str] = field(default_factory=list)


def seed_corpus(app) -> Corpus:
    """Publish the corpus twice over (so history has a diff); add the author and a token."""
    with app.app_context():
        bodies, titled, tags, categories = {}, {}, set(), set()
        for name, text in xss_corpus.body_documents().items():
            article = publish(text, filename=name).article
            bodies[article.slug] = article.id
        for name, text in xss_corpus.front_matter_documents().items():
            article = publish(text, filename=name).article
            titled[article.slug] = article.id
            tags.update(tag.slug for tag in article.tags)
            categories.add(article.category.path)
        # A second revision with the cases reordered: the history page shows their diff.
        first = next(iter(xss_corpus.body_documents().items()))
        header, _, body = first[1].partition("\nxsscorpus body.\n")
        publish(
            header + "\nxsscorpus body.\n" + "\n\n".join(reversed(body.split("\n\n"))),
            filename=first[0],
        )
        user = accounts.create_user(ADMIN_NAME, ADMIN_PASSWORD)
        create_token(user, '"><img src=x onerror=alert(1)>')
        return Corpus("", bodies, titled, sorted(tags), sorted(categories))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Serve a site holding the corpus; stop it afterwards."""
    with served_app(tmp_path_factory.mktemp("xss"), seed_corpus) as (url, _app, seeded):
        seeded.url = url
        yield seeded


@pytest.fixture
def hostile_page(browser, corpus):
    """Return a page that bypasses the CSP and records dialogs, popups and uncaught errors."""
    context = browser.new_context(base_url=corpus.url, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.ran = []
    page.on(
        "dialog", lambda dialog: (page.ran.append(f"dialog {dialog.message}"), dialog.dismiss())
    )
    page.on("pageerror", lambda error: page.ran.append(f"page error {error}"))
    context.on("page", lambda popup: page.ran.append(f"popup {popup.url}"))
    yield page
    context.close()


def assert_clean(page, *, audit: bool = True) -> None:
    """Let the page settle and hover over it; assert nothing injected ran or is armed."""
    page.wait_for_load_state("networkidle")
    landed = page.url
    # Hover vectors (onmouseover, a page-covering div) get their chance too; handlers run
    # as each move is dispatched.
    for x, y in ((200, 150), (640, 360), (1000, 600), (300, 500)):
        page.mouse.move(x, y)
    assert page.ran == [], (landed, page.ran)
    assert page.evaluate("() => window.__xss") is None, landed
    # Nothing (a meta refresh, a base element) took the reader elsewhere.
    assert page.url == landed
    if audit:
        assert page.evaluate(AUDIT) == [], landed


def check(page, path: str, *, audit: bool = True) -> None:
    """Open a page and assert_clean it."""
    page.goto(path)
    assert_clean(page, audit=audit)


def test_the_audit_finds_markup_that_could_run(hostile_page, corpus):
    hostile_page.goto("/robots.txt")
    hostile_page.evaluate(
        """() => { document.body.innerHTML = '<a href="java&#9;script:x">a</a>'
            + '<img src=x onerror=x><svg><a xlink:href="javascript:x"></a></svg>'
            + '<div hx-on:click=x></div><iframe></iframe><a href="javas  cript:x">b</a>'; }"""
    )
    assert hostile_page.evaluate(AUDIT) == [
        "a[href=java\tscript:x]",
        "img[onerror]",
        "a[xlink:href=javascript:x]",
        "div[hx-on:click]",
        "iframe",
    ]


def test_the_corpus_is_large_and_published(corpus):
    assert xss_corpus.count() >= 200
    assert len(corpus.bodies) == 3 and len(corpus.titled) == len(
        xss_corpus.payloads(xss_corpus.TITLE_VECTORS)
    )


def test_no_payload_runs_on_article_pages(hostile_page, corpus):
    for slug in [*corpus.bodies, *corpus.titled]:
        check(hostile_page, f"/posts/{slug}/")


def test_no_payload_runs_on_listings(hostile_page, corpus):
    paths = ["/", "/?page=2", "/tags/", "/categories/", "/archive/"]
    paths += [f"/tags/{slug}/" for slug in corpus.tag_slugs]
    paths += [f"/categories/{quote(path)}/" for path in corpus.category_paths]
    for path in paths:
        check(hostile_page, path)


def test_no_payload_runs_on_search(hostile_page, corpus):
    for query in SEARCHES:
        check(hostile_page, f"/search?q={quote(query)}")
    # Typed into the search box, as a reader would.
    hostile_page.locator("input[name=q]").first.fill("<img src=x onerror=alert(1)> xsscorpus")
    assert_clean(hostile_page)


def test_feeds_load_without_running_anything(hostile_page, corpus):
    paths = ["/feed.xml", "/rss.xml", "/sitemap.xml"]
    paths += [f"/tags/{slug}/feed.xml" for slug in corpus.tag_slugs[:2]]
    paths += [f"/tags/{slug}/rss.xml" for slug in corpus.tag_slugs[:2]]
    for path in paths:
        # Chromium shows a feed as an XML tree; only whether anything ran is asked here.
        check(hostile_page, path, audit=False)


def test_no_payload_runs_on_admin_pages(hostile_page, corpus):
    sign_in(hostile_page, "/admin/articles")
    paths = ["/admin/", "/admin/articles", "/admin/tokens", "/admin/trash"]
    paths += [f"/admin/articles?q={quote(query)}" for query in SEARCHES[2:5]]
    for article_id in [*corpus.bodies.values(), *list(corpus.titled.values())[:6]]:
        paths += [f"/admin/articles/{article_id}/edit", f"/admin/articles/{article_id}/revisions"]
    for path in paths:
        check(hostile_page, path)
    # Restoring the older revision flashes its warnings, which quote the payloads.
    revised = corpus.bodies["xss-corpus-raw-html"]
    check(hostile_page, f"/admin/articles/{revised}/revisions")
    hostile_page.get_by_role("button", name="Restore this version").last.click()
    expect(hostile_page.locator("body")).to_contain_text("as a new revision")
    expect(hostile_page.locator("body")).to_contain_text("onerror=alert(1)")
    assert_clean(hostile_page)


def test_no_payload_runs_in_the_upload_preview_or_the_upload_report(hostile_page, corpus):
    sign_in(hostile_page, "/admin/upload")
    markdown = xss_corpus.body_documents()["xss-html.md"]
    hostile_page.fill("#markdown", markdown)
    expect(hostile_page.locator("#preview")).to_contain_text("XSS corpus: raw HTML")
    assert_clean(hostile_page)
    hostile_page.fill("#markdown", "")
    hostile_page.set_input_files(
        "input[type=file]",
        [
            {"name": name, "mimeType": "text/markdown", "buffer": b"# Hostile name\n\nText.\n"}
            for name in HOSTILE_FILE_NAMES
        ],
    )
    hostile_page.locator(".upload-submit").first.click()
    expect(hostile_page.locator("#upload-results")).to_contain_text("Hostile name")
    expect(hostile_page.locator("#upload-results")).to_contain_text("onerror=alert(1)>.md")
    assert_clean(hostile_page)
