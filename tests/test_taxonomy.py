"""Browsing pages: nested category pages, the categories, tags and archive pages, month lists."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from tests.conftest import BASE_TIME
from tests.test_listing import HX, click_load_more, fragment_titles, next_href, parse
from webapp.extensions import db
from webapp.models import DRAFT

TRASHED = {"deleted_at": BASE_TIME}
DL = "/categories/%E6%9C%BA%E5%99%A8%E5%AD%A6%E4%B9%A0/%E6%B7%B1%E5%BA%A6%E5%AD%A6%E4%B9%A0/"


@contextmanager
def counting_queries(app):
    """Count the SQL statements the app runs inside the block: `with ... as statements`."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def section(html: str, pattern: str) -> str:
    """Return the first piece of a page matching a regular expression (DOTALL)."""
    match = re.search(pattern, html, re.S)
    assert match, pattern
    return match.group(0)


def text_of(html: str) -> str:
    """Return the text a reader sees in some markup, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# Category pages and the categories page


def test_category_page_lists_descendants_with_breadcrumb_and_child_counts(client, add_article):
    add_article("Parent own", category=["机器学习"])
    add_article("DL one", category=["机器学习", "深度学习"])
    add_article("DL two", category=["机器学习", "深度学习"])
    add_article("CV deep", category=["机器学习", "深度学习", "CV"])
    add_article("RL one", category=["机器学习", "强化学习"])
    add_article("Draft in DL", category=["机器学习", "深度学习"], status=DRAFT)
    add_article("Trashed in RL", category=["机器学习", "强化学习"], **TRASHED)
    add_article("Only a draft here", category=["机器学习", "草稿"], status=DRAFT)
    add_article("Elsewhere", category=["大数据"])

    html = client.get("/categories/机器学习/").get_data(as_text=True)
    assert sorted(parse(html).titles) == ["CV deep", "DL one", "DL two", "Parent own", "RL one"]
    crumbs = section(html, r'<nav class="breadcrumb".*?</nav>')
    assert text_of(crumbs) == "Home Categories 机器学习"  # the slashes are drawn by CSS
    assert 'href="/categories/"' in crumbs and '<span aria-current="page">机器学习</span>' in crumbs
    children = section(html, r'<nav class="subcategories".*?</nav>')
    # Each child's count includes its own descendants; drafts, trash and empty children are out.
    assert text_of(children) == "强化学习 : 1 article 深度学习 : 3 articles"
    assert 'href="' + DL + '"' in children
    assert "草稿" not in html
    assert "5 articles, including its subcategories" in html

    child = client.get(DL).get_data(as_text=True)
    assert sorted(parse(child).titles) == ["CV deep", "DL one", "DL two"]
    crumbs = section(child, r'<nav class="breadcrumb".*?</nav>')
    assert 'href="/categories/%E6%9C%BA%E5%99%A8%E5%AD%A6%E4%B9%A0/">机器学习</a>' in crumbs
    assert '<span aria-current="page">深度学习</span>' in crumbs
    assert text_of(section(child, r'<nav class="subcategories".*?</nav>')) == "CV : 1 article"

    leaf = client.get("/categories/机器学习/深度学习/CV/").get_data(as_text=True)
    assert parse(leaf).titles == ["CV deep"]
    assert 'class="subcategories"' not in leaf


def test_category_page_load_more_keeps_its_children(client, add_article):
    for _ in range(14):
        add_article(category=["机器学习", "深度学习"])
    full = client.get("/categories/机器学习/")
    html = full.get_data(as_text=True)
    assert len(parse(html).titles) == 12 and 'class="subcategories"' in html
    fragment = client.get(next_href(html), headers=HX)
    body = fragment.get_data(as_text=True)
    assert len(fragment_titles(body)) == 2 and "subcategories" not in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_categories_page_counts_descendants_and_only_visible_articles(app, client, add_article):
    add_article(category=["机器学习"])
    add_article(category=["机器学习", "深度学习"])
    add_article(category=["机器学习", "深度学习", "CV"])
    add_article(category=["机器学习", "深度学习", "CV"])
    add_article(category=["机器学习", "深度学习", "CV"], status=DRAFT)
    add_article(category=["机器学习", "强化学习"], **TRASHED)
    add_article(category=["大数据", "流处理"])
    add_article(category=["秘密"], status=DRAFT)
    add_article("No category")

    with counting_queries(app) as statements:
        response = client.get("/categories/")
    assert response.status_code == 200
    # The visible set's fingerprint (the page cache's key), the categories, one grouped count.
    assert len(statements) == 3
    html = response.get_data(as_text=True)
    assert "<title>Categories · " in html
    assert re.search(r"<h1[^>]*>.*CATEGORIES</h1>", html)
    tree = section(html, r'<ul class="category-tree">.*</ul>\s*</section>')
    items = re.findall(
        r'<a class="category-link" href="([^"]+)">([^<]+)</a>\s*<span class="count">(\d+)', tree
    )
    counts = {name: int(count) for _, name, count in items}
    assert counts == {"机器学习": 4, "深度学习": 3, "CV": 2, "大数据": 1, "流处理": 1}
    # Nested lists: CV sits inside 深度学习's list, which sits inside 机器学习's.
    assert re.search(r"机器学习</a>.*?<ul>.*?深度学习</a>.*?<ul>.*?CV</a>", tree, re.S)
    assert "强化学习" not in html and "秘密" not in html


def test_categories_page_queries_do_not_grow_with_categories(app, client, add_article):
    for n in range(30):
        add_article(category=[f"Top {n % 5}", f"Child {n}"])
    with counting_queries(app) as statements:
        html = client.get("/categories/").get_data(as_text=True)
    assert len(statements) == 3
    assert html.count('class="category-link"') == 35
    # Served again from the page cache: only the fingerprint is read.
    with counting_queries(app) as statements:
        assert client.get("/categories/").get_data(as_text=True) == html
    assert len(statements) == 1


# Tags


def test_tags_page_counts_visible_articles_sorted_by_count_then_name(app, client, add_article):
    add_article(tags=["Spark", "Kafka", "Flink"])
    add_article(tags=["Spark", "Kafka"])
    add_article(tags=["Spark", "zebra"])
    add_article(tags=["Kafka", "算法"], status=DRAFT)
    add_article(tags=["Kafka", "Hidden"], **TRASHED)
    add_article(tags=["Apple"])
    add_article(tags=["kafka-streams"])

    with counting_queries(app) as statements:
        response = client.get("/tags/")
    assert len(statements) == 2  # the fingerprint, then the tags with their counts
    html = response.get_data(as_text=True)
    assert "<title>Tags · " in html and re.search(r"<h1[^>]*>.*TAGS</h1>", html)
    cloud = section(html, r'<ul class="tag-cloud">.*?</ul>')
    found = re.findall(
        r'<a href="/tags/([^/]+)/" rel="tag">([^<]+)<span class="count">.*?(\d+)', cloud
    )
    assert [(name, int(n)) for _, name, n in found] == [
        ("Spark", 3),
        ("Kafka", 2),
        ("Apple", 1),
        ("Flink", 1),
        ("kafka-streams", 1),
        ("zebra", 1),
    ]
    # A tag only drafts or trashed articles carry is not listed.
    assert "算法" not in html and "Hidden" not in html
    assert 'class="weight-5"' in cloud and 'class="weight-1"' in cloud


def test_tags_page_with_no_tags(client, add_article):
    add_article()
    html = client.get("/tags/").get_data(as_text=True)
    assert "No tags yet." in html


# The archive


def test_archive_groups_by_year_and_month_newest_first(app, client, add_article):
    add_article("Jan A", published_at=datetime(2024, 1, 5, 10))
    add_article("Jan B", published_at=datetime(2024, 1, 20, 10))
    add_article("Mar", published_at=datetime(2024, 3, 1, 10))
    add_article("Dec old", published_at=datetime(2023, 12, 31, 10))
    add_article("Draft", published_at=datetime(2024, 2, 1), status=DRAFT)
    add_article("Trashed", published_at=datetime(2022, 6, 1), **TRASHED)

    with counting_queries(app) as statements:
        response = client.get("/archive/")
    assert len(statements) == 2  # the fingerprint, then the months with their counts
    html = response.get_data(as_text=True)
    assert "<title>Archive · " in html and re.search(r"<h1[^>]*>.*ARCHIVE</h1>", html)
    years = re.findall(r'<h2 id="y(\d+)-heading"[^>]*>\d+ <span class="count">(\d+)', html)
    assert years == [("2024", "3"), ("2023", "1")]
    months = re.findall(
        r'<a href="(/archive/\d{4}/\d{2}/)"><span class="archive-month">(\w+)</span><span class="count">(\d+)',
        html,
    )
    assert months == [
        ("/archive/2024/03/", "March", "1"),
        ("/archive/2024/01/", "January", "2"),
        ("/archive/2023/12/", "December", "1"),
    ]
    assert "2022" not in html and "February" not in html


def test_archive_months_follow_the_site_time_zone(app, client, add_article):
    app.config["SITE_TIMEZONE"] = "Asia/Shanghai"  # UTC+8
    # 2024-03-31 20:00 UTC is 2024-04-01 04:00 in Shanghai: an April article there.
    add_article("Late March UTC", published_at=datetime(2024, 3, 31, 20))
    add_article("Mid March", published_at=datetime(2024, 3, 15, 12))
    # 2023-12-31 16:00 UTC is midnight, New Year's Day, in Shanghai.
    add_article("New Year", published_at=datetime(2023, 12, 31, 16))
    html = client.get("/archive/").get_data(as_text=True)
    months = re.findall(r'href="/archive/(\d{4}/\d{2})/"', html)
    assert months == ["2024/04", "2024/03", "2024/01"]
    april = client.get("/archive/2024/04/").get_data(as_text=True)
    assert parse(april).titles == ["Late March UTC"]
    assert ">2024-04-01</time>" in april  # the card shows the local publication date
    assert parse(client.get("/archive/2024/03/").get_data(as_text=True)).titles == ["Mid March"]
    assert client.get("/archive/2023/12/").status_code == 404


def test_archive_month_counts_match_the_month_pages_across_a_dst_change(app, client, add_article):
    app.config["SITE_TIMEZONE"] = "Europe/Berlin"  # CEST (UTC+2) from the last Sunday of March
    add_article("Last hour of March", published_at=datetime(2024, 3, 31, 21, 59))
    add_article("First minute of April", published_at=datetime(2024, 3, 31, 22, 0))
    add_article("Last hour of October", published_at=datetime(2024, 10, 31, 22, 59))
    add_article("First of November", published_at=datetime(2024, 10, 31, 23, 0))
    html = client.get("/archive/").get_data(as_text=True)
    found = re.findall(
        r'href="/archive/(\d{4}/\d{2})/"><span class="archive-month">\w+</span><span class="count">(\d+)',
        html,
    )
    assert found == [("2024/11", "1"), ("2024/10", "1"), ("2024/04", "1"), ("2024/03", "1")]
    for month, title in [
        ("2024/03", "Last hour of March"),
        ("2024/04", "First minute of April"),
        ("2024/10", "Last hour of October"),
        ("2024/11", "First of November"),
    ]:
        assert parse(client.get(f"/archive/{month}/").get_data(as_text=True)).titles == [title]


def test_month_page_lists_by_publication_date_with_load_more(client, add_article):
    start = datetime(2025, 3, 1, 8)
    for n in range(15):
        # Updated in the reverse order of publication: the month page must not follow it.
        add_article(
            f"March {n + 1:02d}",
            published_at=start + timedelta(days=n),
            updated_at=BASE_TIME + timedelta(days=100 - n),
        )
    add_article("April", published_at=datetime(2025, 4, 1, 8))
    add_article("Draft in March", published_at=datetime(2025, 3, 20), status=DRAFT)
    add_article("Trashed in March", published_at=datetime(2025, 3, 21), **TRASHED)

    full = client.get("/archive/2025/03/")
    assert full.status_code == 200 and "HX-Request" in full.headers["Vary"]
    html = full.get_data(as_text=True)
    assert "<title>March 2025 · Archive · " in html
    assert re.search(r"<h1[^>]*>.*ARCHIVE: March 2025</h1>", html)
    assert "15 articles first published in March 2025" in html
    crumbs = section(html, r'<nav class="breadcrumb".*?</nav>')
    assert 'href="/archive/"' in crumbs and 'href="/archive/#y2025"' in crumbs
    page = parse(html)
    assert page.titles == [f"March {n:02d}" for n in range(15, 3, -1)]
    assert ">2025-03-15</time>" in html  # the publication date, not the update
    assert page.load_more["href"] == page.load_more["hx-get"]
    url = next_href(html)
    assert url.startswith("/archive/2025/03/?after=")

    fragment = client.get(url, headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in body and fragment_titles(body) == ["March 03", "March 02", "March 01"]
    assert 'id="load-more"' not in body

    boosted = client.get(url, headers={"HX-Request": "true", "HX-Boosted": "true"})
    boosted_html = boosted.get_data(as_text=True)
    assert "<html" in boosted_html and "ARCHIVE: March 2025" in boosted_html
    assert parse(boosted_html).titles == ["March 03", "March 02", "March 01"]

    no_js = parse(client.get("/archive/2025/03/?page=2").get_data(as_text=True))
    assert no_js.titles == ["March 03", "March 02", "March 01"]
    assert no_js.page_links == ["/archive/2025/03/?page=1", "/archive/2025/03/?page=2"]


def test_month_page_paging_neither_repeats_nor_skips_on_equal_dates(client, add_article):
    moment = datetime(2025, 5, 5, 5)
    for _ in range(30):
        add_article(published_at=moment)
    html = client.get("/archive/2025/05/").get_data(as_text=True)
    seen = parse(html).titles + click_load_more(client, next_href(html))
    assert seen == [f"Article {n}" for n in range(30, 0, -1)]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/categories/nope/", 404),
        ("/categories/机器学习/nope/", 404),
        ("/tags/nope/", 404),
        ("/archive/2024/02/", 404),  # a real month without articles
        ("/archive/2024/13/", 404),
        ("/archive/2024/00/", 404),
        ("/archive/0000/01/", 404),
        ("/archive/9999/12/", 404),
        ("/archive/2024/1/", 404),
        ("/archive/24/01/", 404),
        ("/archive/abcd/01/", 404),
        ("/archive/2024/01/extra/", 404),
        ("/archive/2024/", 404),
        ("/archive/2024/01/?after=garbage", 400),
        ("/archive/2024/01/?page=abc", 400),
        ("/archive/2024/01/?page=0", 400),
        ("/archive/2024/01/?after=99999999999999999999-1", 400),
        ("/archive/2024/01/?page=9", 404),
    ],
)
def test_unknown_or_malformed_browsing_urls_are_4xx_pages(client, add_article, url, status):
    add_article(category=["机器学习"], tags=["Spark"], published_at=datetime(2024, 1, 10))
    response = client.get(url)
    assert response.status_code == status
    assert "INCOMING TRANSMISSION" in response.get_data(as_text=True)


def test_archive_with_an_article_at_the_calendars_edge(client, add_article, clock):
    # Readers see an article once its date has come: the clock stands at the calendar's end.
    clock.moment = datetime(9999, 12, 31, 13)
    add_article("Far future", published_at=datetime(9999, 12, 31, 12))
    add_article("Ancient", published_at=datetime(1, 1, 1, 12))
    html = client.get("/archive/").get_data(as_text=True)
    assert 'href="/archive/9999/12/"' in html and 'href="/archive/0001/01/"' in html
    assert client.get("/archive/0001/01/").status_code in (200, 404)
    assert client.get("/archive/9999/12/").status_code in (200, 404)


def test_empty_site_browsing_pages(client):
    for url, text in [
        ("/categories/", "No categories yet."),
        ("/tags/", "No tags yet."),
        ("/archive/", "Nothing published yet."),
    ]:
        response = client.get(url)
        assert response.status_code == 200 and text in response.get_data(as_text=True)


# The site nav


@pytest.mark.parametrize(
    ("url", "current"),
    [
        ("/", ("Latest", "page")),
        ("/categories/", ("Categories", "page")),
        ("/categories/机器学习/", ("Categories", "true")),
        ("/tags/", ("Tags", "page")),
        ("/tags/spark/", ("Tags", "true")),
        ("/archive/", ("Archive", "page")),
        ("/archive/2024/01/", ("Archive", "true")),
    ],
)
def test_site_nav_links_every_browsing_page_and_marks_the_current_one(
    client, add_article, url, current
):
    add_article(category=["机器学习"], tags=["Spark"], published_at=datetime(2024, 1, 10))
    html = client.get(url).get_data(as_text=True)
    nav = section(html, r'<nav class="site-nav" aria-label="Site">.*?</nav>')
    links = re.findall(r'<a href="([^"]+)"( aria-current="(\w+)")?>(\w+)</a>', nav)
    assert [(href, label) for href, _, _, label in links] == [
        ("/", "Latest"),
        ("/categories/", "Categories"),
        ("/tags/", "Tags"),
        ("/archive/", "Archive"),
    ]
    assert [(label, state) for _, _, state, label in links if state] == [current]
    # Its own block after the header: the header's inner part stays free for the search box.
    assert html.index("</header>") < html.index('class="site-nav"') < html.index('<main id="main"')


def test_browsing_pages_without_cards_load_no_htmx(client, add_article):
    add_article(category=["机器学习"], tags=["Spark"])
    htmx_script = re.compile(r'<script src="[^"]*/htmx\.min\.js')
    for url in ("/categories/", "/tags/", "/archive/"):
        assert not htmx_script.search(client.get(url).get_data(as_text=True)), url
    assert htmx_script.search(client.get("/categories/机器学习/").get_data(as_text=True))


def test_counts_read_as_english_in_the_singular_and_the_plural(client, add_article):
    add_article(tags=["Spark"], published_at=datetime(2024, 1, 10))
    add_article(tags=["Spark"], published_at=datetime(2024, 1, 20))
    add_article(tags=["Flink"], published_at=datetime(2024, 1, 25))
    tags = client.get("/tags/").get_data(as_text=True)
    assert "2 tags, most used first." in tags
    assert "3 articles" in client.get("/archive/").get_data(as_text=True)
    assert "1 article<" in client.get("/tags/flink/").get_data(as_text=True)
    assert "2 articles<" in client.get("/tags/spark/").get_data(as_text=True)
