"""Remote images in Chromium: an image host the CSP allows shows, lazily and without a Referer;
a copy stored at import shows from the site itself."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import TIMEOUT_MS
from tests.image_host import ImageHost
from webapp import create_app
from webapp.extensions import db
from webapp.services.publishing import FetchBudget, publish
from webapp.services.schema import stamp_head

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
    tmp = tmp_path_factory.mktemp("remote-images")
    with ImageHost() as host:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "browser-tests-only",
                "SQLALCHEMY_DATABASE_URI": os.environ.get("TEST_DATABASE_URL")
                or f"sqlite:///{tmp / 'images.sqlite3'}",
                "INSTANCE_PATH": str(tmp / "instance"),
                "SITE_IMAGE_SOURCES": f"https: {host.origin}",
                "IMAGE_FETCH_ALLOW_PRIVATE": True,
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            stamp_head()
        # KaTeX's V8 context must not be first made on Playwright's thread (see conftest).
        with ThreadPoolExecutor(max_workers=1) as pool:
            slugs = pool.submit(seed, app, host).result()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", host, slugs
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            with app.app_context():
                db.session.remove()
                db.drop_all()
                db.engine.dispose()


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
