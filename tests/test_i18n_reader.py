"""The reader's pages in the site's language (SITE_LANG): Chinese and English, never mixed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

import feedparser
import pytest

from webapp.web import dates

JAN_18 = datetime(2024, 1, 18, 9, 30)
FEB_3 = datetime(2024, 2, 3, 16, 0)


def text_of(response) -> str:
    """Return a page's body with tags removed and whitespace collapsed, as a reader sees it."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<[^>]+>", "", html[html.find("<body") :])
    return re.sub(r"\s+", " ", html)


def html_of(client, url: str) -> str:
    """Return a page's HTML."""
    return client.get(url).get_data(as_text=True)


@pytest.fixture
def chinese(app):
    """Switch the site to Chinese; return the app."""
    app.config["SITE_LANG"] = "zh-CN"
    return app


@pytest.fixture
def site(app, add_article):
    """Publish three articles: two in ML/DL with a shared tag, one in January and one in February."""
    first = add_article(
        "注意力的显存账",
        slug="attention",
        published_at=JAN_18,
        updated_at=FEB_3,
        reading_minutes=3,
        category=["ML", "DL"],
        tags=["python", "gpu"],
        toc_html='<ul><li><a href="#one">One</a></li></ul>',
    )
    add_article(
        "Gradient checkpoints",
        slug="checkpoints",
        published_at=FEB_3,
        updated_at=FEB_3,
        reading_minutes=1,
        category=["ML"],
        tags=["python"],
        lang="en",
    )
    add_article("Notes", slug="notes", published_at=JAN_18, updated_at=JAN_18)
    return first


def test_home_page_in_chinese(chinese, client, site):
    page = text_of(client.get("/"))
    for words in ("最近更新", "阅读约 3 分钟", "阅读约 1 分钟", "跳到正文", "最新", "分类", "归档"):
        assert words in page
    assert "2024年2月3日" in page
    for words in ("LATEST UPDATES", "min read", "Skip to content", "Archive", "2024-02-03"):
        assert words not in page


def test_home_page_stays_english_by_default(client, site):
    page = text_of(client.get("/"))
    for words in ("LATEST UPDATES", "3 min read", "1 min read", "Skip to content", "2024-02-03"):
        assert words in page
    assert not re.search(r"[最阅跳归]", page)


def test_load_more_and_page_titles_in_chinese(chinese, client, site):
    chinese.config["CARDS_PER_PAGE"] = 1
    html = client.get("/").get_data(as_text=True)
    assert ">加载更多<" in html and ">接收中…<" in html
    assert 'aria-label="分页"' in html
    next_url = (
        re.search(r'id="load-more".*?href="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")
    )
    fragment = client.get(next_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "阅读约" in fragment and ">加载更多<" in fragment and "min read" not in fragment
    assert "<title>第 2 页 · " in client.get("/?page=2").get_data(as_text=True)


def test_article_page_in_chinese(chinese, client, site):
    html = client.get("/posts/attention/").get_data(as_text=True)
    page = text_of(client.get("/posts/attention/"))
    assert '发布于 <time datetime="2024-01-18T09:30:00+00:00">2024年1月18日</time>' in html
    assert '更新于 <time datetime="2024-02-03T16:00:00+00:00">2024年2月3日</time>' in html
    assert "阅读约 3 分钟" in page
    assert ">目录</summary>" in html
    assert "← 上一篇" in page or "下一篇 →" in page
    assert "相关文章" in page and "← 返回最近更新" in page
    assert not re.search(r"Published|Updated|min read|Contents|RELATED|Previous|Next", page)


def test_article_page_in_english(client, site):
    html = client.get("/posts/attention/").get_data(as_text=True)
    assert 'Published <time datetime="2024-01-18T09:30:00+00:00">2024-01-18</time>' in html
    assert 'Updated <time datetime="2024-02-03T16:00:00+00:00">2024-02-03</time>' in html
    assert "3 min read" in html and ">Contents</summary>" in html and "RELATED" in html


def test_dates_follow_the_site_time_zone_in_either_language(app, client, add_article):
    # 20:00 UTC on the 17th is the 18th in Shanghai.
    app.config["SITE_TIMEZONE"] = "Asia/Shanghai"
    add_article("Late", slug="late", published_at=datetime(2024, 1, 17, 20, 0))
    assert ">2024-01-18</time>" in client.get("/posts/late/").get_data(as_text=True)
    app.config["SITE_LANG"] = "zh-CN"
    assert ">2024年1月18日</time>" in client.get("/posts/late/").get_data(as_text=True)


def test_archive_month_names_in_chinese(chinese, client, site):
    archive = text_of(client.get("/archive/"))
    assert "2024 3 篇文章" in archive  # the year and its count
    assert "1 月2 篇文章" in archive and "2 月1 篇文章" in archive
    assert "按首次发布的月份排列" in archive and "January" not in archive
    month = client.get("/archive/2024/01/")
    html = month.get_data(as_text=True)
    assert "<title>2024 年 1 月 · 归档 · " in html
    assert "归档：2024 年 1 月" in text_of(month)
    assert "2024 年 1 月 首次发布的文章共 2 篇，从新到旧排列。" in text_of(month)
    single = text_of(client.get("/archive/2024/02/"))
    assert "2024 年 2 月 首次发布的文章共 1 篇。" in single


def test_archive_month_names_in_english(client, site):
    archive = text_of(client.get("/archive/"))
    assert "January" in archive and "February" in archive and "3 articles" in archive
    month = text_of(client.get("/archive/2024/01/"))
    assert "ARCHIVE: January 2024" in month
    assert "2 articles first published in January 2024, newest first." in month
    single = text_of(client.get("/archive/2024/02/"))
    assert "One article first published in February 2024." in single


def test_category_and_tag_pages_in_chinese(chinese, client, site):
    category = text_of(client.get("/categories/ML/"))
    assert "分类：ML" in category and "2 篇文章（含子分类）" in category
    assert "当前位置" in html_of(client, "/categories/ML/") and "首页" in category
    assert "DL: 1 篇文章" in category  # the subcategory's count, read out with its noun
    overview = text_of(client.get("/categories/"))
    assert "每个数目都包含其下子分类中的文章。" in overview and "篇文章" in overview
    tag = text_of(client.get("/tags/python/"))
    assert "标签：python" in tag and "2 篇文章" in tag
    tags = text_of(client.get("/tags/"))
    assert "共 2 个标签，按使用次数从多到少排列。" in tags
    assert not re.search(r"CATEGORY|TAG:|articles|most used", category + tag + tags)


def test_counts_take_their_plural_form(client, site, add_article):
    assert "1 article" in text_of(client.get("/tags/gpu/"))
    assert "2 articles" in text_of(client.get("/tags/python/"))
    assert "2 tags, most used first." in text_of(client.get("/tags/"))
    add_article("Alone", slug="alone", tags=["solo"])
    page = text_of(client.get("/tags/"))
    assert "3 tags, most used first." in page
    category = text_of(client.get("/categories/ML/DL/"))
    assert "1 article" in category and "1 articles" not in category


def test_numbers_and_dates_follow_the_language(app):
    with app.test_request_context("/"):
        assert dates.number(12345) == "12,345"
        assert dates.local_date(JAN_18) == "2024-01-18"
        assert dates.local_datetime(JAN_18) == "2024-01-18 09:30"
        assert (dates.month_year(JAN_18), dates.month_name(JAN_18)) == ("January 2024", "January")
        assert dates.local_date(None) == ""
    app.config["SITE_LANG"] = "zh-CN"
    with app.test_request_context("/"):
        assert dates.local_date(JAN_18) == "2024年1月18日"
        assert dates.local_datetime(JAN_18) == "2024年1月18日 09:30"
        assert (dates.month_year(JAN_18), dates.month_name(JAN_18)) == ("2024 年 1 月", "1 月")


def test_lengths_of_time_follow_the_language(app):
    spans = [timedelta(seconds=45), timedelta(seconds=185), timedelta(seconds=3720)]
    with app.test_request_context("/"):
        assert [dates.duration(span) for span in spans] == ["45 s", "3 min 5 s", "1 h 2 min"]
        assert dates.duration(None) == ""
    app.config["SITE_LANG"] = "zh-CN"
    with app.test_request_context("/"):
        assert [dates.duration(span) for span in spans] == ["45 秒", "3 分 5 秒", "1 小时 2 分"]


def test_not_found_page_in_chinese(chinese, client):
    response = client.get("/posts/nowhere/")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<title>404 页面不存在 · " in html
    assert "这个频率上没有任何信号。" in html and "返回最近更新" in html
    fragment = client.get("/posts/nowhere/", headers={"HX-Request": "true"})
    assert (
        fragment.get_data(as_text=True).strip()
        == '<p class="error-message">这个频率上没有任何信号。</p>'
    )


def test_not_found_page_in_english(client):
    html = client.get("/posts/nowhere/").get_data(as_text=True)
    assert "<title>404 Not Found · " in html
    assert "Nothing is transmitting on this frequency." in html


def test_bad_page_links_are_explained_in_chinese(chinese, client, site):
    response = client.get("/?page=abc")
    assert response.status_code == 400
    assert "页面链接有误" in response.get_data(as_text=True)
    assert "页码不是数字。" in response.get_data(as_text=True)
    assert "这个分页链接格式有误。" in client.get("/?after=zzz").get_data(as_text=True)
    assert "没有这一页。" in client.get("/?page=0").get_data(as_text=True)


def test_search_page_in_chinese(chinese, client, site):
    empty = client.get("/search")
    html = empty.get_data(as_text=True)
    assert (
        "搜索标题、正文、代码和公式。" in html
        and 'placeholder="搜索：卷积、DDP 原理、nn.Module"' in html
    )
    assert 'data-search-summary="输入内容即可搜索。"' in html
    assert '中文词语长短皆可：<a href="/search?q=%E5%8D%B7%E7%A7%AF">卷积</a>' in html
    titled = text_of(client.get("/search?q=Gradient"))
    assert "“Gradient”的搜索结果共 1 条" in titled
    none = text_of(client.get("/search?q=不存在的词"))
    assert "没有已发布的文章匹配“不存在的词”。" in none
    live = client.get("/search?q=Gradient", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<title>Gradient · 搜索 · " in live and 'data-search-summary="1 条结果。"' in live


def test_search_result_counts_take_their_plural_form(client, add_article):
    add_article("Kernel one", slug="k1")
    assert "1 result for “Kernel”" in text_of(client.get("/search?q=Kernel"))
    add_article("Kernel two", slug="k2")
    html = client.get("/search?q=Kernel").get_data(as_text=True)
    assert "2 results for “" in html and 'data-search-summary="2 results."' in html


def test_the_query_stays_escaped_inside_translated_sentences(chinese, client):
    html = client.get("/search?q=%3Cb%3Ex").get_data(as_text=True)
    assert '没有已发布的文章匹配“<span class="search-query">&lt;b&gt;x</span>”。' in html


def test_feed_titles_in_chinese(chinese, client, site):
    category = feedparser.parse(client.get("/categories/ML/feed.xml").data)
    assert category.feed.title == "Signal & Noise · 分类：ML"
    assert category.feed.subtitle == "Signal & Noise 上“ML”分类及其子分类中的文章。"
    tag = feedparser.parse(client.get("/tags/python/rss.xml").data)
    # RSS readers take the channel's title and description as HTML, holding escaped text.
    assert tag.feed.title_detail.type == "text/html"
    assert unescape(tag.feed.title) == "Signal & Noise · 标签：python"
    assert unescape(tag.feed.subtitle) == "Signal & Noise 上带有“python”标签的文章。"
    html = client.get("/categories/ML/").get_data(as_text=True)
    assert 'title="Signal &amp; Noise · 分类：ML"' in html


def test_feed_titles_in_english(client, site):
    category = feedparser.parse(client.get("/categories/ML/feed.xml").data)
    assert category.feed.title == "Signal & Noise · Category: ML"
    site_feed = feedparser.parse(client.get("/feed.xml").data)
    assert site_feed.feed.title == "Signal & Noise"
    assert site_feed.feed.subtitle.startswith("Technical notes")


def test_switching_the_language_never_serves_the_other_languages_page(app, client, site):
    pages = ["/", "/posts/attention/", "/tags/python/", "/archive/2024/01/"]
    english = {url: client.get(url).get_data(as_text=True) for url in pages}
    app.config["SITE_LANG"] = "zh-CN"
    for url in pages:
        chinese = client.get(url).get_data(as_text=True)
        assert chinese != english[url]
        assert "阅读约" in chinese or "篇文章" in chinese, url
    app.config["SITE_LANG"] = "en"
    for url in pages:
        assert client.get(url).get_data(as_text=True) == english[url]


def test_switching_the_language_never_serves_the_other_languages_fragment(app, client, site):
    app.config["CARDS_PER_PAGE"] = 1
    html = client.get("/").get_data(as_text=True)
    next_url = re.search(r'href="(/\?after=[^"]+)"', html).group(1).replace("&amp;", "&")
    htmx = {"HX-Request": "true"}
    assert "min read" in client.get(next_url, headers=htmx).get_data(as_text=True)
    app.config["SITE_LANG"] = "zh-CN"
    fragment = client.get(next_url, headers=htmx).get_data(as_text=True)
    assert "阅读约" in fragment and "min read" not in fragment


def test_a_feed_cached_in_one_language_is_not_confirmed_in_another(app, client, site):
    english = client.get("/tags/python/feed.xml")
    etag = english.headers["ETag"]
    assert client.get("/tags/python/feed.xml", headers={"If-None-Match": etag}).status_code == 304
    app.config["SITE_LANG"] = "zh-CN"
    chinese = client.get("/tags/python/feed.xml", headers={"If-None-Match": etag})
    assert chinese.status_code == 200 and chinese.headers["ETag"] != etag
    assert feedparser.parse(chinese.data).feed.title == "Signal & Noise · 标签：python"


def test_an_articles_own_language_still_marks_its_card(chinese, client, site):
    html = client.get("/").get_data(as_text=True)
    card = html[html.index('aria-labelledby="card-title-2"') - 200 : html.index("Gradient")]
    assert 'lang="en"' in card
