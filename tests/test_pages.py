"""Standalone pages (`type: page`): their own address, outside the article stream."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.test_admin_articles import post
from tests.test_listing import fragment_titles
from tests.test_transfer import empty_app  # noqa: F401 (a fixture)
from webapp import create_app
from webapp.config import SettingError
from webapp.content.metadata import normalise
from webapp.extensions import db
from webapp.models import PAGE, Article
from webapp.services import authoring
from webapp.services.publishing import publish

ABOUT = "---\ntitle: About me\ntype: page\ntags: [kumquat]\n---\nI write about kumquats.\n"
ARTICLE = "---\ntitle: Kumquat notes\ntags: [kumquat]\n---\nKumquats are small.\n"


@pytest.fixture
def site(app, clock):
    """Publish an article, then a page sharing its tag (the page is the newer)."""
    with app.app_context():
        publish(ARTICLE, filename="notes.md")
        clock.advance(hours=1)
        slug = publish(ABOUT, filename="about.md").article.slug
        clock.advance(hours=1)
    return slug


def test_type_page_is_read_from_the_front_matter():
    from zoneinfo import ZoneInfo

    utc = ZoneInfo("UTC")
    assert normalise({"type": "page"}, utc).kind == "page"
    assert normalise({"type": " Page "}, utc).kind == "page"
    # Themes use type for other things (NexT's tag cloud page): those stay articles.
    assert normalise({"type": "tags"}, utc).kind == "article"
    assert normalise({}, utc).kind == "article"


def test_a_page_has_its_own_address_and_a_plain_layout(app, client, site):
    response = client.get(f"/pages/{site}/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "I write about kumquats." in page and "About me" in page
    # No dates, tags, neighbours or related articles: it is not part of the stream.
    assert 'class="post-meta"' not in page and "Kumquat notes" not in page
    assert "ETag" in response.headers  # a reader page, cached like the others
    # The article address of a page leads to the page.
    moved = client.get(f"/posts/{site}/")
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/pages/{site}/")
    assert client.get("/pages/kumquat-notes/").status_code == 404
    assert client.get("/pages/nothing-here/").status_code == 404


def test_a_page_stays_out_of_listings_feeds_search_and_related(app, client, site):
    assert fragment_titles(client.get("/").get_data(as_text=True)) == ["Kumquat notes"]
    assert fragment_titles(client.get("/tags/kumquat/").get_data(as_text=True)) == ["Kumquat notes"]
    for url in ("/feed.xml", "/rss.xml", "/search?q=kumquats", "/archive/", "/tags/"):
        text = client.get(url).get_data(as_text=True)
        assert "About me" not in text, url
    assert ">1<" in client.get("/tags/").get_data(as_text=True)  # the tag counts one article
    article = client.get("/posts/kumquat-notes/").get_data(as_text=True)
    assert "About me" not in article and f"/pages/{site}/" not in article


def test_the_sitemap_lists_the_page_as_a_page(app, client, site):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"<loc>http://blog.test/pages/{site}/</loc>" in sitemap
    assert f"/posts/{site}/" not in sitemap
    assert "/posts/kumquat-notes/" in sitemap


def test_the_sitemap_changes_when_a_page_is_edited(app, client, site, clock):
    first = client.get("/sitemap.xml")
    with app.app_context():
        page = db.session.scalar(select(Article).filter_by(kind=PAGE))
        authoring.save_source(page, ABOUT.replace("write", "wrote"))
    again = client.get("/sitemap.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200


def test_an_edit_of_the_page_shows_at_once(app, client, site):
    assert "kumquats" in client.get(f"/pages/{site}/").get_data(as_text=True)
    with app.app_context():
        page = db.session.scalar(select(Article).filter_by(kind=PAGE))
        authoring.save_source(page, ABOUT.replace("kumquats", "loquats"), minor=True)
    assert "loquats" in client.get(f"/pages/{site}/").get_data(as_text=True)


def test_dropping_type_page_makes_it_an_article(app, client, site):
    with app.app_context():
        page = db.session.scalar(select(Article).filter_by(kind=PAGE))
        authoring.save_source(page, ABOUT.replace("type: page\n", ""))
    assert client.get(f"/pages/{site}/").status_code == 404
    assert "About me" in fragment_titles(client.get("/").get_data(as_text=True))


def test_a_draft_page_is_hidden_and_previewed_as_a_page(app, signed_in_client, clock):
    with app.app_context():
        page_id = publish(ABOUT.replace("type: page", "type: page\ndraft: true")).article.id
    assert signed_in_client.get("/pages/about-me/").status_code == 404
    post(signed_in_client, f"/admin/articles/{page_id}/preview-link")
    edit = signed_in_client.get(f"/admin/articles/{page_id}/edit").get_data(as_text=True)
    path = re.search(r'readonly value="http://blog.test([^"]+)"', edit).group(1)
    preview = app.test_client().get(path).get_data(as_text=True)
    assert 'class="preview-banner"' in preview and 'class="page-standalone"' in preview


def test_the_navigation_links_the_pages_the_setting_names(app, client, site):
    app.config["NAV_PAGES"] = [{"slug": site, "label": "关于"}]
    home = client.get("/").get_data(as_text=True)
    assert f'<a href="/pages/{site}/">关于</a>' in home
    page = client.get(f"/pages/{site}/").get_data(as_text=True)
    assert f'<a href="/pages/{site}/" aria-current="page">关于</a>' in page


@pytest.mark.parametrize(
    "value",
    [
        "about",
        [{"slug": "about"}],
        [{"slug": "a b", "label": "About"}],
        [{"slug": "about", "label": ""}],
        [{"slug": "about", "label": "x" * 81}],
        ["about"],
    ],
)
def test_a_bad_nav_pages_setting_stops_the_app(tmp_path, value):
    with pytest.raises(SettingError, match="NAV_PAGES"):
        create_app(
            {"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path), "NAV_PAGES": value}
        )


def test_the_admin_keeps_pages_in_their_own_section(app, signed_in_client, site):
    pages = signed_in_client.get("/admin/pages").get_data(as_text=True)
    assert "About me" in pages and "Kumquat notes" not in pages
    assert f'href="/pages/{site}/"' in pages  # its View link
    assert "type: page" in pages and "SITE PAGES" in pages  # how to make one
    articles = signed_in_client.get("/admin/articles").get_data(as_text=True)
    assert "Kumquat notes" in articles and "About me" not in articles
    fragment = signed_in_client.get("/admin/pages?q=about", headers={"HX-Request": "true"})
    assert "About me" in fragment.get_data(as_text=True)


def test_export_and_import_keep_a_page_a_page(app, runner, site, tmp_path, empty_app):  # noqa: F811
    dest = tmp_path / "backup.zip"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0
    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert result.exit_code == 0, result.output
    with restored.app_context():
        kinds = dict(db.session.execute(select(Article.slug, Article.kind)).all())
    assert kinds == {site: "page", "kumquat-notes": "article"}
    assert restored.test_client().get(f"/pages/{site}/").status_code == 200
