"""lang attributes: the page speaks the interface's language; an article's own text its own."""

from __future__ import annotations

import re

import pytest

ENGLISH_BODY = "<p>Plain English prose about caches.</p>"


@pytest.fixture
def chinese(app):
    """Switch the site to Chinese; return the app."""
    app.config["SITE_LANG"] = "zh-CN"
    return app


def element(html: str, pattern: str) -> str:
    """Return the first opening tag that matches a pattern (a regex of its start)."""
    match = re.search(pattern + r"[^>]*>", html)
    assert match, pattern
    return match.group(0)


def card_of(html: str, title: str) -> str:
    """Return the card of the article with this title."""
    cards = re.findall(r'<article class="card.*?</article>', html, re.S)
    return next(card for card in cards if title in card)


def test_an_english_article_on_a_chinese_site_marks_only_its_own_text(chinese, client, add_article):
    add_article("Cache lines", slug="cache", lang="en", html=ENGLISH_BODY)
    html = client.get("/posts/cache/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert 'lang="en"' in element(html, r'<h1 id="post-title"')
    assert 'lang="en"' in element(html, r'<div class="prose')
    # The labels around the text are Chinese, under the page's own language.
    assert "lang=" not in element(html, r'<p class="post-meta"')
    assert "lang=" not in element(html, r'<article class="post"')
    assert "发布于" in html


def test_an_article_in_the_sites_language_carries_no_lang_of_its_own(chinese, client, add_article):
    add_article("缓存行", slug="cache", lang="zh-CN")
    html = client.get("/posts/cache/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "lang=" not in element(html, r'<h1 id="post-title"')
    assert "lang=" not in element(html, r'<div class="prose')


def test_a_chinese_article_on_an_english_site(client, add_article):
    add_article("缓存行", slug="cache", lang="zh-CN")
    html = client.get("/posts/cache/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'lang="zh-CN"' in element(html, r'<h1 id="post-title"')
    assert 'lang="zh-CN"' in element(html, r'<div class="prose')
    assert "Published <time" in html


def test_the_sites_own_tag_is_kept_when_the_interface_speaks_it(app, client, add_article):
    app.config["SITE_LANG"] = "en-GB"
    add_article("Colour", slug="colour", lang="en-GB")
    html = client.get("/posts/colour/").get_data(as_text=True)
    assert '<html lang="en-GB">' in html
    assert "lang=" not in element(html, r'<h1 id="post-title"')


def test_a_card_of_an_english_article_on_the_chinese_home_page(chinese, client, add_article):
    add_article("Cache lines", slug="cache", lang="en", excerpt="Why caches matter.")
    add_article("缓存行", slug="zh-cache", lang="zh-CN", excerpt="为什么缓存重要。")
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    english = card_of(html, "Cache lines")
    assert 'lang="en"' in element(english, r'<h3 class="card-title"')
    assert 'lang="en"' in element(english, r'<p class="card-excerpt"')
    # The card's own labels (dates, reading time) are the interface's Chinese.
    assert "lang=" not in element(english, r'<article class="card')
    assert "lang=" not in element(english, r'<p class="card-meta"')
    assert "lang=" not in card_of(html, "缓存行")


def test_a_search_snippet_of_an_english_article_carries_its_lang(chinese, client, add_article):
    add_article("Cache lines", slug="cache", lang="en", html="<p>Caches hide memory latency.</p>")
    html = client.get("/search?q=latency").get_data(as_text=True)
    card = card_of(html, "Cache lines")
    assert 'lang="en"' in element(card, r'<p class="card-excerpt search-snippet"')


def test_neighbour_links_follow_the_page_not_the_article(chinese, client, add_article):
    add_article("Cache lines", slug="cache", lang="en")
    add_article("缓存行", slug="zh-cache", lang="zh-CN")
    add_article("Branch prediction", slug="branch", lang="en")
    html = client.get("/posts/zh-cache/").get_data(as_text=True)
    titles = re.findall(r'<span class="post-nav-title"[^>]*>[^<]*</span>', html)
    assert titles and all('lang="en"' in title for title in titles)
    html = client.get("/posts/cache/").get_data(as_text=True)
    assert '<span class="post-nav-title">缓存行</span>' in html


def test_feeds_keep_the_site_language_and_each_entrys_own(chinese, client, add_article):
    add_article("Cache lines", slug="cache", lang="en")
    add_article("缓存行", slug="zh-cache", lang="zh-CN")
    atom = client.get("/feed.xml").get_data(as_text=True)
    assert re.search(r'<feed [^>]*xml:lang="zh-CN"', atom)
    assert sorted(re.findall(r'<entry xml:lang="([^"]+)"', atom)) == ["en", "zh-CN"]
    assert "<language>zh-CN</language>" in client.get("/rss.xml").get_data(as_text=True)
