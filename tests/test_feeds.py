"""Atom and RSS feeds, per category and tag, conditional GET, the sitemap, robots.txt."""

from __future__ import annotations

import gzip
import html
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import brotli
import feedparser
import pytest
from sqlalchemy import select, text

from tests.conftest import BASE_TIME, tiny_png
from webapp.extensions import db
from webapp.feeds import views as feed_views
from webapp.models import DRAFT, Article
from webapp.services.publishing import RENDER_VERSION, publish

ATOM_NS = "{http://www.w3.org/2005/Atom}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"

MATH_ARTICLE = """---
title: 注意力的 IO 复杂度
slug: attention-io
categories: [机器学习, 深度学习]
tags: [attention, GPU]
---
显存访问从 $O(N^2)$ 降到 $O(N^2 d^2 M^{-1})$。[^1]

$$
\\operatorname{softmax}(x)_i = \\frac{e^{x_i}}{\\sum_j e^{x_j}}
$$

Broken on purpose: $\\frac{1}{$.

![tiling](img/tiling.png)

See [the previous post](/posts/flash-v1/) and [its notes](#notes).

The very last sentence of the article.

[^1]: Dao et al., 2022.
"""


def publish_in(app, text, **kwargs):
    with app.app_context():
        return publish(text, **kwargs).article.slug


def publish_math(app):
    return publish_in(
        app, MATH_ARTICLE, load_image=lambda ref: tiny_png() if ref == "img/tiling.png" else None
    )


def parsed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def shown_text(detail):
    """Return the text a field shows: RSS titles and descriptions are HTML holding text."""
    if detail.type == "text/html":
        assert "<" not in detail.value, detail.value  # escaped text, no element
        return html.unescape(detail.value)
    return detail.value


def raw_bodies(client, url):
    """Return the article bodies as the XML carries them (before feedparser resolves URLs)."""
    root = ET.fromstring(client.get(url).data)
    if root.tag == f"{ATOM_NS}feed":
        return [entry.find(f"{ATOM_NS}content").text for entry in root.iter(f"{ATOM_NS}entry")]
    return [item.find(CONTENT_ENCODED).text for item in root.iter("item")]


def sitemap_locs(client, url="/sitemap.xml"):
    response = client.get(url)
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == f"{SITEMAP_NS}urlset"
    return {
        node.find(f"{SITEMAP_NS}loc").text: node.find(f"{SITEMAP_NS}lastmod").text
        for node in root.iter(f"{SITEMAP_NS}url")
    }


# --- The site feeds -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/feed.xml", "/rss.xml"])
def test_feed_lists_the_20_most_recently_updated_published_articles(app, client, add_article, url):
    for n in range(25):
        add_article(
            f"Post {n:02d}", slug=f"post-{n:02d}", updated_at=BASE_TIME + timedelta(hours=n)
        )
    newest = BASE_TIME + timedelta(days=30)
    add_article("A draft", slug="a-draft", status=DRAFT, updated_at=newest)
    add_article("Trashed", slug="trashed", updated_at=newest, deleted_at=newest)
    feed = parsed(client, url)
    titles = [entry.title for entry in feed.entries]
    assert titles == [f"Post {n:02d}" for n in range(24, 4, -1)]
    assert all(entry.link.startswith("http://blog.test/posts/post-") for entry in feed.entries)
    body = client.get(url).get_data(as_text=True)
    assert "a-draft" not in body and "Trashed" not in body


def test_atom_feed_metadata(app, client, add_article):
    add_article("Only", slug="only", tags=["x"], category=["Cat", "Sub"])
    feed = parsed(client, "/feed.xml")
    assert feed.version == "atom10"
    assert feed.feed.title == app.config["SITE_TITLE"]
    assert feed.feed.id == "http://blog.test/feed.xml"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": "http://blog.test/feed.xml", "alternate": "http://blog.test/"}
    entry = feed.entries[0]
    assert entry.id == "http://blog.test/posts/only/"
    assert entry.author == app.config["SITE_TITLE"]
    assert entry.summary == "Excerpt of article 1"
    assert entry.published_parsed and entry.updated_parsed
    assert {tag.term for tag in entry.tags} == {"Cat/Sub", "x"}


def test_rss_feed_metadata(app, client, add_article):
    add_article("Only", slug="only", tags=["x"], category=["Cat"])
    feed = parsed(client, "/rss.xml")
    assert feed.version == "rss20"
    assert feed.feed.link == "http://blog.test/"
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == ["http://blog.test/rss.xml"]
    entry = feed.entries[0]
    assert entry.id == "http://blog.test/posts/only/" and entry.guidislink is False
    assert entry.summary == "Excerpt of article 1"
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", entry.published)
    assert {tag.term for tag in entry.tags} == {"Cat", "x"}


@pytest.mark.parametrize("url", ["/feed.xml", "/rss.xml"])
def test_feed_carries_the_full_article_with_math_as_mathml(app, client, url):
    publish_math(app)
    entry = parsed(client, url).entries[0]
    content = entry.content[0].value
    assert "The very last sentence of the article." in content
    assert "Dao et al., 2022." in content  # footnotes too
    assert content.count("<math") == 3 and "katex-html" not in content
    assert 'display="block"' in content
    assert "\\frac{1}{" in content  # a rejected formula shows its source
    [raw] = raw_bodies(client, url)
    assert raw.count("<math") == 3 and "katex" not in raw and "<svg" not in raw


@pytest.mark.parametrize("url", ["/feed.xml", "/rss.xml"])
def test_feed_links_and_images_are_absolute(app, client, url):
    publish_math(app)
    [raw] = raw_bodies(client, url)
    assert re.search(r'<img [^>]*src="http://blog\.test/media/[0-9a-f]{64}\.png"', raw)
    assert 'href="http://blog.test/posts/flash-v1/"' in raw
    assert 'href="http://blog.test/posts/attention-io/#notes"' in raw
    assert 'href="http://blog.test/posts/attention-io/#fn:1"' in raw
    assert not re.search(r'<[^>]*\s(?:href|src)="(?:/|#)', raw)


def test_titles_and_text_are_escaped_in_the_xml(app, client, add_article):
    add_article('Q "<script>& </feed>', slug="tricky", excerpt="a < b & c", html="<p>x &amp; y</p>")
    for url in ("/feed.xml", "/rss.xml"):
        entry = parsed(client, url).entries[0]
        assert shown_text(entry.title_detail) == 'Q "<script>& </feed>'
        assert shown_text(entry.summary_detail) == "a < b & c"
        assert "<script>" not in client.get(url).get_data(as_text=True)


def test_characters_xml_cannot_carry_are_dropped(app, client, add_article):
    add_article("Bell\x07 title", slug="bell", html="<p>form\x0cfeed</p>")
    entry = parsed(client, "/feed.xml").entries[0]
    assert entry.title == "Bell title" and "formfeed" in entry.content[0].value


def test_rows_rendered_before_feed_html_existed_get_it_derived(app, client):
    slug = publish_math(app)
    with app.app_context():
        db.session.execute(text("UPDATE articles SET feed_html = NULL"))
        db.session.commit()
    [raw] = raw_bodies(client, "/feed.xml")
    assert raw.count("<math") == 3 and "katex-html" not in raw
    assert f'href="http://blog.test/posts/{slug}/#fn:1"' in raw


def test_empty_site_has_valid_empty_feeds(client):
    for url in ("/feed.xml", "/rss.xml"):
        assert parsed(client, url).entries == []


def test_site_url_setting_is_used_for_every_address(app, client, add_article):
    app.config["SITE_URL"] = "https://notes.example.org/"
    add_article("Only", slug="only", html='<p><img src="/media/a.png"></p>')
    feed = parsed(client, "/feed.xml")
    assert feed.feed.id == "https://notes.example.org/feed.xml"
    assert feed.entries[0].link == "https://notes.example.org/posts/only/"
    assert 'src="https://notes.example.org/media/a.png"' in raw_bodies(client, "/feed.xml")[0]
    assert "https://notes.example.org/posts/only/" in sitemap_locs(client)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: https://notes.example.org/sitemap.xml" in robots


# --- Category and tag feeds -----------------------------------------------------------


def test_category_feed_includes_the_categories_below(app, client, add_article):
    add_article("Parent post", category=["ML"])
    add_article("Child post", category=["ML", "DL"])
    add_article("Other post", category=["Data"])
    add_article("Draft in ML", category=["ML"], status=DRAFT)
    add_article("Trashed in ML", category=["ML", "DL"], deleted_at=BASE_TIME)
    for url in ("/categories/ML/feed.xml", "/categories/ML/rss.xml"):
        feed = parsed(client, url)
        assert [entry.title for entry in feed.entries] == ["Child post", "Parent post"]
        assert "ML" in feed.feed.title
    assert [e.title for e in parsed(client, "/categories/ML/DL/feed.xml").entries] == ["Child post"]


def test_category_feed_and_category_page_urls_both_work(app, client, add_article):
    add_article("Child post", category=["机器学习", "深度学习"])
    page = client.get("/categories/机器学习/深度学习/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    feed = client.get("/categories/机器学习/深度学习/feed.xml")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    assert client.get("/categories/机器学习/feed.xml").mimetype == "application/atom+xml"


def test_tag_feed(app, client, add_article):
    add_article("Tagged", tags=["GPU"])
    add_article("Untagged")
    add_article("Tagged draft", tags=["GPU"], status=DRAFT)
    for url in ("/tags/gpu/feed.xml", "/tags/gpu/rss.xml"):
        assert [entry.title for entry in parsed(client, url).entries] == ["Tagged"]
    assert client.get("/tags/gpu/").mimetype == "text/html"


@pytest.mark.parametrize(
    "url",
    [
        "/categories/Nope/feed.xml",
        "/categories/Nope/rss.xml",
        "/tags/nope/feed.xml",
        "/tags/nope/rss.xml",
    ],
)
def test_unknown_category_or_tag_feed_is_404(client, add_article, url):
    add_article("Something", category=["Real"], tags=["real"])
    assert client.get(url).status_code == 404


# --- Conditional GET and caching ------------------------------------------------------


def test_feed_answers_304_to_a_matching_etag_or_date(app, client, add_article):
    add_article("First")
    first = client.get("/feed.xml")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "max-age=" in first.headers["Cache-Control"]
    again = client.get("/feed.xml", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    since = client.get("/feed.xml", headers={"If-Modified-Since": modified})
    assert since.status_code == 304


def test_feed_changes_etag_after_a_new_article(app, client, add_article):
    add_article("First")
    first = client.get("/rss.xml")
    later = datetime(2030, 1, 1)  # after any time the first request saw
    add_article("Second", updated_at=later, rendered_at=later)
    headers = {"If-None-Match": first.headers["ETag"]}
    second = client.get("/rss.xml", headers=headers)
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    assert "Second" in second.get_data(as_text=True)
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert client.get("/rss.xml", headers=since).status_code == 200


def test_feed_etag_follows_unpublishing_and_rerendering(app, client, runner, add_article):
    publish_in(app, "---\ntitle: Kept\n---\nKept.\n")
    slug = publish_in(app, "---\ntitle: Gone\n---\nGone soon.\n")
    before = client.get("/feed.xml").headers["ETag"]
    with app.app_context():
        db.session.scalar(select(Article).where(Article.slug == slug)).status = DRAFT
        db.session.commit()
    unpublished = client.get("/feed.xml")
    assert unpublished.headers["ETag"] != before
    assert "Gone" not in unpublished.get_data(as_text=True)
    runner.invoke(args=["rerender", "--all"])
    assert client.get("/feed.xml").headers["ETag"] != unpublished.headers["ETag"]


def test_category_and_site_feeds_have_different_etags(app, client, add_article):
    add_article("Post", category=["ML"])
    site = client.get("/feed.xml").headers["ETag"]
    assert client.get("/categories/ML/feed.xml").headers["ETag"] != site
    assert client.get("/rss.xml").headers["ETag"] != site


def test_feed_body_is_built_once_per_change(app, client, add_article, monkeypatch):
    add_article("Post")
    first = client.get("/feed.xml").data
    calls = []
    original = feed_views.render_template
    monkeypatch.setattr(
        feed_views, "render_template", lambda *a, **k: calls.append(a) or original(*a, **k)
    )
    assert client.get("/feed.xml").data == first
    assert calls == []


def test_feed_in_every_encoding_is_the_same_document(app, client, add_article):
    add_article("Post", html="<p>" + "long text " * 200 + "</p>")
    plain = client.get("/feed.xml", headers={"Accept-Encoding": "identity"})
    br = client.get("/feed.xml", headers={"Accept-Encoding": "br, gzip"})
    gz = client.get("/feed.xml", headers={"Accept-Encoding": "gzip"})
    assert br.headers["Content-Encoding"] == "br" and gz.headers["Content-Encoding"] == "gzip"
    assert brotli.decompress(br.data) == plain.data == gzip.decompress(gz.data)
    assert "Accept-Encoding" in plain.headers["Vary"]


# --- Sitemap and robots.txt -----------------------------------------------------------


def test_sitemap_lists_exactly_the_published_pages(app, client, add_article):
    add_article("Top", slug="top", category=["ML"], tags=["GPU"], updated_at=BASE_TIME)
    add_article(
        "Deep", slug="deep", category=["ML", "DL"], updated_at=BASE_TIME + timedelta(days=2)
    )
    add_article("Hidden", slug="hidden", category=["Secret"], tags=["private"], status=DRAFT)
    add_article("Binned", slug="binned", category=["Bin"], tags=["gone"], deleted_at=BASE_TIME)
    locs = sitemap_locs(client)
    base = "http://blog.test"
    assert set(locs) == {
        f"{base}/",
        f"{base}/posts/top/",
        f"{base}/posts/deep/",
        f"{base}/categories/ML/",
        f"{base}/categories/ML/DL/",
        f"{base}/tags/gpu/",
        f"{base}/categories/",
        f"{base}/tags/",
        f"{base}/archive/",
        f"{base}/archive/2026/01/",
    }
    assert locs[f"{base}/posts/top/"] == "2026-01-01T12:00:00Z"
    # A category's page changes when any article in or below it does.
    assert locs[f"{base}/categories/ML/"] == locs[f"{base}/posts/deep/"] == "2026-01-03T12:00:00Z"
    assert locs[f"{base}/"] == "2026-01-03T12:00:00Z"
    assert locs[f"{base}/tags/gpu/"] == "2026-01-01T12:00:00Z"
    # Overviews count every article; a month changes with the articles published in it.
    assert locs[f"{base}/archive/"] == locs[f"{base}/tags/"] == "2026-01-03T12:00:00Z"
    assert locs[f"{base}/archive/2026/01/"] == "2026-01-03T12:00:00Z"
    for url in locs:
        assert client.get(url).status_code == 200, url


def test_sitemap_overviews_change_with_the_newest_article_of_all(app, client, add_article):
    add_article("Filed", category=["ML"], tags=["gpu"], updated_at=BASE_TIME)
    add_article("Loose", updated_at=BASE_TIME + timedelta(days=5))
    locs = sitemap_locs(client)
    base = "http://blog.test"
    newest = "2026-01-06T12:00:00Z"
    assert locs[f"{base}/"] == newest
    for overview in ("categories/", "tags/", "archive/"):
        assert locs[f"{base}/{overview}"] == newest, overview
    assert locs[f"{base}/categories/ML/"] == "2026-01-01T12:00:00Z"


def test_sitemap_of_an_empty_site_is_an_empty_urlset(client):
    assert sitemap_locs(client) == {}


def test_sitemap_splits_into_an_index_past_the_limit(app, client, add_article, monkeypatch):
    monkeypatch.setattr(feed_views, "SITEMAP_MAX_URLS", 3)
    for n in range(6):
        add_article(slug=f"p{n}", tags=["t"])
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.data)
    assert root.tag == f"{SITEMAP_NS}sitemapindex"
    parts = [node.find(f"{SITEMAP_NS}loc").text for node in root.iter(f"{SITEMAP_NS}sitemap")]
    # The other pages' parts first, then two of the six articles (newest first).
    assert parts == [f"http://blog.test/sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    urls = [sitemap_locs(client, part) for part in parts]
    assert all(len(chunk) <= 3 for chunk in urls)
    listed = set().union(*urls)
    assert len(listed) == 11  # home, tags, archive, one tag, one month, six articles
    assert sum(map(len, urls)) == 11  # each page in exactly one part
    assert list(urls[-2]) == [f"http://blog.test/posts/p{n}/" for n in (5, 4, 3)]
    assert list(urls[-1]) == [f"http://blog.test/posts/p{n}/" for n in (2, 1, 0)]
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404


def test_a_small_sitemap_has_no_numbered_parts(client, add_article):
    add_article("Post")
    assert client.get("/sitemap-1.xml").status_code == 404


def test_sitemap_answers_304(client, add_article):
    add_article("Post")
    etag = client.get("/sitemap.xml").headers["ETag"]
    assert client.get("/sitemap.xml", headers={"If-None-Match": etag}).status_code == 304


def test_robots_txt_allows_readers_pages_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines and "Disallow: /admin/" in lines
    assert "Sitemap: http://blog.test/sitemap.xml" in lines


# --- Publishing and re-rendering fill feed_html -----------------------------------------


def test_publish_stores_feed_html(app):
    slug = publish_math(app)
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        assert article.feed_html.count("<math") == 3 and "katex-html" not in article.feed_html
        assert article.render_version == RENDER_VERSION


def test_rerender_fills_feed_html_for_rows_rendered_before(app, runner):
    slug = publish_math(app)
    with app.app_context():
        db.session.execute(text("UPDATE articles SET feed_html = NULL, render_version = 2"))
        db.session.commit()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0 and "1 changed" in result.output
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        assert article.render_version == RENDER_VERSION
        assert article.feed_html.count("<math") == 3
