"""The write path: Markdown in, stored article out; excerpts from real Markdown; updates."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from webapp.content.frontmatter import FrontMatterError
from webapp.extensions import db
from webapp.models import Article, Revision
from webapp.services.publishing import CREATED, UNCHANGED, UPDATED, publish, writer


def excerpt_of(app, text: str) -> str:
    with app.app_context():
        return publish(text).article.excerpt


def zh(body: str) -> str:
    return f"---\ntitle: 测试\nlang: zh-CN\n---\n{body}"


def en(body: str) -> str:
    return f"---\ntitle: Test\nlang: en\n---\n{body}"


def test_excerpt_drops_front_matter_and_markdown_syntax(app):
    text = en(
        "# Heading One\n\nSome **bold** and *italic* text.\n\n> quoted line\n\n- item one\n- item two\n"
    )
    assert (
        excerpt_of(app, text)
        == "Heading One. Some bold and italic text. quoted line item one item two"
    )


def test_excerpt_shows_a_table_as_one_placeholder(app):
    text = en("| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert excerpt_of(app, text) == "[Table]"


def test_code_blocks_become_placeholders_by_language(app):
    body = "Before\n\n```python\nprint('x')\n```\n\nAfter\n\n    indented code\n"
    assert excerpt_of(app, zh("之前\n\n```python\nprint('x')\n```\n\n之后\n")) == "之前 [代码] 之后"
    assert excerpt_of(app, en(body)) == "Before [Code] After [Code]"


@pytest.mark.parametrize(
    "formula",
    ["$$a^2+b^2=c^2$$", "\\[a^2+b^2=c^2\\]", "\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}"],
)
def test_display_formulas_become_placeholders_by_language(app, formula):
    assert excerpt_of(app, en(f"Before\n\n{formula}\n\nAfter\n")) == "Before [Formula] After"
    assert excerpt_of(app, zh(f"之前\n\n{formula}\n\n之后\n")) == "之前 [公式] 之后"


@pytest.mark.parametrize("formula", ["$x_i^2$", "\\(x_i^2\\)"])
def test_inline_math_becomes_math_placeholder(app, formula):
    assert excerpt_of(app, en(f"Let {formula} be small.")) == "Let [Math] be small."
    assert excerpt_of(app, zh(f"设 {formula} 很小。")) == "设 [Math] 很小。"


def test_images_become_their_alt_text_or_disappear(app):
    text = en("See ![loss curve](a.png) and ![](b.png) here.")
    assert excerpt_of(app, text) == "See [loss curve] and here."


def test_links_keep_their_text(app):
    assert (
        excerpt_of(app, en("Read [the paper](https://example.org/p) now.")) == "Read the paper now."
    )


def test_long_text_is_cut_at_350_code_points_with_ellipsis(app):
    text = zh("字" * 400)
    excerpt = excerpt_of(app, text)
    assert excerpt == "字" * 350 + "..."


def test_text_that_fits_has_no_ellipsis(app):
    assert excerpt_of(app, zh("字" * 350)) == "字" * 350


def test_cut_never_falls_inside_a_placeholder(app):
    text = zh("字" * 347 + "\n\n$$x$$\n\n尾")
    assert excerpt_of(app, text) == "字" * 347 + "..."


def test_dollar_prices_stay_plain_text(app):
    assert excerpt_of(app, en("It costs $5 and $10 per day.")) == "It costs $5 and $10 per day."


def test_language_detected_when_not_declared(app):
    with app.app_context():
        chinese = publish("---\ntitle: a\n---\n我们用 PyTorch 训练模型，显存不够用。\n").article
        english = publish("---\ntitle: b\n---\nWe train models with PyTorch.\n").article
        assert chinese.lang == "zh-CN" and english.lang == "en"


def test_publish_stores_source_verbatim_with_category_tags_and_dates(app):
    text = "---\ntitle: T\nslug: t\ndate: 2024-05-01 08:00\ncategories: [大数据, 流处理]\ntags: [Flink, 水位线]\n---\nBody\r\n"
    with app.app_context():
        result = publish(text)
        article = result.article
        assert result.outcome == CREATED
        assert article.source_md == text
        assert article.category.path == "大数据/流处理"
        assert [tag.name for tag in article.tags] == ["Flink", "水位线"]
        assert article.published_at.isoformat() == "2024-05-01T08:00:00"
        assert article.updated_at == article.published_at


def test_title_falls_back_to_first_heading_then_file_name(app):
    with app.app_context():
        from_heading = publish("# 我的标题\n\n正文。\n", filename="note.md").article
        assert from_heading.title == "我的标题"
        assert "我的标题" not in from_heading.html
        from_file = publish("Just text.\n", filename="my-note.md").article
        assert from_file.title == "my-note"


def test_republishing_same_source_is_unchanged_and_changed_source_updates(app):
    text = "---\ntitle: T\nslug: same\n---\nOne\n"
    with app.app_context():
        first = publish(text)
        stamp = first.article.updated_at
        again = publish(text)
        assert again.outcome == UNCHANGED and again.article.updated_at == stamp
        changed = publish(text.replace("One", "Two"))
        assert changed.outcome == UPDATED
        assert changed.article.updated_at > stamp
        assert "Two" in changed.article.html
        revisions = db.session.scalars(select(Revision).order_by(Revision.id)).all()
        assert [r.source_md.endswith("One\n") for r in revisions] == [True, False]


def test_broken_front_matter_saves_nothing(app):
    with app.app_context():
        with pytest.raises(FrontMatterError):
            publish("---\ntitle: [unclosed\n---\nbody\n")
        assert db.session.scalar(select(Article)) is None


def test_description_overrides_the_cut_excerpt(app):
    text = "---\ntitle: T\ndescription: A hand-written summary.\n---\nLong body text.\n"
    assert excerpt_of(app, text) == "A hand-written summary."


def test_more_marker_ends_the_excerpt_early(app):
    text = en("First paragraph with $x$\n\n<!-- more -->\n\nThe rest of the article.\n")
    assert excerpt_of(app, text) == "First paragraph with [Math]..."


def test_slug_stays_when_the_title_changes_on_reupload(app):
    with app.app_context():
        first = publish("---\ntitle: 第一版标题\n---\n正文\n", filename="note.md").article
        assert first.slug == "第一版标题"
        second = publish("---\ntitle: Renamed\n---\n正文\n", filename="note.md")
        assert second.outcome == UPDATED and second.article.id == first.id
        assert second.article.slug == "第一版标题" and second.article.title == "Renamed"


def test_same_title_with_two_slugs_gets_two_articles(app):
    with app.app_context():
        one = publish("---\ntitle: Notes\nslug: notes\n---\nA\n", filename="a.md").article
        two = publish("---\ntitle: Notes\nslug: notes-b\n---\nB\n", filename="b.md")
        assert two.outcome == CREATED
        assert (one.slug, two.article.slug) == ("notes", "notes-b")


@pytest.mark.parametrize("asked_first", [50, 2])
def test_a_taken_slug_gets_the_next_free_number(app, monkeypatch, asked_first):
    # The first suffixes are asked for by exact slug; past them every "notes…" slug is read.
    monkeypatch.setattr(writer, "_FIRST_SUFFIXES", asked_first)
    with app.app_context():
        # Four titles, one slug: "Notes!", "Notes?" … all make "notes".
        slugs = [
            publish(f"---\ntitle: Notes{mark}\n---\nBody\n", filename=f"{n}.md").article.slug
            for n, mark in enumerate("!?.~")
        ]
        assert slugs == ["notes", "notes-2", "notes-3", "notes-4"]
        assert writer.unique_slug("notes-") == "notes-"  # a prefix of taken slugs is free


def test_failed_publish_leaves_no_orphan_image(app, monkeypatch):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    with app.app_context():
        from pathlib import Path

        uploads = Path(app.instance_path) / "uploads"

        def explode(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr("webapp.services.publishing.writer.Revision", explode)
        with pytest.raises(RuntimeError):
            publish("---\ntitle: P\n---\n![x](x.png)\n", load_image=lambda ref: png)
        assert not list(uploads.glob("*.png"))
        assert db.session.scalar(select(Article)) is None
