"""flask import of comments from WordPress (WXR), Waline and Twikoo exports: matching to
articles (slug, own and old addresses, title), threads, sanitizing, idempotence, reports."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import (
    COMMENT_APPROVED,
    COMMENT_PENDING,
    COMMENT_SPAM,
    Article,
    ArticleAddress,
    Comment,
)
from webapp.services.publishing import publish

EXPORTS = Path(__file__).parent / "comment_exports"
WXR, WALINE, TWIKOO = EXPORTS / "wordpress.xml", EXPORTS / "waline.json", EXPORTS / "twikoo.json"


@pytest.fixture
def blog(app):
    """Three articles as a Hexo import leaves them: slugs, and old permalinks as addresses."""
    with app.app_context():
        flash = publish(
            "---\ntitle: Understanding FlashAttention\nslug: flash-attention\n---\nA.\n"
        )
        hello = publish("---\ntitle: 你好，世界\nslug: ni-hao\n---\n第一篇。\n")
        publish("---\ntitle: Hello World\nslug: hello-world\n---\nHi.\n")
        for article, path in (
            (flash.article, "/2023/06/12/FlashAttention-notes"),
            (hello.article, "/2022/01/05/你好，世界"),
        ):
            db.session.add(ArticleAddress(article_id=article.id, path=path, origin="hexo"))
        db.session.commit()
    return app


def thread_of(app, slug: str) -> list[tuple]:
    """Return an article's comments: (name, parent's name, status, by author, time, html)."""
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        rows = db.session.scalars(
            select(Comment).where(Comment.article_id == article.id).order_by(Comment.created_at)
        )
        return [
            (
                c.name,
                c.parent.name if c.parent else None,
                c.status,
                c.by_author,
                c.created_at,
                c.html,
            )
            for c in rows
        ]


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def assert_harmless(html: str) -> None:
    """Nothing that runs, loads or covers the page is left of hostile HTML."""
    lowered = html.lower()
    for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "style=", "<img"):
        assert bad not in lowered, (bad, html)


def test_wordpress_comments_go_under_their_posts_with_threads(blog, runner):
    result = runner.invoke(args=["import", str(WXR)])
    assert result.exit_code == 0, result.output
    assert "WordPress comments" in result.output
    assert "matched    https://old.example.com/2023/06/12/flash-attention/ -> flash-attention" in (
        result.output
    )
    assert "Imported comments: 7 added, 0 already here, 0 left out." in result.output
    rows = thread_of(blog, "flash-attention")
    assert [row[:4] for row in rows] == [
        ("Li Hua", None, COMMENT_APPROVED, False),
        ("Wang Wei", "Li Hua", COMMENT_APPROVED, True),  # the blog's own user
        ("Li Hua", "Li Hua", COMMENT_APPROVED, False),  # a reply to a reply joins the thread
        ("Zhang San", None, COMMENT_PENDING, False),
        ("Cheap Pills", None, COMMENT_SPAM, False),
    ]  # the pingback and the trashed comment are left out
    first, answer, hostile = rows[0], rows[1], rows[2]
    assert first[4] == datetime(2023, 6, 13, 2, 15)  # comment_date_gmt
    assert first[5] == (
        "<p>Why does the IO cost drop to O(N² d² / M)?</p>"
        "<p>Is it because each block is read <strong>once</strong>?</p>"
    )
    assert 'rel="nofollow ugc noopener"' in answer[5]
    assert_harmless(hostile[5])
    assert "Thanks!" in hostile[5] and "covered" in hostile[5]
    # The Chinese post is found by its old address (its WordPress slug is percent-encoded).
    chinese = thread_of(blog, "ni-hao")
    assert [(row[0], row[1]) for row in chinese] == [("小明", None), ("Wang Wei", "小明")]
    assert chinese[0][5] == "<p>恭喜开博！<br>期待更多文章。</p>"
    # No GMT time: the local one, in the site's time zone (UTC here).
    assert chinese[1][4] == datetime(2022, 1, 6, 21, 0)


def test_importing_the_same_export_twice_adds_nothing(blog, runner):
    assert runner.invoke(args=["import", str(WXR)]).exit_code == 0
    before = count(blog)
    again = runner.invoke(args=["import", str(WXR)])
    assert again.exit_code == 0
    assert "Imported comments: 0 added, 7 already here, 0 left out." in again.output
    assert count(blog) == before == 7


def test_waline_comments_are_markdown_matched_by_old_permalink(blog, runner, tmp_path):
    result = runner.invoke(args=["import", str(WALINE)])
    # The /links/ page has no article here: reported with the file and the page, not saved.
    assert result.exit_code == 1
    assert f"unmatched  {WALINE}: 1 comment on /links/: no article has this address" in (
        result.output
    )
    assert "matched    /2023/06/12/FlashAttention-notes/ -> flash-attention" in result.output
    rows = thread_of(blog, "flash-attention")
    assert [row[:3] for row in rows] == [
        ("Li Hua", None, COMMENT_APPROVED),
        ("Wang Wei", "Li Hua", COMMENT_APPROVED),
        ("Zhang San", "Li Hua", COMMENT_PENDING),  # "waiting"
        ("seo-bot", None, COMMENT_SPAM),
    ]
    markdown = rows[0][5]
    assert (
        'class="katex"' in markdown and '<span class="n">m</span>' in markdown
    )  # math and code rendered
    assert "<strong>online</strong>" in rows[1][5]
    assert "&lt;script&gt;" in rows[2][5] and "<script" not in rows[2][5]
    with blog.app_context():
        li = db.session.scalar(select(Comment).where(Comment.name == "Li Hua"))
        assert (li.email, li.website) == ("lihua@example.com", "https://lihua.example.org")
    # The comment of the unmatched page is found once its old address is known.
    with blog.app_context():
        about = publish("---\ntitle: Links\nslug: friends\n---\nLinks.\n").article
        db.session.add(ArticleAddress(article_id=about.id, path="/links", origin="hexo"))
        db.session.commit()
    again = runner.invoke(args=["import", str(WALINE)])
    assert again.exit_code == 0, again.output
    assert "Imported comments: 1 added, 4 already here, 0 left out." in again.output
    assert [row[0] for row in thread_of(blog, "friends")] == ["小红"]


def test_twikoo_html_is_allow_listed_and_shows_on_the_article(blog, runner, client):
    before = client.get("/posts/hello-world/").get_data(as_text=True)
    assert "恭喜开博" not in before
    result = runner.invoke(args=["import", str(TWIKOO)])
    assert result.exit_code == 1  # /about/ has no article
    assert f"unmatched  {TWIKOO}: 1 comment on /about/" in result.output
    rows = thread_of(blog, "hello-world")
    assert [row[:4] for row in rows] == [
        ("小明", None, COMMENT_APPROVED, False),
        ("Wang Wei", "小明", COMMENT_APPROVED, True),  # Twikoo's "master"
        ("<b>Mallory</b>", "小明", COMMENT_APPROVED, False),
        ("casino", None, COMMENT_SPAM, False),
    ]
    assert rows[0][5] == '<p>恭喜开博！<code>print("hello")</code></p>\n'
    assert_harmless(rows[1][5])  # comments take no images
    assert_harmless(rows[2][5])
    with blog.app_context():
        mallory = db.session.scalar(select(Comment).where(Comment.name == "<b>Mallory</b>"))
        assert mallory.website is None  # a javascript: website is dropped
        assert mallory.created_at == datetime(2022, 1, 6, 14, 0)  # from milliseconds
    # The cached article page shows the approved comments on the next request.
    page = client.get("/posts/hello-world/").get_data(as_text=True)
    assert "恭喜开博" in page and "&lt;b&gt;Mallory&lt;/b&gt;" in page and "win big" not in page
    assert_harmless(page.split('id="comments"', 1)[1].split("</section>", 1)[0])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.json", b'{"data": {"Comment": [', "not JSON or WordPress XML"),
        ("other.json", b'{"posts": []}', "not a Waline export (data.Comment)"),
        ("broken.xml", b"<rss><channel><item>", "not readable XML"),
        ("feed.xml", b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "not a WordPress export"),
    ],
)
def test_an_unreadable_file_is_named_and_stores_nothing(
    blog, runner, tmp_path, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path}: {message}" in result.output
    assert count(blog) == 0


def test_a_bad_comment_late_in_the_file_stores_none_of_it(blog, runner, tmp_path):
    data = json.loads(WALINE.read_text(encoding="utf-8"))
    data["data"]["Comment"][-1]["insertedAt"] = "yesterday"
    data["data"]["Comment"][-1]["createdAt"] = None
    path = tmp_path / "waline.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert f"{path}: cannot read 'yesterday' as a time" in result.output
    assert count(blog) == 0


def test_an_unrenderable_comment_is_reported_and_the_rest_saved(blog, runner, tmp_path):
    data = json.loads(WALINE.read_text(encoding="utf-8"))
    data["data"]["Comment"][0]["comment"] = "x" * 10_001
    path = tmp_path / "waline.json"
    shutil.copy(WALINE, path)
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert "skipped    " in result.output
    assert "comment by Li Hua of 2023-06-13 02:15:00: the comment is longer than 10000" in (
        result.output
    )
    # Its reply stands alone; the others are saved.
    rows = thread_of(blog, "flash-attention")
    assert [(row[0], row[1]) for row in rows] == [
        ("Wang Wei", None),
        ("Zhang San", "Wang Wei"),
        ("seo-bot", None),
    ]


def test_a_reply_dated_before_its_parent_stays_under_it(blog, runner, tmp_path):
    data = json.loads(TWIKOO.read_text(encoding="utf-8"))
    data[1]["created"] = data[0]["created"] - 60_000  # a clock that was wrong
    path = tmp_path / "twikoo.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    runner.invoke(args=["import", str(path)])
    rows = thread_of(blog, "hello-world")
    assert ("Wang Wei", "小明") in [(row[0], row[1]) for row in rows]
