"""flask commands: load-demo, rerender (init-db: test_migrations.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Article, Category, Tag
from webapp.services.publishing import RENDER_VERSION, publish


def count_articles(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Article.id)))


def test_load_demo_fills_three_pages_of_cards_with_images(app, runner, client):
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    total = count_articles(app)
    assert 25 <= total <= 40
    assert "created" in result.output
    with app.app_context():
        articles = db.session.scalars(select(Article)).all()
        langs = {article.lang for article in articles}
        assert langs == {"zh-CN", "en"}
        assert sum(article.has_math for article in articles) >= 15
        assert sum(article.has_code for article in articles) >= 15
        assert any(article.images for article in articles)
        assert "math-error" not in "".join(article.html for article in articles)
        assert db.session.scalar(select(func.count(Category.id))) >= 4
        assert db.session.scalar(select(func.count(Tag.id))) >= 10
        assert db.session.scalar(
            select(func.count(Category.id)).where(Category.parent_id.is_not(None))
        )
    # Enough for three load-more pages of twelve.
    assert total > 24
    image_html = next(a.html for a in articles if a.images)
    assert "/media/" in image_html


def test_load_demo_if_empty_leaves_a_filled_database_alone(app, runner):
    with app.app_context():
        publish("---\ntitle: Mine\n---\nMy own article.\n")
    result = runner.invoke(args=["load-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert count_articles(app) == 1


def test_load_demo_twice_reports_unchanged(app, runner):
    runner.invoke(args=["load-demo"])
    total = count_articles(app)
    result = runner.invoke(args=["load-demo"])
    assert f"{total} unchanged" in result.output
    assert count_articles(app) == total


def test_rerender_all_reports_how_many_changed(app, runner):
    with app.app_context():
        publish("---\ntitle: A\n---\nAlpha $x$.\n")
        publish("---\ntitle: B\n---\nBeta.\n")
        stale = db.session.scalar(select(Article).where(Article.title == "A"))
        stale.html = "<p>old pipeline output</p>"
        db.session.commit()
    result = runner.invoke(args=["rerender", "--all"])
    assert result.exit_code == 0
    assert "Re-rendered 2 articles; 1 changed; 0 skipped as current." in result.output
    with app.app_context():
        fixed = db.session.scalar(select(Article).where(Article.title == "A"))
        assert "math-inline" in fixed.html


def test_rerender_skips_articles_the_current_pipeline_rendered(app, runner):
    with app.app_context():
        for title in ("Old", "Current", "Older"):
            publish(f"---\ntitle: {title}\n---\n{title} body with $x$.\n")
        articles = {a.title: a for a in db.session.scalars(select(Article))}
        for article in articles.values():
            article.html = "<p>old pipeline output</p>"
        articles["Old"].render_version = RENDER_VERSION - 1
        articles["Older"].render_version = 0
        db.session.commit()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0, result.output
    assert "Re-rendered 2 articles; 2 changed; 1 skipped as current." in result.output
    with app.app_context():
        rows = {a.title: a for a in db.session.scalars(select(Article))}
        assert {title: a.render_version for title, a in rows.items()} == dict.fromkeys(
            ("Old", "Current", "Older"), RENDER_VERSION
        )
        assert "math-inline" in rows["Old"].html and "math-inline" in rows["Older"].html
        # Marked current, so left alone: only --all renders it again.
        assert rows["Current"].html == "<p>old pipeline output</p>"
    again = runner.invoke(args=["rerender"])
    assert "Re-rendered 0 articles; 0 changed; 3 skipped as current." in again.output
    forced = runner.invoke(args=["rerender", "--all"])
    assert "Re-rendered 3 articles; 1 changed; 0 skipped as current." in forced.output
    with app.app_context():
        current = db.session.scalar(select(Article).where(Article.title == "Current"))
        assert "math-inline" in current.html
