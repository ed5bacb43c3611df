"""Remote images in Chromium: an image host the CSP allows shows, lazily and without a Referer;
a copy stored at import shows from the site itself."""

from __future__ import annotations

import pytest

from tests.browser.conftest import TIMEOUT_MS, served_app
from tests.image_host import ImageHost
from webapp.services.publishing import FetchBudget, publish

pytestmark = pytest.mark.browser

LOADED = "image => image.complete && image.naturalWidth > 0"


def seed(app, host: ImageHost) -> dict[str, str]:
    """Publish one article that leaves its image remote and one that copies it in."""
    with app.app_context():
        remote = publish(
            f"---\ntitle: Remote figure\n---\nAbove the fold.\n\n![plot]({host.url('/a.png')})\n",
            filename="remote.md",
        )
        plan = FetchBudget.from_config(app.config).plan(host.url("/b.png"))
        copied = publish(
            f"---\ntitle: Copied figure\n---\nCopied in.\n\n![plot]({host.url('/b.png')})\n",
            filename="copied.md",
            fetch=plan,
        )
        return {"remote": remote.article.slug, "copied": copied.article.slug}


@pytest.fixture(scope="module")
def image_site(tmp_path_factory):
    """Serve an app whose CSP allows the local image host (plain http on 127.0.0.1)."""
    with ImageHost() as host:
        served = served_app(
            tmp_path_factory.mktemp("remote-images"),
            lambda app: seed(app, host),
            SITE_IMAGE_SOURCES=f"https: {host.origin}",
            IMAGE_FETCH_ALLOW_PRIVATE=True,
        )
        with served as (url, _, slugs):
            yield url, host, slugs


@pytest.fixture
def image_page(browser, image_site):
    context = browser.new_context(base_url=image_site[0])
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_a_remote_image_the_csp_allows_loads_without_a_referer(image_page, image_site):
    _, host, slugs = image_site
    image_page.goto(f"/posts/{slugs['remote']}/")
    image = image_page.locator("article img[alt=plot]")
    assert image.get_attribute("src") == host.url("/a.png")
    assert image.get_attribute("loading") == "lazy"
    assert image.get_attribute("referrerpolicy") == "no-referrer"
    image.scroll_into_view_if_needed()
    image_page.wait_for_function(f"() => ({LOADED})(document.querySelector('article img'))")
    assert image.evaluate("image => image.naturalWidth") == 5
    assert "/a.png" in host.referers, "the image host was never asked"
    assert host.referers["/a.png"] is None


def test_a_copied_image_shows_from_the_site(image_page, image_site):
    base, host, slugs = image_site
    asked_before = len(host.requests)
    image_page.goto(f"/posts/{slugs['copied']}/")
    image = image_page.locator("article img[alt=plot]")
    assert image.get_attribute("src").startswith("/media/")
    image.scroll_into_view_if_needed()
    image_page.wait_for_function(f"() => ({LOADED})(document.querySelector('article img'))")
    assert image.evaluate("image => image.naturalWidth") == 5
    # Readers never reach the image host for a copied image.
    assert len(host.requests) == asked_before
