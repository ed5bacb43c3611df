"""LATEST UPDATES: order, cards, htmx fragments, cursor paging and the no-JavaScript links."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from tests.conftest import BASE_TIME
from webapp.extensions import db
from webapp.models import DRAFT, Article, utcnow


class CardListParser(HTMLParser):
    """Collect what a reader sees in #card-list: card titles, the load-more link, page links."""

    def __init__(self):
        super().__init__()
        self.titles: list[str] = []
        self.children: list[str] = []  # ids/tags of #card-list's direct children, in order
        self.load_more: dict | None = None
        self.page_links: list[str] = []
        self._depth = 0
        self._list_depth = None
        self._in_title = False
        self._in_pager = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in {"img", "br", "hr", "input", "meta", "link"}:
            self._depth += 1
        if attrs.get("id") == "card-list":
            self._list_depth = self._depth
        elif self._list_depth is not None and self._depth == self._list_depth + 1:
            self.children.append(attrs.get("id") or tag)
        if "card-title" in (attrs.get("class") or ""):
            self._in_title = True
        if tag == "a" and "load-more-link" in (attrs.get("class") or ""):
            self.load_more = attrs
        if tag == "nav" and attrs.get("aria-label") == "Pages":
            self._in_pager = True
        if tag == "a" and self._in_pager:
            self.page_links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "h3":
            self._in_title = False
        if tag == "nav":
            self._in_pager = False
        if self._list_depth is not None and self._depth == self._list_depth:
            self._list_depth = None
        self._depth -= 1

    def handle_data(self, data):
        if self._in_title and data.strip():
            self.titles.append(data.strip())


def parse(html: str) -> CardListParser:
    parser = CardListParser()
    parser.feed(html)
    return parser


def fragment_titles(html: str) -> list[str]:
    return re.findall(r'class="card-title"[^>]*><a [^>]*>([^<]+)</a>', html)


def next_href(html: str) -> str | None:
    match = re.search(r'class="load-more-link" href="([^"]+)" hx-get="([^"]+)"', html)
    if not match:
        return None
    assert match.group(1) == match.group(2)
    return match.group(1).replace("&amp;", "&")


HX = {"HX-Request": "true"}


def click_load_more(client, url: str | None) -> list[str]:
    """Follow load-more links as htmx does, from url until none is left; return the titles."""
    seen = []
    while url:
        body = client.get(url, headers=HX).get_data(as_text=True)
        seen += fragment_titles(body)
        url = next_href(body)
    return seen


def test_index_shows_header_and_latest_updates_heading(client, add_article):
    add_article("Only one")
    html = client.get("/").get_data(as_text=True)
    assert "INCOMING TRANSMISSION" in html
    assert "LATEST UPDATES" in html
    assert '<html lang="en">' in html
    assert '<h1 class="site-title">' in html  # one h1 per page: the site on the home page
    assert html.count("<h1") == 1


def test_site_title_and_tagline_are_configurable(app, client, add_article):
    app.config.update(SITE_TITLE="我的笔记", SITE_TAGLINE="SIGNAL ACQUIRED")
    html = client.get("/").get_data(as_text=True)
    assert "我的笔记" in html and "SIGNAL ACQUIRED" in html
    assert "INCOMING TRANSMISSION" not in html


def test_listing_orders_by_last_update_and_hides_drafts(client, add_article):
    add_article("Old", updated_at=BASE_TIME)
    add_article("New", updated_at=BASE_TIME + timedelta(days=2))
    add_article("Middle", updated_at=BASE_TIME + timedelta(days=1))
    add_article("Secret draft", updated_at=BASE_TIME + timedelta(days=3), status=DRAFT)
    page = parse(client.get("/").get_data(as_text=True))
    assert page.titles == ["New", "Middle", "Old"]


def test_updated_article_moves_back_to_top(app, client, add_article):
    first = add_article("First", updated_at=BASE_TIME)
    add_article("Second", updated_at=BASE_TIME + timedelta(hours=1))
    with app.app_context():
        db.session.get(Article, first).updated_at = BASE_TIME + timedelta(hours=2)
        db.session.commit()
    assert parse(client.get("/").get_data(as_text=True)).titles == ["First", "Second"]


def test_card_shows_title_link_category_tags_date_reading_time_excerpt(client, add_article):
    add_article(
        "Attention 复杂度",
        slug="attention",
        category=["机器学习", "深度学习"],
        tags=["GPU", "注意力"],
        excerpt="注意力的代价是 [Math] ...",
        reading_minutes=7,
        updated_at=BASE_TIME.replace(year=2025, month=3, day=14),
        lang="zh-CN",
    )
    html = client.get("/").get_data(as_text=True)
    card = re.search(r"<article class=\"card\".*?</article>", html, re.S).group(0)
    assert '<a href="/posts/attention/">Attention 复杂度</a>' in card
    assert (
        'href="/categories/%E6%9C%BA%E5%99%A8%E5%AD%A6%E4%B9%A0/%E6%B7%B1%E5%BA%A6%E5%AD%A6%E4%B9%A0/"'
        in card
    )
    assert ">深度学习</a>" in card
    assert 'href="/tags/gpu/"' in card and ">注意力</a>" in card
    assert ">2025-03-14</time>" in card
    assert "7 min read" in card
    assert "注意力的代价是 [Math] ..." in card
    assert 'lang="zh-CN"' in card


def test_twelve_cards_per_page_and_load_more_is_last_child(client, add_article):
    for _ in range(30):
        add_article()
    page = parse(client.get("/").get_data(as_text=True))
    assert len(page.titles) == 12
    assert page.children[-1] == "load-more"
    assert page.children[:-1] == ["article"] * 12
    assert page.load_more["href"] == page.load_more["hx-get"]
    assert page.load_more["hx-swap"] == "outerHTML"
    assert "hx-push-url" not in page.load_more


def test_cards_per_page_is_configurable(app, client, add_article):
    app.config["CARDS_PER_PAGE"] = 5
    for _ in range(7):
        add_article()
    assert len(parse(client.get("/").get_data(as_text=True)).titles) == 5


def test_fragment_is_only_cards_and_varies_on_hx_request(client, add_article):
    for _ in range(30):
        add_article()
    full = client.get("/")
    url = next_href(full.get_data(as_text=True))
    fragment = client.get(url, headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.headers["Vary"]
    assert "HX-Request" in full.headers["Vary"]
    assert "<html" not in body and "LATEST UPDATES" not in body
    assert len(fragment_titles(body)) == 12
    # The fragment's last element is the next #load-more, replacing the one that asked.
    assert body.rstrip().endswith("</div>") and body.count('id="load-more"') == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"HX-Request": "true", "HX-Boosted": "true"},
        {"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ],
)
def test_boosted_and_history_restore_requests_get_the_full_page(client, add_article, headers):
    for _ in range(15):
        add_article()
    url = next_href(client.get("/").get_data(as_text=True))
    body = client.get(url, headers=headers).get_data(as_text=True)
    assert "<html" in body and "LATEST UPDATES" in body


def test_without_javascript_load_more_opens_the_next_page(client, add_article):
    for _ in range(30):
        add_article()
    url = next_href(client.get("/").get_data(as_text=True))
    page = parse(client.get(url).get_data(as_text=True))
    assert page.titles == [f"Article {n}" for n in range(18, 6, -1)]
    assert page.children[-1] == "load-more"


def test_numbered_page_links_for_readers_and_crawlers(client, add_article):
    for _ in range(30):
        add_article()
    first = parse(client.get("/").get_data(as_text=True))
    assert first.page_links == ["/?page=1", "/?page=2", "/?page=3"]
    third = parse(client.get("/?page=3").get_data(as_text=True))
    assert third.titles == [f"Article {n}" for n in range(6, 0, -1)]
    assert third.load_more is None
    html = client.get("/?page=2").get_data(as_text=True)
    assert '<a aria-current="page" href="/?page=2">2</a>' in html


def test_clicking_load_more_until_it_disappears_shows_every_article_once(client, add_article):
    for _ in range(40):
        add_article()
    add_article("Hidden", status=DRAFT)
    html = client.get("/").get_data(as_text=True)
    seen = parse(html).titles + click_load_more(client, next_href(html))
    assert seen == [f"Article {n}" for n in range(40, 0, -1)]


def test_publishing_and_updating_between_clicks_neither_repeats_nor_skips(app, client, add_article):
    ids = [add_article() for _ in range(30)]  # Article 30 is newest
    html = client.get("/").get_data(as_text=True)
    seen = parse(html).titles
    url = next_href(html)
    with app.app_context():
        # A new article appears at the top; the reader is past it, so it is not shown again.
        add_article("Brand new", updated_at=utcnow())
        # An article already seen on page one is updated: it must not come back.
        db.session.get(Article, ids[29]).updated_at = utcnow()
        # An article not yet seen is updated: it moves to the top (the one allowed gap).
        db.session.get(Article, ids[2]).updated_at = utcnow()
        db.session.commit()
    seen += click_load_more(client, url)
    assert len(seen) == len(set(seen))
    expected = [f"Article {n}" for n in range(30, 0, -1) if n != 3]
    assert seen == expected


@pytest.mark.parametrize(
    "query",
    [
        "after=garbage",
        "after=12-",
        "after=-5-3",
        "page=abc",
        "page=0",
        "page=-1",
        "after=99999999999999999999-1",
    ],
)
def test_malformed_cursor_or_page_number_is_a_400_page(client, add_article, query):
    add_article()
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "card-list" not in body and "INCOMING TRANSMISSION" in body and "400" in body


def test_tampered_but_wellformed_cursor_just_pages_from_there(client, add_article):
    for _ in range(3):
        add_article()
    response = client.get("/?after=1-999999")
    assert response.status_code in (200, 404)
    assert response.status_code != 500


def test_page_past_the_end_is_404(client, add_article):
    add_article()
    assert client.get("/?page=5").status_code == 404


def test_empty_site_shows_a_friendly_listing(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No transmissions" in response.get_data(as_text=True)


def test_category_page_lists_its_own_and_child_articles_with_load_more(client, add_article):
    for _ in range(8):
        add_article(category=["机器学习"])
    for _ in range(8):
        add_article(category=["机器学习", "深度学习"])
    add_article("Elsewhere", category=["大数据"])
    html = client.get("/categories/机器学习/").get_data(as_text=True)
    page = parse(html)
    assert len(page.titles) == 12 and "Elsewhere" not in page.titles
    assert page.children[-1] == "load-more"
    rest = client.get(next_href(html), headers=HX).get_data(as_text=True)
    assert len(fragment_titles(rest)) == 4
    child = parse(client.get("/categories/机器学习/深度学习/").get_data(as_text=True))
    assert len(child.titles) == 8


def test_tag_page_lists_tagged_articles(client, add_article):
    add_article("Tagged", tags=["Spark"])
    add_article("Untagged")
    page = parse(client.get("/tags/spark/").get_data(as_text=True))
    assert page.titles == ["Tagged"]


@pytest.mark.parametrize(
    "url", ["/categories/nope/", "/tags/nope/", "/posts/nope/", "/no/such/page"]
)
def test_unknown_pages_are_404_in_the_site_style(client, url):
    response = client.get(url)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "INCOMING TRANSMISSION" in body and "404" in body


def test_text_responses_are_compressed_when_accepted(client, add_article):
    for _ in range(12):
        add_article()
    br = client.get("/", headers={"Accept-Encoding": "br"})
    assert br.headers["Content-Encoding"] == "br"
    gz = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    css = client.get("/static/css/site.css", headers={"Accept-Encoding": "br"})
    assert css.headers["Content-Encoding"] == "br"


def marked_pages(html: str) -> list[str]:
    pager = re.search(r'<nav id="pager".*?</nav>', html, re.S)
    return re.findall(r'aria-current="page" href="[^"]*">(\d+)<', pager.group(0)) if pager else []


def test_load_more_answer_marks_every_page_now_on_screen(client, add_article):
    for n in range(40):
        add_article(f"Post {n:02d}")
    html = client.get("/").get_data(as_text=True)
    assert marked_pages(html) == ["1"]
    url = next_href(html)
    assert "page=2" in url
    more = client.get(url, headers={**HX, "HX-Current-URL": "http://localhost/"})
    body = more.get_data(as_text=True)
    # The pager comes out of band; the answer still ends with the next #load-more.
    assert 'id="pager" class="pager" aria-label="Pages" hx-swap-oob="true"' in body
    assert marked_pages(body) == ["1", "2"]
    assert body.rstrip().endswith("</div>")
    third = client.get(next_href(body), headers={**HX, "HX-Current-URL": "http://localhost/"})
    assert marked_pages(third.get_data(as_text=True)) == ["1", "2", "3"]


def test_load_more_from_a_numbered_page_marks_from_that_page(client, add_article):
    for n in range(40):
        add_article(f"Post {n:02d}")
    html = client.get("/?page=2").get_data(as_text=True)
    assert marked_pages(html) == ["2"]
    body = client.get(
        next_href(html), headers={**HX, "HX-Current-URL": "http://localhost/?page=2"}
    ).get_data(as_text=True)
    assert marked_pages(body) == ["2", "3"]
    # A nonsense address marks from the first page, never fails.
    odd = client.get(next_href(html), headers={**HX, "HX-Current-URL": "::?page=-4x"})
    assert odd.status_code == 200 and marked_pages(odd.get_data(as_text=True)) == ["1", "2", "3"]


def test_without_javascript_the_next_page_link_marks_its_own_number(client, add_article):
    for n in range(30):
        add_article(f"Post {n:02d}")
    html = client.get(next_href(client.get("/").get_data(as_text=True))).get_data(as_text=True)
    assert marked_pages(html) == ["2"]
