"""Comments in Chromium: the form with and without JavaScript, moderation, hostile comments."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import xss_corpus
from tests.browser.conftest import TIMEOUT_MS, served_app, sign_in
from tests.browser.test_xss import AUDIT, assert_clean
from tests.comment_helpers import post_comment
from tests.conftest import ADMIN_NAME, ADMIN_PASSWORD
from webapp.extensions import db
from webapp.services import accounts
from webapp.services.comments import settings
from webapp.services.publishing import publish

pytestmark = pytest.mark.browser

ARTICLE = "---\ntitle: Softmax and its gradient\n---\nThe gradient of $\\log p$ is simple.\n"
HOSTILE = "---\ntitle: Hostile comments\n---\nEverything below was written by readers.\n"
# Beyond the shared corpus: boxes that try to leave the comment and cover the page.
OVERLAYS = [
    '<div style="position:fixed;inset:0;z-index:99999;background:red">overlay</div>',
    'cover\n{: style="position:fixed;top:0;left:0;width:100vw;height:100vh;background:red" }',
    "$\\htmlStyle{position:fixed;top:0;left:0;width:100vw;height:100vh}{x}$",
    "$\\rule{3000px}{3000px}$",
    "$\\kern-3000px\\rule{3000px}{200px}$",
    "$\\raisebox{200em}{x}\\raisebox{-200em}{y}$",
    "$$\\hspace{-2000px}\\rule{4000px}{4000px}$$",
    "<math><mtext><table><mglyph><style><img src=x onerror=top.__xss=1>",
    "<svg><animate onbegin=top.__xss=1 attributeName=x dur=1s>",
    "[a](javascript:top.__xss=1) [b](JaVaScRiPt:top.__xss=1) <javascript:top.__xss=1>",
]


def hostile_comments() -> list[str]:
    """Return comment bodies holding every payload, a few per comment, under the size limit."""
    found = xss_corpus.payloads(
        xss_corpus.HTML_VECTORS + xss_corpus.MARKDOWN_VECTORS + xss_corpus.MATH_VECTORS
    )
    every = found + OVERLAYS
    return ["\n\n".join(every[start : start + 8]) for start in range(0, len(every), 8)]


def seed(app):
    """Publish two articles, the author's account, and the hostile comments (approved)."""
    with app.app_context():
        slugs = [publish(text).article.slug for text in (ARTICLE, HOSTILE)]
        accounts.create_user(ADMIN_NAME, ADMIN_PASSWORD)
        settings.current().auto_approve = True
        db.session.commit()
    client = app.test_client()
    for body in hostile_comments():
        response = post_comment(
            client, slugs[1], name='<img src=x onerror="top.__xss=1">', body=body
        )
        assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        settings.current().auto_approve = False
        db.session.commit()
    return slugs


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Serve a site with comments that take forms at once and many from one address."""
    options = {
        "COMMENT_MIN_FILL_SECONDS": 0,
        "COMMENT_RATE_PER_ADDRESS": 1000,
        "COMMENT_RATE_PER_ARTICLE": 1000,
        "COMMENT_MAX_LINKS": 1000,
    }
    with served_app(tmp_path_factory.mktemp("comments"), seed, **options) as (url, app, slugs):
        yield url, app, slugs


@pytest.fixture
def open_page(browser, site):
    """Return a factory of pages in fresh contexts (own cookies) aimed at the site."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=site[0], **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def test_comment_without_javascript(open_page, site):
    slug = site[2][0]
    page = open_page(java_script_enabled=False)
    page.goto(f"/posts/{slug}/")
    page.get_by_role("link", name="Write a comment").click()
    expect(page).to_have_url(re.compile(r"/comment/$"))
    page.fill("#comment-name", "No Script")
    page.fill("#comment-body", "Plain form, $e^{i\\pi}$ and **bold**.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#comment-preview strong")).to_have_text("bold")
    page.get_by_role("button", name="Post comment").click()
    expect(page).to_have_url(re.compile(rf"/posts/{slug}/#comment-\d+$"))
    mine = page.locator(".comment-pending")
    expect(mine).to_contain_text("Plain form")
    expect(mine).to_contain_text("Awaiting moderation")
    # Another reader does not see it.
    other = open_page(java_script_enabled=False)
    other.goto(f"/posts/{slug}/")
    expect(other.locator("#comments")).not_to_contain_text("Plain form")


def test_comment_with_htmx_in_place_with_preview(open_page, site):
    slug = site[2][0]
    page = open_page()
    page.goto(f"/posts/{slug}/")
    page.locator("#comments").scroll_into_view_if_needed()
    page.wait_for_function("() => window.htmx !== undefined")
    page.get_by_role("link", name="Write a comment").click()
    expect(page.locator("#comment-form")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/posts/{slug}/$"))  # opened in place
    # A refused comment brings the form back in place with the reason.
    page.fill("#comment-body", "No name yet")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-form .form-error")).to_contain_text("please give a name")
    page.fill("#comment-name", "Script Reader")
    page.fill("#comment-body", "In place: $x^2$ and `code`")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#comment-preview .katex")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/posts/{slug}/$"))
    page.get_by_role("button", name="Post comment").click()
    posted = page.locator("#comment-posted")
    expect(posted).to_contain_text("awaiting moderation")
    expect(posted).to_contain_text("In place")
    expect(page).to_have_url(re.compile(rf"/posts/{slug}/$"))
    page.reload()
    expect(page.locator(".comment-pending")).to_contain_text("In place")


def test_moderation_approve_and_reply(open_page, site):
    slug = site[2][0]
    reader = open_page(java_script_enabled=False)
    reader.goto(f"/posts/{slug}/comment/")
    reader.fill("#comment-name", "Waiting Reader")
    reader.fill("#comment-body", "Please let me in.")
    reader.get_by_role("button", name="Post comment").click()
    expect(reader.locator(".comment-pending")).to_contain_text("Please let me in.")

    author = open_page()
    sign_in(author, "/admin/comments")
    item = author.locator(".moderation-item", has_text="Please let me in.")
    expect(item).to_contain_text("Waiting Reader")
    item.get_by_role("button", name="Approve").click()
    expect(author.locator(".flashes")).to_contain_text("The comment is published.")
    author.goto("/admin/comments?status=approved")
    item = author.locator(".moderation-item", has_text="Please let me in.")
    item.locator("summary").click()
    item.locator("textarea").fill("Welcome, **Waiting Reader**.")
    item.get_by_role("button", name="Publish reply").click()
    expect(author.locator(".flashes")).to_contain_text("Your reply is published.")

    stranger = open_page()
    stranger.goto(f"/posts/{slug}/")
    thread = stranger.locator(".comment-thread", has_text="Please let me in.")
    expect(thread.locator(".comment-replies .comment-by-author")).to_contain_text("Welcome")
    expect(thread.locator(".comment-pending")).to_have_count(0)


# Points in the page's own chrome that no comment may cover: header, title, first paragraph.
OWN_PARTS = ".site-title, #post-title, .post .prose p"


def test_hostile_comments_run_nothing_and_cover_nothing(open_page, site):
    page = open_page(bypass_csp=True, viewport={"width": 1280, "height": 800})
    page.ran = []
    page.on("dialog", lambda dialog: (page.ran.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.ran.append(f"page error {error}"))
    page.goto(f"/posts/{site[2][1]}/")
    expect(page.locator(".comment")).to_have_count(len(hostile_comments()))
    assert_clean(page)
    assert page.evaluate(AUDIT) == []
    # The page's own parts are what the browser finds at their centres, at the top of the
    # page and with the comments scrolled into view: no comment box lies over them.
    covered = page.evaluate(
        """(selector) => {
          const found = [];
          for (const own of document.querySelectorAll(selector)) {
            own.scrollIntoView({block: 'center'});
            const box = own.getBoundingClientRect();
            const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            if (hit && hit.closest('.comment')) found.push(own.className || own.id);
          }
          return found;
        }""",
        OWN_PARTS,
    )
    assert covered == []
    # Every comment's drawing stays inside the comments section's width.
    escaped = page.evaluate(
        """() => {
          const section = document.getElementById('comments').getBoundingClientRect();
          return [...document.querySelectorAll('.comment')].filter((comment) => {
            const box = comment.getBoundingClientRect();
            return box.left < section.left - 1 || box.right > section.right + 1;
          }).length;
        }"""
    )
    assert escaped == 0
    # The reply form opened on this page carries no payload either.
    page.goto(f"/posts/{site[2][1]}/comment/")
    assert_clean(page)
