"""The search index follows every change to articles, rebuilds with `flask reindex`, pages."""

from __future__ import annotations

import random
import re
from datetime import timedelta

from sqlalchemy import select, text

from tests.conftest import BASE_TIME
from tests.search_corpus import markdown
from webapp.extensions import db
from webapp.models import DRAFT, PUBLISHED, Article, SearchDocument
from webapp.services import authoring
from webapp.services.publishing import publish
from webapp.services.search import search
from webapp.services.search.indexer import (
    CHUNK_TOKENS,
    MAX_POSITIONS,
    OVERLAP,
    rebuild_chunks,
    tsvector_chunks,
)
from webapp.services.search.schema import CHUNK_TABLE, FTS_TABLE

HX = {"HX-Request": "true"}
_RESULT = re.compile(r'<h3 class="card-title"[^>]*><a href="/posts/([^/]+)/">')
_NEXT = re.compile(r'class="load-more-link" href="([^"]+)" hx-get="([^"]+)"')


def found(client, query: str) -> list[str]:
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    return _RESULT.findall(response.get_data(as_text=True))


def post(app, slug: str, body: str, title: str | None = None, **options) -> int:
    with app.app_context():
        return publish(markdown(slug, title or slug, "2024-01-01", body, **options)).article.id


def indexed_ids(app) -> tuple[list[int], list[int]]:
    """Return the article ids in search_documents and in the database's own index."""
    with app.app_context():
        documents = db.session.scalars(
            select(SearchDocument.article_id).order_by(SearchDocument.article_id)
        ).all()
        if db.engine.dialect.name == "sqlite":
            statement = f"SELECT rowid FROM {FTS_TABLE} ORDER BY rowid"
        else:
            statement = f"SELECT DISTINCT article_id FROM {CHUNK_TABLE} ORDER BY article_id"
        return list(documents), list(db.session.scalars(text(statement)))


def test_publishing_a_changed_source_replaces_the_old_terms(app, client):
    post(app, "note", "卷积运算的笔记。", title="笔记")
    assert found(client, "卷积") == ["note"]
    post(app, "note", "滤波运算的笔记。", title="笔记")
    assert found(client, "卷积") == []
    assert found(client, "滤波") == ["note"]


def test_changing_the_title_reindexes(app, client):
    post(app, "note", "正文。", title="旧标题")
    post(app, "note", "正文。", title="新标题")
    assert found(client, "旧标题") == []
    assert found(client, "新标题") == ["note"]


def test_admin_edit_reindexes(app, client):
    article_id = post(app, "note", "卷积。")
    with app.app_context():
        article = db.session.get(Article, article_id)
        authoring.save_source(article, markdown("note", "note", "2024-01-01", "池化。"))
    assert found(client, "卷积") == []
    assert found(client, "池化") == ["note"]


def test_unpublish_trash_restore_and_publish_again(app, client):
    article_id = post(app, "note", "卷积。")
    with app.app_context():
        authoring.set_status(db.session.get(Article, article_id), DRAFT)
    assert found(client, "卷积") == []
    with app.app_context():
        authoring.set_status(db.session.get(Article, article_id), PUBLISHED)
    assert found(client, "卷积") == ["note"]
    with app.app_context():
        authoring.move_to_trash(db.session.get(Article, article_id))
    assert found(client, "卷积") == []
    with app.app_context():
        authoring.restore_from_trash(db.session.get(Article, article_id))
    assert found(client, "卷积") == ["note"]


def test_a_draft_is_indexed_but_never_found_until_published(app, client):
    post(app, "note", "卷积。", draft=True)
    assert found(client, "卷积") == []
    post(app, "note", "卷积。")
    assert found(client, "卷积") == ["note"]


def test_emptying_the_trash_removes_the_index_rows(app, client):
    keep = post(app, "keep", "卷积。")
    gone = post(app, "gone", "卷积 again。")
    assert indexed_ids(app) == ([keep, gone], [keep, gone])
    with app.app_context():
        authoring.move_to_trash(db.session.get(Article, gone))
        assert authoring.empty_trash() == 1
    assert indexed_ids(app) == ([keep], [keep])
    assert found(client, "卷积") == ["keep"]


def test_rolled_back_publish_leaves_no_index_rows(app, client):
    post(app, "note", "卷积。")
    with app.app_context():
        article = db.session.scalar(select(Article))
        article.title = "临时标题"
        article.html = "<p>临时内容</p>"
        db.session.flush()
        db.session.rollback()
    assert found(client, "临时内容") == []
    assert found(client, "卷积") == ["note"]


def test_rows_added_through_the_orm_are_indexed(client, add_article):
    add_article("ORM 卷积", slug="orm", html="<p>直接写入</p>")
    assert found(client, "直接写入") == ["orm"]


def test_reindex_rebuilds_an_emptied_index(app, client, runner):
    post(app, "first", "卷积。")
    post(app, "second", "卷积 and `use_rmpad`。")
    with app.app_context():
        table = FTS_TABLE if db.engine.dialect.name == "sqlite" else CHUNK_TABLE
        db.session.execute(text(f"DELETE FROM {table}"))
        db.session.execute(text("DELETE FROM search_documents"))
        db.session.commit()
    assert found(client, "卷积") == []
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 2 articles (2 published and searchable)" in result.output
    assert sorted(found(client, "卷积")) == ["first", "second"]
    assert found(client, "use_rmpad") == ["second"]


def test_reindex_recreates_a_dropped_index_table_and_removes_stale_rows(app, client, runner):
    post(app, "first", "卷积。")
    with app.app_context():
        table = FTS_TABLE if db.engine.dialect.name == "sqlite" else CHUNK_TABLE
        db.session.execute(text(f"DROP TABLE {table}"))
        db.session.commit()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert found(client, "卷积") == ["first"]


def test_rerender_keeps_the_index(app, client, runner):
    post(app, "first", "卷积。")
    assert runner.invoke(args=["rerender"]).exit_code == 0
    assert found(client, "卷积") == ["first"]


def test_a_long_article_matches_everywhere_on_both_databases(app, client):
    # Far more than 256 of one character and 16,383 tokens: PostgreSQL's tsvector limits.
    filler = " ".join(f"w{n % 50}" for n in range(20_000))
    body = "的" * 700 + "梯度检查点。\n\n" + filler + "\n\n最后的终点标记"
    post(app, "long", body)
    assert found(client, "梯度检查点") == ["long"]
    assert found(client, "的的的的的") == ["long"]
    assert found(client, "终点标记") == ["long"]
    assert found(client, "w49 w0 w1") == ["long"]
    assert found(client, '"w49 w0 w1"') == ["long"]
    assert found(client, '"w1 w0"') == []


def test_two_character_queries_find_neighbours_only_on_both_databases(app, client):
    # PostgreSQL answers them from bigram lexemes: the same articles as the phrase must.
    filler = " ".join(f"w{n % 50}" for n in range(CHUNK_TOKENS - 1))
    post(app, "apart", "梯子的角度。")
    post(app, "boundary", filler + " 梯度")  # the pair straddles the first chunk's end
    post(app, "together", "梯度下降。")
    expected = {"梯度": ["boundary", "together"], "度下降": ["together"], "子的角": ["apart"]}
    expected |= {"梯角": [], "度梯": [], "梯": ["apart", "boundary", "together"]}
    for query, slugs in expected.items():
        assert sorted(found(client, query)) == slugs, query
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # The migration that added bigrams rewrites chunks from search_documents.
            db.session.execute(text(f"DELETE FROM {CHUNK_TABLE}"))
            assert rebuild_chunks(db.session.connection()) == 3
            db.session.commit()
    for query, slugs in expected.items():
        assert sorted(found(client, query)) == slugs, query


def test_tsvector_chunks_hold_every_phrase_whole():
    generator = random.Random(7)
    for _ in range(200):
        vocabulary = [f"t{n}" for n in range(generator.randint(1, 6))]
        words = [generator.choice(vocabulary) for _ in range(generator.randint(0, 3000))]
        chunks = [parse_tsvector(literal) for literal in tsvector_chunks(words)]
        for chunk in chunks:
            assert len(chunk) <= CHUNK_TOKENS
            assert max(chunk.count(word) for word in set(chunk)) <= MAX_POSITIONS
        joined = [" " + " ".join(chunk) + " " for chunk in chunks]
        for _ in range(20):
            if not words:
                break
            start = generator.randrange(len(words))
            phrase = words[start : start + generator.randint(1, OVERLAP + 1)]
            needle = " " + " ".join(phrase) + " "
            assert any(needle in chunk for chunk in joined), phrase


def parse_tsvector(literal: str) -> list[str]:
    """Return the token sequence a tsvector literal written by tsvector_chunks stands for."""
    at: dict[int, str] = {}
    for lexeme, positions in re.findall(r"'([^']*)':([\d,]+)", literal):
        for position in positions.split(","):
            at[int(position)] = lexeme
    assert sorted(at) == list(range(1, len(at) + 1))
    return [at[n] for n in sorted(at)]


def test_load_more_pages_through_results_without_repeats(app, client, add_article):
    # 15 title matches (tier 0) and 16 body matches (tier 1), some sharing a timestamp.
    expected = []
    for n in range(31):
        in_title = n % 2 == 0
        when = BASE_TIME + timedelta(hours=n // 3)
        slug = f"a{n:02d}"
        add_article(
            f"卷积 {n}" if in_title else f"Note {n}",
            slug=slug,
            html=f"<p>关于卷积的第 {n} 篇</p>" if not in_title else f"<p>第 {n} 篇</p>",
            updated_at=when,
        )
        expected.append(((0 if in_title else 1), -when.timestamp(), -n, slug))
    order = [slug for *_, slug in sorted(expected)]

    first = client.get("/search?q=卷积").get_data(as_text=True)
    assert "31 results for" in first
    seen = _RESULT.findall(first)
    assert len(seen) == 12
    match = _NEXT.search(first)
    pages = 1
    while match:
        assert match.group(1) == match.group(2)
        url = match.group(1).replace("&amp;", "&")
        assert "q=%E5%8D%B7%E7%A7%AF" in url
        fragment = client.get(url, headers=HX)
        assert "HX-Request" in fragment.vary
        html = fragment.get_data(as_text=True)
        assert "<section" not in html  # only cards and the next link, appended in place
        seen += _RESULT.findall(html)
        match = _NEXT.search(html)
        pages += 1
    assert pages == 3
    assert seen == order

    # Without JavaScript the same link opens a full page of the next results.
    url = _NEXT.search(first).group(1).replace("&amp;", "&")
    page_two = client.get(url).get_data(as_text=True)
    assert page_two.lstrip().lower().startswith("<!doctype html>")
    assert _RESULT.findall(page_two) == order[12:24]
    assert "More results for" in page_two


def test_search_service_counts_on_the_first_page_only(app, add_article):
    for n in range(3):
        add_article(f"卷积 {n}", slug=f"s{n}")
    with app.app_context():
        first = search("卷积", None, 2)
        assert first.total == 3 and len(first.page.articles) == 2
        second = search("卷积", first.page.next_cursor, 2)
        assert second.total is None and [card.slug for card in second.page.articles] == ["s0"]
        assert second.page.next_cursor is None


def test_search_puts_planner_settings_back(app, add_article):
    add_article("卷积", slug="one")
    with app.app_context():
        assert [card.slug for card in search("卷积", None, 12).page.articles] == ["one"]
        if db.engine.dialect.name == "postgresql":
            assert db.session.scalar(text("SHOW enable_seqscan")) == "on"
