"""flask export and flask import carry comments: fields, threads, idempotence, bad entries."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, select

from tests.test_transfer import empty_app  # noqa: F401  (fixture)
from webapp.content.commentmd import render_comment
from webapp.extensions import db
from webapp.models import COMMENT_APPROVED, COMMENT_PENDING, COMMENT_SPAM, Article, Comment
from webapp.services.comments import records
from webapp.services.publishing import publish

WHEN = datetime(2024, 3, 1, 8, 0)


def add(article_id, body, *, minutes, parent=None, status=COMMENT_APPROVED, **fields):
    comment = Comment(
        article_id=article_id,
        parent_id=parent,
        status=status,
        name=fields.pop("name", "Reader"),
        source_md=body,
        html=render_comment(body).html,
        created_at=WHEN.replace(minute=minutes),
        approved_at=WHEN.replace(minute=minutes) if status == COMMENT_APPROVED else None,
        **fields,
    )
    db.session.add(comment)
    db.session.flush()
    return comment.id


def seed(app):
    """Publish two articles with a thread, a pending reply, spam, and an HTML-born comment."""
    with app.app_context():
        first = publish("---\ntitle: First\n---\nBody.\n", filename="first.md").article.id
        second = publish("---\ntitle: Second\n---\nBody.\n", filename="second.md").article.id
        top = add(
            first, "Why $O(n^2)$?", minutes=1, name="Li Hua", email="li@example.com",
            website="https://li.example/", notify_replies=True,
        )  # fmt: skip
        add(first, "Because **tiling**.", minutes=2, parent=top, name="Author", by_author=True)
        add(first, "Waiting reply", minutes=3, parent=top, status=COMMENT_PENDING)
        add(first, "Buy pills", minutes=4, status=COMMENT_SPAM, name="Spammer")
        records.save(
            second,
            [
                records.CommentRecord(
                    key="w1", parent_key=None, name="Old WordPress", email=None,
                    website=None, created_at=WHEN, status=COMMENT_APPROVED,
                    text='<p>Kept <a href="https://x.example/">link</a></p>', is_html=True,
                )
            ],
        )  # fmt: skip
        db.session.commit()


def comments_of(app) -> list[tuple]:
    """Return every comment as plain values, its parent by the parent's name and time."""
    with app.app_context():
        rows = db.session.scalars(select(Comment).order_by(Comment.created_at, Comment.name))
        return [
            (
                db.session.get(Article, row.article_id).slug,
                (row.parent.name, row.parent.created_at) if row.parent else None,
                row.name,
                row.email,
                row.website,
                row.created_at,
                row.approved_at,
                row.status,
                row.by_author,
                row.notify_replies,
                row.source_md,
                row.html,
            )  # fmt: skip
            for row in rows
        ]


def test_export_writes_each_articles_comments(app, runner, tmp_path):
    seed(app)
    dest = tmp_path / "out"
    result = runner.invoke(args=["export", str(dest)])
    assert result.exit_code == 0 and "5 comments" in result.output
    manifest = json.loads((dest / "blog-export.json").read_text(encoding="utf-8"))
    by_slug = {entry["slug"]: entry["comments"] for entry in manifest["articles"]}
    first = by_slug["first"]
    assert [c["name"] for c in first] == ["Li Hua", "Author", "Reader", "Spammer"]
    top = first[0]
    assert (top["email"], top["website"], top["status"], top["parent"]) == (
        "li@example.com", "https://li.example/", "approved", None,
    )  # fmt: skip
    assert (
        top["source_md"] == "Why $O(n^2)$?" and top["created_at"] == "2024-03-01T08:01:00.000000Z"
    )
    assert first[1]["parent"] == top["id"] and first[2]["status"] == "pending"
    assert [c["name"] for c in by_slug["second"]] == ["Old WordPress"]


def test_restore_into_an_empty_blog_gives_back_every_comment(app, runner, tmp_path, empty_app):  # noqa: F811
    seed(app)
    before = comments_of(app)
    dest = tmp_path / "out.zip"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0
    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert result.exit_code == 0, result.output
    assert comments_of(restored) == before
    page = restored.test_client().get("/posts/first/").get_data(as_text=True)
    assert "Because <strong>tiling</strong>." in page and "Buy pills" not in page
    assert "Waiting reply" not in page  # still waiting for moderation


def test_importing_the_same_bundle_twice_adds_nothing(app, runner, tmp_path):
    seed(app)
    before = comments_of(app)
    dest = tmp_path / "out"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0
    for _ in range(2):
        result = runner.invoke(args=["import", str(dest)])
        assert result.exit_code == 0 and "2 unchanged" in result.output, result.output
        assert comments_of(app) == before
    # A thread deleted here comes back, with its replies under it.
    with app.app_context():
        lost = db.session.scalar(select(Comment.id).where(Comment.name == "Li Hua"))
        thread = (Comment.id == lost) | (Comment.parent_id == lost)
        db.session.execute(delete(Comment).where(thread))
        db.session.commit()
    assert len(comments_of(app)) == 2
    assert runner.invoke(args=["import", str(dest)]).exit_code == 0
    assert comments_of(app) == before


def test_a_bad_comment_entry_rejects_its_article_by_name(app, runner, tmp_path, empty_app):  # noqa: F811
    seed(app)
    dest = tmp_path / "out"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0
    manifest_path = dest / "blog-export.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    entry = next(e for e in manifest["articles"] if e["slug"] == "first")
    entry["comments"][1]["status"] = "maybe"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert result.exit_code == 1
    assert "first/index.md: comments: each needs a name and a known status" in result.output
    with restored.app_context():
        # Nothing of the bad entry is saved: no article, no comment; the other one is whole.
        assert db.session.scalar(select(Article).where(Article.slug == "first")) is None
    assert [row[2] for row in comments_of(restored)] == ["Old WordPress"]
