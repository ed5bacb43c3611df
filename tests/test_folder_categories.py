"""Folder categories: a note's folders in a vault or blog become its category path."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import UPLOAD_LIMITS, ingest, make_zip, tiny_png
from webapp.content.folders import folder_category
from webapp.extensions import db
from webapp.models import Article
from webapp.services.authoring import save_source
from webapp.services.ingest import ingest_tree

LIMITS = UPLOAD_LIMITS


def categories(app) -> dict[str, str | None]:
    """Return each article's category path by title."""
    with app.app_context():
        return {
            article.title: article.category.path if article.category else None
            for article in db.session.scalars(select(Article))
        }


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("MyVault/机器学习/深度学习/Attention.md", "MyVault", ["机器学习", "深度学习"]),
        ("MyVault/Inbox.md", "MyVault", []),
        ("blog/source/_posts/算法/Leetcode合集/301.md", "blog", ["算法", "Leetcode合集"]),
        ("source/_posts/hello-world.md", "", []),
        ("_posts/2024-01-18-hello.md", "", []),
        ("site/_drafts/Kafka/idea.md", "site", ["Kafka"]),
        ("site/content/posts/kafka/rebalance.md", "site", ["kafka"]),
        ("content/posts/my-post/index.md", "", []),
        ("content/posts/Big Data/spark/index.md", "", ["Big Data"]),
        ("content/about.md", "", []),
        ("OI-wiki/docs/ds/fenwick.md", "", ["ds"]),
        ("Notes/assets/stray.md", "Notes", []),
        ("Notes/Spark/attachments/draft.md", "Notes", ["Spark"]),
        ("a.md", "", []),
        ("x" * 201 + "/a.md", "", []),
    ],
)
def test_folder_category(path, root, expected):
    assert folder_category(path, root) == expected


def test_an_obsidian_vault_zip_files_notes_by_folder(app):
    """The vault's own folder is left out; .obsidian and attachments are not categories."""
    bundle = make_zip(
        {
            "MyVault/.obsidian/app.json": b"{}",
            "MyVault/Welcome.md": b"# Welcome\n\nStart here.\n",
            "MyVault/机器学习/深度学习/注意力机制.md": b"# Attention\n\n![[qk.png]]\n",
            "MyVault/机器学习/梯度下降.md": b"# Gradient descent\n\nSteps.\n",
            "MyVault/attachments/qk.png": tiny_png(),
            "MyVault/Kafka/Rebalance.md": b"---\ncategories: [Streaming]\n---\n# Rebalance\n",
        }
    )
    results = ingest(app, {"MyVault.zip": bundle})
    assert [r.outcome for r in results] == ["created"] * 4
    assert categories(app) == {
        "Welcome": None,
        "Attention": "机器学习/深度学习",
        "Gradient descent": "机器学习",
        "Rebalance": "Streaming",  # the front matter names one: it wins
    }


def test_a_hexo_blog_zip_files_posts_by_their_folders_under_source_posts(app):
    bundle = make_zip(
        {
            "blog/_config.yml": b"title: My blog\n",
            "blog/source/_posts/hello-world.md": b"---\ntitle: Hello World\n---\nHi.\n",
            "blog/source/_posts/云计算/Hadoop了解.md": b"---\ntitle: Hadoop\n---\nHDFS.\n",
            "blog/source/_posts/算法/A-B.md": b"---\ntitle: A+B\ncategories: Cpp\n---\nSum.\n",
        }
    )
    ingest(app, {"blog.zip": bundle})
    assert categories(app) == {"Hello World": None, "Hadoop": "云计算", "A+B": "Cpp"}


def test_a_typora_folder_import_uses_the_folders_below_the_chosen_one(app, tmp_path):
    """`flask import` of a Typora notes folder: its own name is not a category."""
    notes = tmp_path / "Typora笔记"
    (notes / "数据库" / "assets").mkdir(parents=True)
    (notes / "数据库" / "PostgreSQL执行计划.md").write_text(
        "# 执行计划\n\n![plan](assets/image-20240101.png)\n", encoding="utf-8"
    )
    (notes / "数据库" / "assets" / "image-20240101.png").write_bytes(tiny_png())
    (notes / "随笔.md").write_text("# 随笔\n\n今天。\n", encoding="utf-8")
    with app.app_context():
        results = ingest_tree(notes, limits=LIMITS)
    assert [r.outcome for r in results] == ["created", "created"]
    assert categories(app) == {"执行计划": "数据库", "随笔": None}


def test_folder_categories_can_be_turned_off(app):
    app.config["FOLDER_CATEGORIES"] = False
    ingest(app, {"vault.zip": make_zip({"vault/Kafka/Rebalance.md": b"# Rebalance\n"})})
    assert categories(app) == {"Rebalance": None}


def test_a_loose_file_has_no_folder_and_keeps_the_category_its_folder_gave(app):
    ingest(app, {"vault.zip": make_zip({"vault/Kafka/Rebalance.md": b"# Rebalance\n\nOne.\n"})})
    # The file picker drops folders: uploaded alone, the note keeps its category.
    results = ingest(app, {"Rebalance.md": b"# Rebalance\n\nTwo.\n"})
    assert results[0].outcome == "updated"
    assert categories(app) == {"Rebalance": "Kafka"}
    # A loose new file lands in no category.
    ingest(app, {"Other.md": b"# Other\n"})
    assert categories(app)["Other"] is None


def test_a_note_moved_to_another_folder_moves_category(app):
    ingest(app, {"v.zip": make_zip({"v/Inbox/Spark.md": b"# Spark\n\nOne.\n"})})
    ingest(app, {"v.zip": make_zip({"v/Big Data/Spark.md": b"# Spark\n\nTwo.\n"})})
    assert categories(app) == {"Spark": "Big Data"}


def test_the_editor_keeps_a_folder_category_until_the_front_matter_names_one(app):
    ingest(app, {"v.zip": make_zip({"v/Kafka/Rebalance.md": b"# Rebalance\n\nOne.\n"})})
    with app.app_context():
        article = db.session.scalar(select(Article))
        save_source(article, "# Rebalance\n\nEdited in the browser.\n")
    assert categories(app) == {"Rebalance": "Kafka"}
    with app.app_context():
        article = db.session.scalar(select(Article))
        save_source(article, "---\ncategories: [Streaming]\n---\n# Rebalance\n\nMoved.\n")
    assert categories(app) == {"Rebalance": "Streaming"}
    with app.app_context():
        article = db.session.scalar(select(Article))
        # Dropping the front matter's category leaves none: the author took it away.
        save_source(article, "# Rebalance\n\nNo category.\n")
    assert categories(app) == {"Rebalance": None}
