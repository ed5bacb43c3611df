"""flask commands: init-db, load-demo, rerender."""

from __future__ import annotations

from sqlalchemy import func, inspect, select, text

from webapp.extensions import db
from webapp.models import Article, Category, Tag
from webapp.services.publishing import publish


def count_articles(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Article.id)))


def test_init_db_creates_tables(app, runner):
    with app.app_context():
        db.drop_all()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "Database ready" in result.output
    assert count_articles(app) == 0


def test_init_db_brings_an_older_database_up_to_the_models(app, runner):
    with app.app_context():
        publish("---\ntitle: Older\n---\nBody with $x^2$.\n")
        db.session.commit()
        with db.engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_articles_published"))
            connection.execute(text("ALTER TABLE articles DROP COLUMN feed_html"))
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Added column articles.feed_html." in result.output
    assert "Added index ix_articles_published." in result.output
    with app.app_context():
        inspector = inspect(db.engine)
        assert "feed_html" in {column["name"] for column in inspector.get_columns("articles")}
        assert "ix_articles_published" in {i["name"] for i in inspector.get_indexes("articles")}
        assert count_articles(app) == 1  # the article survived
    # The next run has nothing left to add.
    again = runner.invoke(args=["init-db"])
    assert again.exit_code == 0 and "Added" not in again.output
    # Rendering fills the new column for the rows that predate it.
    assert "1 changed" in runner.invoke(args=["rerender"]).output


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


def test_rerender_reports_how_many_changed(app, runner):
    with app.app_context():
        publish("---\ntitle: A\n---\nAlpha $x$.\n")
        publish("---\ntitle: B\n---\nBeta.\n")
        stale = db.session.scalar(select(Article).where(Article.title == "A"))
        stale.html = "<p>old pipeline output</p>"
        db.session.commit()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0
    assert "Re-rendered 2 articles; 1 changed." in result.output
    with app.app_context():
        fixed = db.session.scalar(select(Article).where(Article.title == "A"))
        assert "math-inline" in fixed.html
