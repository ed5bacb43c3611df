"""A bulk import (rendered in a pool of processes, written in batches) stores exactly what
publishing the same documents one by one stores."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import tiny_png
from webapp.extensions import db
from webapp.models import Article, Asset, SearchDocument, utcnow
from webapp.services.ingest import UploadLimits, ingest_tree
from webapp.services.publishing import Publisher, RenderPool
from webapp.services.schema import stamp_head

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "realworld"
LIMITS = UploadLimits(10 * 1024 * 1024, 100 * 1024 * 1024)
# Columns that hold the moment of writing (or a counter of writes), not the document.
MOMENTARY = {"id", "created_at", "rendered_at", "version", "category_id"}


def tricky_folder(root: Path) -> Path:
    """Write documents whose outcomes depend on each other: one bulk batch holds them all."""
    posts = root / "_posts"
    (posts / "img").mkdir(parents=True)
    (posts / "img" / "shared.png").write_bytes(tiny_png(3, 3, (1, 2, 3)))
    (posts / "img" / "own.png").write_bytes(tiny_png(2, 2, (9, 9, 9)))
    documents = {
        # Two titles alike: the second gets "notes-2", in the order of the files.
        "a-notes.md": "---\ntitle: Notes\ndate: 2024-01-01\n---\nFirst notes. ![s](img/shared.png)\n",
        "b-notes.md": "---\ntitle: Notes\ndate: 2024-01-02\n---\nSecond notes. ![s](img/shared.png)\n",
        # One front matter slug twice: the second updates the article the first created.
        "c-slug.md": "---\ntitle: Slugged\nslug: same-slug\ndate: 2024-02-01\n---\nOne. ![o](img/own.png)\n",
        "d-slug.md": "---\ntitle: Slugged again\nslug: same-slug\ndate: 2024-02-02\n---\nTwo.\n",
        "e-draft.md": "---\ntitle: Draft\ndraft: true\ndate: 2024-03-01\n---\nNot yet.\n",
        "f-broken.md": "---\ntitle: [unclosed\n---\nBody\n",
        "g-math.md": "---\ntitle: 数学\ndate: 2024-03-02\ncategories: [机器学习, 深度学习]\ntags: [a, B]\n---\n"
        "设 $x_i^2$，则\n\n$$\\sum_i x_i^2$$\n\n```python\nprint(1)\n```\n",
        "h-missing.md": "---\ntitle: Missing\ndate: 2024-03-03\n---\n![gone](img/none.png)\n",
        "i-more.md": "---\ntitle: More\ndate: 2024-03-04\n---\nHead.\n\n<!-- more -->\n\nTail.\n",
        "j-empty.md": "",
    }
    for n in range(20):
        documents[f"k-{n:02d}.md"] = (
            f"---\ntitle: Filler {n}\ndate: 2024-04-{1 + n:02d}\ntags: [t{n % 3}]\n---\n"
            f"Text {n} with $a_{{{n}}}$ and a table.\n\n| x | y |\n|---|---|\n| {n} | {n + 1} |\n"
        )
    for name, text in documents.items():
        (posts / name).write_text(text, encoding="utf-8")
    return posts


def _plain(value):
    if isinstance(value, datetime) and abs(value - utcnow()) < timedelta(hours=1):
        return "now"  # a document without a date is dated when it is written
    return value


def stored(app) -> dict:
    """Return everything the database holds about the articles, keyed by slug."""
    with app.app_context():
        db.session.remove()
        snapshot = {}
        for article in db.session.scalars(select(Article).order_by(Article.slug)):
            row = {
                column.key: _plain(getattr(article, column.key))
                for column in Article.__table__.columns
                if column.key not in MOMENTARY
            }
            row["category"] = article.category.path if article.category else None
            row["tags"] = sorted((tag.name, tag.slug) for tag in article.tags)
            row["images"] = sorted((link.reference, link.asset.sha256) for link in article.images)
            row["revisions"] = [revision.source_hash for revision in article.revisions]
            search = db.session.get(SearchDocument, article.id)
            row["search"] = (search.title, search.prose, search.code, search.math)
            snapshot[article.slug] = row
        snapshot["(assets)"] = sorted(db.session.scalars(select(Asset.sha256)))
        return snapshot


def publish_twice(app, folder: Path) -> tuple:
    """Import a folder one by one, then (into a fresh database) in a pool and batches."""
    outcomes = []
    for publisher in (Publisher(), Publisher(pool=RenderPool(2), batch_size=7)):
        with app.app_context():
            db.drop_all()
            db.create_all()
            stamp_head()
            shutil.rmtree(Path(app.instance_path) / "uploads", ignore_errors=True)
            try:
                results = ingest_tree(folder, limits=LIMITS, publisher=publisher)
            finally:
                if publisher.pool:
                    publisher.pool.close()
        outcomes.append((results, stored(app)))
    return outcomes


def test_a_pool_and_batches_store_what_one_by_one_stores(app, tmp_path):
    (one_by_one, rows), (bulk, bulk_rows) = publish_twice(app, tricky_folder(tmp_path))
    assert [r.outcome for r in one_by_one].count("created") == 27
    assert bulk == one_by_one
    assert bulk_rows == rows
    assert rows["notes-2"]["title"] == "Notes" and rows["same-slug"]["title"] == "Slugged again"


def test_the_real_world_corpus_stores_the_same_both_ways(app):
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    (one_by_one, rows), (bulk, bulk_rows) = publish_twice(app, CORPUS)
    assert len(rows) > 60
    assert bulk == one_by_one
    assert bulk_rows == rows
