"""/search: every query kind on a fixture corpus, ranking, snippets, fragments, odd input.

The corpus is published once per module (search is read-only here); tests that change
articles are in test_search_index.py. Run with TEST_DATABASE_URL to check PostgreSQL: the
expected results are the same table for both databases.
"""

from __future__ import annotations

import os
import random
import re
from html import unescape

import pytest

from tests.search_corpus import ARTICLES, DRAFT, EXPECTED, ODD_QUERIES, TRASHED, publish_corpus
from webapp import create_app
from webapp.extensions import db
from webapp.services import listing
from webapp.services.search import search, walk

HX = {"HX-Request": "true"}
_RESULT = re.compile(r'<h3 class="card-title"[^>]*><a href="/posts/([^/]+)/">')
_CARD = re.compile(r'<article class="card".*?</article>', re.S)


def make_corpus_app(url: str, instance: str):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": instance,
            "SERVER_NAME": "blog.test",
        }
    )
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
        publish_corpus()
        db.session.remove()
    return app


def drop(app) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="module")
def corpus_app(tmp_path_factory):
    """Return an app whose database holds the search corpus (TEST_DATABASE_URL or SQLite)."""
    tmp = tmp_path_factory.mktemp("search")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp / 'search.sqlite3'}"
    app = make_corpus_app(url, str(tmp / "instance"))
    yield app
    drop(app)


@pytest.fixture
def client(corpus_app):
    return corpus_app.test_client()


def results(client, query: str, **headers) -> list[str]:
    response = client.get("/search", query_string={"q": query}, headers=headers)
    assert response.status_code == 200
    return _RESULT.findall(response.get_data(as_text=True))


def card_of(html: str, slug: str) -> str:
    return next(card for card in _CARD.findall(html) if f'href="/posts/{slug}/"' in card)


@pytest.mark.parametrize("query", list(EXPECTED))
def test_query_finds_exactly_the_expected_articles_in_order(client, query):
    assert results(client, query) == EXPECTED[query]


def page_through(corpus_app, query: str, per_page: int) -> list[str]:
    """Return every result's slug, reading the results `per_page` at a time by cursor."""
    slugs, cursor = [], None
    with corpus_app.app_context():
        while True:
            page = search(query, cursor, per_page).page
            slugs += [card.slug for card in page.articles]
            cursor = page.next_cursor
            if cursor is None:
                return slugs


@pytest.mark.parametrize("budget", [1, 2, 400])
def test_paging_one_or_two_at_a_time_keeps_the_order_whatever_the_walk_budget(
    corpus_app, monkeypatch, budget
):
    # On PostgreSQL each tier is walked newest first through at most WALK_BUDGET articles,
    # then ranked exactly when the walk runs out (walk.py): both must give one order.
    monkeypatch.setattr(walk, "WALK_BUDGET", budget)
    for query, expected in EXPECTED.items():
        for per_page in (1, 2):
            assert page_through(corpus_app, query, per_page) == expected, (query, per_page)


def test_many_matches_are_counted_as_an_estimate_on_postgresql(client, corpus_app, monkeypatch):
    # A sample of the newest articles that mostly match says there are many: the count is
    # then an estimate, written as one. SQLite counts every match (FTS5 does it cheaply).
    with corpus_app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        visible = listing.count(listing.everything())
    # The sample is every visible article, so the estimate comes out exact: 4 of them.
    monkeypatch.setattr(walk, "SAMPLE_SIZE", visible)
    monkeypatch.setattr(walk, "EXACT_COUNT_LIMIT", 1)
    html = client.get("/search", query_string={"q": "梯度"}).get_data(as_text=True)
    with corpus_app.app_context():
        result = search("梯度", None, 12)
    assert [card.slug for card in result.page.articles] == EXPECTED["梯度"]
    if postgresql:
        assert result.approximate and result.total == 4
        assert "About 4 results for" in html
    else:
        assert not result.approximate and result.total == 4
        assert "4 results for" in html


def test_title_matches_rank_above_newer_body_matches(client):
    # c02 (body) is newer than c01 (title); the title match still comes first.
    assert results(client, "卷积") == ["c01", "c02"]


def test_code_and_formula_matches_rank_below_older_prose_matches(client):
    assert results(client, "functools.partial") == ["c13", "c11"]  # c11: only in code
    assert results(client, "softplus") == ["c13", "c12"]  # c12: only in a formula


def test_drafts_and_trashed_articles_are_never_found(client):
    for query in ("草稿专用词", "回收专用词", "卷积", "DDP 原理", "use_rmpad", "softplus"):
        found = results(client, query)
        assert "draft" not in found and "trashed" not in found


def test_results_page_shows_count_and_cards_with_marked_snippets(client):
    response = client.get("/search?q=卷积")
    html = response.get_data(as_text=True)
    assert '2 results for “<span class="search-query">卷积</span>”' in html
    assert "<title>卷积 · Search · " in html
    assert 'name="robots" content="noindex"' in html
    assert 'value="卷积"' in html  # the header box keeps the query
    card = card_of(html, "c02")
    assert "高斯模糊本质上是一次<mark>卷积</mark>运算" in card
    assert "card-excerpt search-snippet" in card
    title = card_of(html, "c01")
    assert "<mark>卷积</mark>神经网络入门</a>" in title


def test_snippet_marks_a_phrase_across_a_line_break(client):
    html = client.get("/search?q=梯度检查点").get_data(as_text=True)
    assert "开启<mark>梯度检查点</mark>之后" in card_of(html, "c05")
    html = client.get('/search?q="gradient checkpointing"').get_data(as_text=True)
    assert "<mark>gradient checkpointing</mark>" in card_of(html, "c05")


def test_snippet_marks_identifiers_as_written(client):
    html = client.get("/search?q=use_rmpad").get_data(as_text=True)
    assert "<mark>use_rmpad</mark>" in card_of(html, "c10")
    html = client.get("/search?q=nn.Module").get_data(as_text=True)
    assert "<mark>nn.Module</mark>" in card_of(html, "c12")
    html = client.get("/search?q=flashattention").get_data(as_text=True)
    assert "<mark>FlashAttention</mark>" in card_of(html, "c07")


def test_snippet_says_when_the_match_is_in_code_or_a_formula(client):
    html = client.get("/search?q=kv_cache_manager").get_data(as_text=True)
    card = card_of(html, "c11")
    assert '<span class="snippet-where">in code</span>' in card
    assert "<mark>kv_cache_manager</mark> = functools.partial" in card
    html = client.get("/search?q=softplus").get_data(as_text=True)
    assert '<span class="snippet-where">in formula</span>' in card_of(html, "c12")
    assert "snippet-where" not in card_of(html, "c13")  # a prose match needs no label


def test_snippet_text_is_escaped(client):
    html = client.get("/search?q=Softplus").get_data(as_text=True)
    card = card_of(html, "c13")
    assert "x &lt; 0" in card and "x < 0" not in card


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_never_fail(client, query):
    for headers in ({}, HX):
        response = client.get("/search", query_string={"q": query}, headers=headers)
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html


def test_query_without_searchable_characters_says_so(client):
    html = client.get("/search", query_string={"q": "*:()"}).get_data(as_text=True)
    assert "There is nothing to search for in" in html
    assert "search-tips" in html


def test_empty_query_shows_tips(client):
    for url in ("/search", "/search?q=", "/search?q=%20"):
        html = client.get(url).get_data(as_text=True)
        assert "Search titles, text, code and formulas." in html
        assert 'href="/search?q=%E5%8D%B7%E7%A7%AF"' in html  # a tip links to an example


def test_no_results_gives_advice(client):
    html = client.get("/search?q=不存在的词").get_data(as_text=True)
    assert "No published article matches" in html
    assert "Try fewer words" in html


def test_markup_in_the_query_is_escaped(client):
    html = client.get("/search", query_string={"q": "<b>卷积</b>"}).get_data(as_text=True)
    assert "<b>卷积</b>" not in html
    assert "&lt;b&gt;卷积&lt;/b&gt;" in html


def test_htmx_request_gets_the_results_fragment_with_a_title(client):
    response = client.get("/search?q=卷积", headers=HX)
    html = response.get_data(as_text=True)
    assert response.headers["Vary"].startswith("HX-Request")
    assert "HX-Request" in response.vary
    assert html.lstrip().startswith("<title>卷积 · Search · ")
    assert "<html" not in html and "site-header" not in html
    assert '<section class="search-results"' in html
    assert _RESULT.findall(html) == ["c01", "c02"]


def test_full_page_for_history_restore_and_boosted_requests(client):
    for extra in ({"HX-History-Restore-Request": "true"}, {"HX-Boosted": "true"}):
        response = client.get("/search?q=卷积", headers={**HX, **extra})
        html = response.get_data(as_text=True)
        assert html.lstrip().lower().startswith("<!doctype html>")
        assert _RESULT.findall(html) == ["c01", "c02"]
        assert "HX-Request" in response.vary


def test_full_page_without_htmx_headers(client):
    response = client.get("/search?q=卷积")
    assert response.get_data(as_text=True).lstrip().lower().startswith("<!doctype html>")
    assert "HX-Request" in response.vary


def test_refining_on_the_search_page_replaces_the_history_entry(client):
    current = {"HX-Current-URL": "http://blog.test/search?q=%E5%8D%B7"}
    response = client.get("/search?q=卷积", headers={**HX, **current})
    assert response.headers["HX-Replace-Url"] == "/search?q=%E5%8D%B7%E7%A7%AF"
    # From any other page the form's hx-push-url adds an entry: Back returns to that page.
    response = client.get("/search?q=卷积", headers={**HX, "HX-Current-URL": "http://blog.test/"})
    assert "HX-Replace-Url" not in response.headers


def test_malformed_cursor_is_a_bad_request(client):
    for cursor in ("nonsense", "3-1-1", "1-999999999999999999-1", "1--1"):
        response = client.get("/search", query_string={"q": "卷积", "after": cursor})
        assert response.status_code == 400, cursor


def test_header_search_box_is_a_get_form_with_live_search(client):
    html = client.get("/").get_data(as_text=True)
    form = re.search(r'<form id="site-search".*?</form>', html, re.S).group(0)
    assert 'role="search"' in form and 'action="/search"' in form and 'method="get"' in form
    assert '<input id="site-search-input"' in form and 'type="search" name="q"' in form
    assert 'hx-get="/search"' in form and 'hx-push-url="true"' in form
    assert 'hx-target="#main"' in form
    assert re.search(r'data-htmx-src="/static/vendor/htmx[^"]*/htmx\.min\.js\?v=', form)
    assert re.search(r'<script src="/static/js/search\.js\?v=\w+" defer></script>', html)


def test_article_page_has_the_search_box_but_not_htmx(client):
    html = client.get("/posts/c01/").get_data(as_text=True)
    assert 'id="site-search"' in html
    assert "js/search.js" in html
    assert not re.search(r'<script src="[^"]*htmx\.min\.js', html)


def test_search_results_fragment_text_is_what_a_reader_sees(client):
    html = client.get("/search?q=DDP 原理", headers=HX).get_data(as_text=True)
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "1 result for “DDP 原理”" in text


def generated_queries() -> list[str]:
    """Return many queries cut from the corpus: Chinese substrings, words, pairs, phrases."""
    generator = random.Random(2024)
    texts = [f"{title} {body}" for title, _, body in [*ARTICLES.values(), DRAFT, TRASHED]]
    queries = set()
    for text_ in texts:
        for run in re.findall(r"[\u4e00-\u9fff]+", text_):
            for length in (1, 2, 3, 4):
                for start in range(0, max(len(run) - length + 1, 0), 2):
                    queries.add(run[start : start + length])
        words = re.findall(r"[\w.]+", text_)
        queries.update(words)
        for _ in range(5):
            pair = generator.sample(words, min(2, len(words)))
            queries.add(" ".join(pair))
            queries.add('"' + " ".join(pair) + '"')
    return sorted(queries)


def test_sqlite_and_the_test_database_give_the_same_results(corpus_app, tmp_path):
    """With TEST_DATABASE_URL (PostgreSQL) this compares both databases query by query."""
    sqlite_app = make_corpus_app(f"sqlite:///{tmp_path / 'same.sqlite3'}", str(tmp_path / "i"))
    queries = generated_queries() + list(EXPECTED) + ODD_QUERIES
    assert len(queries) > 300

    def answers(app) -> list[tuple[str, list[str], int | None]]:
        with app.app_context():
            out = []
            for query in queries:
                result = search(query, None, 50)
                out.append((query, [card.slug for card in result.page.articles], result.total))
            db.session.remove()
            return out

    try:
        expected = answers(sqlite_app)
        assert answers(corpus_app) == expected
        assert sum(1 for _, slugs, _ in expected if slugs) > 200  # most queries find something
    finally:
        drop(sqlite_app)
