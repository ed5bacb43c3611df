"""Share metadata in page heads: canonical links, OpenGraph/Twitter tags, JSON-LD, feed links."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from tests.conftest import tiny_png
from webapp.models import DRAFT
from webapp.services.listing import Cursor
from webapp.services.publishing import publish

TRICKY_TITLE = 'Say "<script>&alert(1)</script>'
ARTICLE = f"""---
title: '{TRICKY_TITLE}'
slug: tricky
date: 2025-03-14 21:30
updated: 2025-06-02 09:10
categories: [机器学习, 深度学习]
tags: [PyTorch, "a&b"]
description: An excerpt with <angle> & "quotes".
---
Text first.

![first figure](img/one.png)

![second figure](img/two.png)
"""


class Head(HTMLParser):
    """Collect the <head>'s link and meta tags and JSON-LD blocks, attributes unescaped."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[dict] = []
        self.meta: list[dict] = []
        self.json_ld: list[str] = []
        self._in_json = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link":
            self.links.append(attributes)
        elif tag == "meta":
            self.meta.append(attributes)
        elif tag == "script" and attributes.get("type") == "application/ld+json":
            self._in_json = True
            self.json_ld.append("")

    def handle_data(self, data):
        if self._in_json:
            self.json_ld[-1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json = False

    def property(self, name: str) -> list[str]:
        return [m["content"] for m in self.meta if m.get("property") == name]

    def name(self, name: str) -> list[str]:
        return [m["content"] for m in self.meta if m.get("name") == name]

    def canonical(self) -> list[str]:
        return [link["href"] for link in self.links if link.get("rel") == "canonical"]

    def feeds(self) -> list[tuple[str, str]]:
        return [
            (link["type"], link["href"]) for link in self.links if link.get("rel") == "alternate"
        ]


def publish_in(app, text, **kwargs):
    with app.app_context():
        return publish(text, **kwargs).article.slug


def images(ref):
    return tiny_png(rgb=(1, 2, 3)) if ref == "img/one.png" else tiny_png(rgb=(4, 5, 6))


def head_of(client, url) -> Head:
    response = client.get(url)
    assert response.status_code == 200, url
    return Head(response.get_data(as_text=True))


# --- Article pages --------------------------------------------------------------------


def test_article_page_has_canonical_and_opengraph_tags(app, client):
    slug = publish_in(app, ARTICLE, load_image=images)
    head = head_of(client, f"/posts/{slug}/")
    url = "http://blog.test/posts/tricky/"
    assert head.canonical() == [url]
    assert head.property("og:type") == ["article"]
    assert head.property("og:title") == [TRICKY_TITLE]
    assert head.property("og:description") == ['An excerpt with <angle> & "quotes".']
    assert head.property("og:url") == [url]
    assert head.property("og:site_name") == [app.config["SITE_TITLE"]]
    [image] = head.property("og:image")
    assert re.fullmatch(r"http://blog\.test/media/[0-9a-f]{64}\.png", image)
    assert client.get(image).data == tiny_png(rgb=(1, 2, 3))  # the first image, not the second
    assert head.property("article:published_time") == ["2025-03-14T21:30:00+00:00"]
    assert head.property("article:modified_time") == ["2025-06-02T09:10:00+00:00"]
    assert sorted(head.property("article:tag")) == ["PyTorch", "a&b"]
    assert head.property("article:section") == ["深度学习"]
    assert head.name("twitter:card") == ["summary_large_image"]


def test_article_without_images_has_no_og_image_and_a_summary_card(app, client):
    slug = publish_in(app, "---\ntitle: Words\n---\nOnly words.\n")
    head = head_of(client, f"/posts/{slug}/")
    assert head.property("og:image") == []
    assert head.name("twitter:card") == ["summary"]
    assert "image" not in json.loads(head.json_ld[0])


def test_article_json_ld_is_a_blogposting(app, client):
    app.config["SITE_AUTHOR"] = "Ada"
    slug = publish_in(app, ARTICLE, load_image=images)
    head = head_of(client, f"/posts/{slug}/")
    [block] = head.json_ld
    data = json.loads(block)
    url = "http://blog.test/posts/tricky/"
    assert data["@context"] == "https://schema.org" and data["@type"] == "BlogPosting"
    assert data["headline"] == TRICKY_TITLE
    assert data["description"] == 'An excerpt with <angle> & "quotes".'
    assert data["datePublished"] == "2025-03-14T21:30:00+00:00"
    assert data["dateModified"] == "2025-06-02T09:10:00+00:00"
    assert data["author"] == {"@type": "Person", "name": "Ada"}
    assert data["publisher"]["name"] == app.config["SITE_TITLE"]
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["url"] == url
    assert data["image"] == head.property("og:image")
    assert data["inLanguage"] == "en"
    assert sorted(data["keywords"]) == ["PyTorch", "a&b"]


def test_title_with_markup_is_escaped_in_meta_tags_and_json_ld(app, client):
    slug = publish_in(app, ARTICLE, load_image=images)
    html = client.get(f"/posts/{slug}/").get_data(as_text=True)
    head = html.split("</head>")[0]
    # Nothing from the title can open or close an element in the head.
    assert "<script>&alert" not in head and "</script>'" not in head
    assert head.count("<script") == head.count("</script>")
    assert 'content="Say &#34;&lt;script&gt;&amp;alert(1)&lt;/script&gt;"' in head
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', head).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\\u003cscript\\u003e\\u0026alert(1)\\u003c/script\\u003e" in block


def test_json_ld_is_a_data_block_the_csp_allows(app, client):
    slug = publish_in(app, ARTICLE, load_image=images)
    response = client.get(f"/posts/{slug}/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    # The only inline scripts are data blocks, which browsers never execute: JSON-LD and
    # the translations our scripts read.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert sorted(inline) == [
        ' type="application/json" id="site-messages"',
        ' type="application/ld+json"',
    ]


def test_site_url_setting_makes_the_article_addresses(app, client):
    app.config["SITE_URL"] = "https://notes.example.org"
    slug = publish_in(app, ARTICLE, load_image=images)
    head = head_of(client, f"/posts/{slug}/")
    assert head.canonical() == ["https://notes.example.org/posts/tricky/"]
    assert head.property("og:image")[0].startswith("https://notes.example.org/media/")


# --- Listing and other pages ----------------------------------------------------------


def test_home_page_canonical_drops_the_cursor_and_keeps_page_numbers(app, client, add_article):
    for n in range(30):
        add_article(slug=f"post-{n}")
    assert head_of(client, "/").canonical() == ["http://blog.test/"]
    assert head_of(client, "/?page=1").canonical() == ["http://blog.test/"]
    assert head_of(client, "/?page=2").canonical() == ["http://blog.test/?page=2"]
    html = client.get("/").get_data(as_text=True)
    cursor = re.search(r'href="/\?after=([0-9-]+)[&"]', html).group(1)
    Cursor.decode(cursor)  # a real cursor
    assert head_of(client, f"/?after={cursor}").canonical() == ["http://blog.test/"]


def test_listing_pages_have_website_share_tags(app, client, add_article):
    add_article("Post", category=["ML"], tags=["gpu"])
    for url in ("/", "/categories/ML/", "/tags/gpu/"):
        head = head_of(client, url)
        assert head.property("og:type") == ["website"]
        assert head.property("og:url") == head.canonical() == [f"http://blog.test{url}"]
        assert head.property("og:description") == [app.config["SITE_DESCRIPTION"]]
        assert head.property("og:title") and head.property("og:site_name")
        assert head.name("twitter:card") == ["summary"]


def test_search_page_canonical_keeps_the_query(app, client, add_article):
    add_article("卷积网络", slug="conv")
    head = head_of(client, "/search?q=%E5%8D%B7%E7%A7%AF")
    assert head.canonical() == ["http://blog.test/search?q=%E5%8D%B7%E7%A7%AF"]
    assert head.name("robots") == ["noindex"]
    assert head_of(client, "/search").canonical() == ["http://blog.test/search"]


def test_cached_article_page_keeps_each_host_name(app, client):
    slug = publish_in(app, ARTICLE, load_image=images)
    first = head_of(client, f"/posts/{slug}/")
    other = Head(
        client.get(f"/posts/{slug}/", base_url="http://mirror.test").get_data(as_text=True)
    )
    assert first.canonical() == ["http://blog.test/posts/tricky/"]
    assert other.canonical() == ["http://mirror.test/posts/tricky/"]
    assert head_of(client, f"/posts/{slug}/").canonical() == first.canonical()


def test_every_page_links_the_site_feeds(app, client, add_article, admin_user):
    slug = publish_in(app, "---\ntitle: Words\n---\nOnly words.\n")
    for url in ("/", f"/posts/{slug}/", "/admin/login", "/no-such-page"):
        html = client.get(url).get_data(as_text=True)
        feeds = Head(html).feeds()
        assert ("application/atom+xml", "/feed.xml") in feeds, url
        assert ("application/rss+xml", "/rss.xml") in feeds, url


def test_category_and_tag_pages_link_their_own_feed_first(app, client, add_article):
    add_article("Post", category=["机器学习", "深度学习"], tags=["GPU"])
    category = head_of(client, "/categories/机器学习/深度学习/").feeds()
    assert category[0][0] == "application/atom+xml"
    assert client.get(category[0][1]).mimetype == "application/atom+xml"
    assert category[0][1].endswith("/feed.xml") and "/categories/" in category[0][1]
    tag = head_of(client, "/tags/gpu/").feeds()
    assert tag[0] == ("application/atom+xml", "/tags/gpu/feed.xml")


def test_error_and_admin_pages_have_no_canonical_link(app, client, add_article, admin_user):
    add_article("Hidden", slug="hidden", status=DRAFT)
    for url in ("/posts/hidden/", "/no-such-page"):
        response = client.get(url)
        assert response.status_code == 404
        assert Head(response.get_data(as_text=True)).canonical() == []
    assert head_of(client, "/admin/login").canonical() == []
