"""Feeds carry hostile text as text: no markup reaches a reader, and the XML stays well-formed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import quote

import feedparser
import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Article
from webapp.services.publishing import publish

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
# XML 1.0 cannot carry these; the author's text is what is left without them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

TITLE = "Use <img src=x onerror=alert(1)> & <b>bold</b> ]]> &amp;lt; AT&T \x07bell"
DESCRIPTION = "Excerpt <script>alert(1)</script> & ]]> &lt;i&gt; <a href=x>link</a> \x01end"
CATEGORY = "Cat\x07 <b>x</b> & ]]>"
SUBCATEGORY = "Sub <i>it"
TAGS = ["tag <img src=x onerror=alert(2)>", "t\x0bg &amp;"]


def yaml_string(text: str) -> str:
    """Return text as a YAML double-quoted scalar (control characters as \\x escapes)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", escaped) + '"'


HOSTILE = f"""---
title: {yaml_string(TITLE)}
description: {yaml_string(DESCRIPTION)}
categories: [{yaml_string(CATEGORY)}, {yaml_string(SUBCATEGORY)}]
tags: [{", ".join(yaml_string(tag) for tag in TAGS)}]
---
The body writes `<script>alert(4)</script>` as code, ]]> as text, a bell \x07 and a
non-character \uffff, and &lt;b&gt;not bold&lt;/b&gt; as escaped text.

<img src="x" onerror="alert(5)">
"""


def shown(text: str) -> str:
    """Return what a reader must show for text the author wrote."""
    return NOT_XML.sub("", text)


class _Reader(HTMLParser):
    """Reads an HTML fragment as a feed reader renders it: the elements and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def rendered(fragment: str) -> tuple[list[str], str]:
    """Return the elements an HTML fragment holds and the text it shows."""
    reader = _Reader()
    reader.feed(fragment)
    reader.close()
    return reader.elements, "".join(reader.text)


def visible(detail) -> str:
    """Return the text feedparser's reading of a field shows; fail if it holds markup."""
    if detail.type == "text/html":
        elements, text = rendered(detail.value)
        assert elements == [], detail.value
        return text
    assert detail.type == "text/plain", detail.type
    return detail.value


@pytest.fixture
def hostile(app):
    """Publish the hostile article; return its stored title, excerpt, category and tags."""
    with app.app_context():
        result = publish(HOSTILE, filename="hostile.md")
        article = db.session.scalar(select(Article).where(Article.id == result.article.id))
        return {
            "title": article.title,
            "excerpt": article.excerpt,
            "category": article.category.name,
            "path": article.category.path,
            "parent": article.category.parent.path,
            "tags": sorted(tag.name for tag in article.tags),
            "tag_slug": article.tags[0].slug,
            "tag_name": article.tags[0].name,
        }


def feed_urls(stored: dict) -> dict[str, str]:
    """Return every feed address that lists the hostile article, with the name its title
    carries (the category's or tag's as written; none for the site's)."""
    urls = {"/feed.xml": "", "/rss.xml": ""}
    for path, name in ((stored["parent"], CATEGORY), (stored["path"], SUBCATEGORY)):
        base = "/categories/" + quote(path, safe="/")
        urls |= {f"{base}/feed.xml": name, f"{base}/rss.xml": name}
    base = "/tags/" + quote(stored["tag_slug"])
    return urls | {f"{base}/feed.xml": stored["tag_name"], f"{base}/rss.xml": stored["tag_name"]}


def test_the_article_stored_what_the_author_wrote(hostile):
    # The checks below compare against the author's words: make sure those got through.
    assert shown(hostile["title"]) == shown(TITLE)
    assert "<script>alert(1)</script>" in hostile["excerpt"] and "]]>" in hostile["excerpt"]
    assert shown(hostile["category"]) == shown(SUBCATEGORY)
    assert "\x07" in hostile["title"] and "\x07" in hostile["parent"]


def test_every_feed_and_the_sitemap_are_well_formed_xml(client, hostile):
    for url in [*feed_urls(hostile), "/sitemap.xml"]:
        response = client.get(url)
        assert response.status_code == 200, url
        ET.fromstring(response.data)  # raises on any character or markup XML refuses
        text = response.get_data(as_text=True)
        assert not NOT_XML.search(text), url
        assert feedparser.parse(response.data).bozo == 0 or url == "/sitemap.xml", url


def test_feed_readers_show_titles_and_excerpts_as_the_author_wrote_them(client, hostile):
    for url, name in feed_urls(hostile).items():
        feed = feedparser.parse(client.get(url).data)
        assert feed.bozo == 0, (url, feed.get("bozo_exception"))
        [entry] = feed.entries
        assert visible(entry.title_detail) == shown(TITLE), url
        assert visible(entry.summary_detail) == shown(hostile["excerpt"]), url
        # The feed's own title and description name the category or tag as written.
        assert shown(name) in visible(feed.feed.title_detail), url
        assert shown(name) in visible(feed.feed.subtitle_detail), url
        terms = {tag.term for tag in entry.tags}
        assert {shown(tag) for tag in TAGS} <= terms, url


def test_rss_title_and_description_are_text_to_a_reader_that_renders_html(client, hostile):
    # Most readers take an RSS <title> and <description> as HTML: read them that way.
    for url in [url for url in feed_urls(hostile) if url.endswith("rss.xml")]:
        channel = ET.fromstring(client.get(url).data).find("channel")
        item = channel.find("item")
        for element, expected in (
            (item.find("title"), shown(TITLE)),
            (item.find("description"), shown(hostile["excerpt"])),
        ):
            elements, text = rendered(element.text)
            assert elements == [] and text == expected, (url, element.text)
        for element in (channel.find("title"), channel.find("description")):
            assert rendered(element.text)[0] == [], (url, element.text)
        categories = [element.text for element in item.findall("category")]
        assert shown(hostile["path"]) in categories


def test_atom_text_constructs_are_plain_text(client, hostile):
    root = ET.fromstring(client.get("/feed.xml").data)
    assert root.find(f"{ATOM}title").get("type") == "text"
    assert root.find(f"{ATOM}subtitle").get("type") == "text"
    entry = root.find(f"{ATOM}entry")
    title, summary = entry.find(f"{ATOM}title"), entry.find(f"{ATOM}summary")
    assert title.get("type") == "text" and title.text == shown(TITLE)
    assert summary.get("type") == "text" and summary.text == shown(hostile["excerpt"])
    labels = {c.get("label") for c in entry.findall(f"{ATOM}category") if c.get("label")}
    assert labels == {shown(hostile["category"])}


@pytest.mark.parametrize("url", ["/feed.xml", "/rss.xml"])
def test_the_body_is_html_without_anything_that_runs(client, hostile, url):
    root = ET.fromstring(client.get(url).data)
    if url == "/feed.xml":
        content = root.find(f"{ATOM}entry").find(f"{ATOM}content")
        assert content.get("type") == "html"
    else:
        content = root.find("channel").find("item").find(CONTENT_ENCODED)
    elements, text = rendered(content.text)
    assert "script" not in elements and "code" in elements
    assert "onerror" not in content.text and "alert(5)" not in content.text
    assert "<script>alert(4)</script>" in text and "]]>" in text
    assert "<b>not bold</b>" in text and "bell  and" in text.replace("\n", " ")


def test_the_site_title_is_escaped_once_in_atom_and_twice_in_rss(app, client, hostile):
    app.config["SITE_TITLE"] = "Q&A \x08<b>notes</b>"
    atom = feedparser.parse(client.get("/feed.xml").data)
    rss = feedparser.parse(client.get("/rss.xml").data)
    assert visible(atom.feed.title_detail) == "Q&A <b>notes</b>"
    assert visible(rss.feed.title_detail) == "Q&A <b>notes</b>"
