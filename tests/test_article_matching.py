"""Updates, not duplicates: a document updates the article it matches by slug, file name or
title, one by one, in an upload's batch and in a bulk job alike."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import UPLOAD_LIMITS, ingest, make_zip
from webapp.extensions import db
from webapp.models import Article, Revision, utcnow
from webapp.services.ingest import ingest_tree
from webapp.services.publishing import CREATED, UNCHANGED, UPDATED, Publisher, publish

LIMITS = UPLOAD_LIMITS


def articles(app) -> list[tuple[str, str, str | None]]:
    """Return every article as (slug, title, source file name), oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(Article.slug, Article.title, Article.source_filename).order_by(Article.id)
        )
        return [tuple(row) for row in rows]


def revisions(app, slug: str) -> int:
    with app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.slug == slug))
        return db.session.scalar(
            select(func.count(Revision.id)).where(Revision.article_id == article_id)
        )


# --- one document at a time --------------------------------------------------------------


def test_a_front_matter_slug_finds_its_article_under_any_file_name(app):
    ingest(app, {"draft-v1.md": b"---\ntitle: Kafka\nslug: kafka-rebalance\n---\nOne.\n"})
    results = ingest(
        app,
        {
            "kafka-final.md": b"---\ntitle: Kafka rebalance storms\nslug: kafka-rebalance\n---\nTwo.\n"
        },
    )
    assert [(r.outcome, r.slug) for r in results] == [(UPDATED, "kafka-rebalance")]
    assert articles(app) == [("kafka-rebalance", "Kafka rebalance storms", "kafka-final.md")]


def test_the_file_name_finds_its_article_when_the_title_changes(app):
    ingest(app, {"fenwick.md": b"# Fenwick trees\n\nFirst.\n"})
    results = ingest(app, {"fenwick.md": b"# Binary indexed trees\n\nSecond.\n"})
    assert [(r.outcome, r.slug) for r in results] == [(UPDATED, "fenwick-trees")]
    assert articles(app) == [("fenwick-trees", "Binary indexed trees", "fenwick.md")]


def test_a_title_only_document_updates_the_article_of_that_title(app):
    """No front matter, a `# ` heading: pasted twice, it is one article with two revisions."""
    ingest(app, {}, pasted="# 树状数组\n\n第一版。\n")
    results = ingest(app, {}, pasted="# 树状数组\n\n第二版，补充了区间修改。\n")
    assert [(r.outcome, r.slug) for r in results] == [(UPDATED, "树状数组")]
    assert [slug for slug, _, _ in articles(app)] == ["树状数组"]
    assert revisions(app, "树状数组") == 2


def test_a_renamed_file_updates_its_article_keeps_the_slug_and_is_found_by_its_new_name(app):
    ingest(app, {"Untitled 3.md": b"# Consistent hashing\n\nRing.\n"})
    renamed = ingest(app, {"consistent-hashing.md": b"# Consistent hashing\n\nRing, vnodes.\n"})
    assert [(r.outcome, r.slug) for r in renamed] == [(UPDATED, "consistent-hashing")]
    assert any("found by its title" in w and "Untitled 3.md" in w for w in renamed[0].warnings)
    assert articles(app) == [("consistent-hashing", "Consistent hashing", "consistent-hashing.md")]
    # Retitled under its new name: found by that name now, no copy.
    again = ingest(app, {"consistent-hashing.md": b"# Hash rings\n\nRing, vnodes, jump.\n"})
    assert [(r.outcome, r.slug) for r in again] == [(UPDATED, "consistent-hashing")]
    assert articles(app) == [("consistent-hashing", "Hash rings", "consistent-hashing.md")]


def test_an_unchanged_renamed_file_is_unchanged_and_remembers_its_new_name(app):
    text = b"# Bloom filters\n\nBits.\n"
    ingest(app, {"old.md": text})
    results = ingest(app, {"new.md": text})
    assert [r.outcome for r in results] == [UNCHANGED]
    assert articles(app) == [("bloom-filters", "Bloom filters", "new.md")]


def test_a_title_from_the_file_name_or_untitled_text_matches_nothing(app):
    ingest(app, {"notes.md": b"Body one.\n"}, pasted="Pasted without a heading.\n")
    ingest(app, {"notes.txt": b"Body two.\n"}, pasted="Another without a heading.\n")
    assert sorted(slug for slug, _, _ in articles(app)) == [
        "notes",
        "notes-2",
        "untitled",
        "untitled-2",
    ]


def test_a_slug_no_article_has_makes_a_new_article_even_with_a_known_title(app):
    ingest(app, {"a.md": b"---\ntitle: Notes\n---\nA\n"})
    results = ingest(app, {"b.md": b"---\ntitle: Notes\nslug: other-notes\n---\nB\n"})
    assert [(r.outcome, r.slug) for r in results] == [(CREATED, "other-notes")]


def test_the_title_must_match_exactly(app):
    ingest(app, {}, pasted="# Shuffle skew\n\nOne.\n")
    results = ingest(app, {}, pasted="# Shuffle Skew\n\nTwo.\n")
    assert results[0].outcome == CREATED
    results = ingest(app, {}, pasted="#   Shuffle skew   \n\nThree.\n")
    assert results[0].outcome == UPDATED


def test_several_articles_with_the_title_make_a_new_one_and_say_why(app):
    with app.app_context():
        publish("---\ntitle: Notes\nslug: notes-a\n---\nA\n", filename="a.md")
        publish("---\ntitle: Notes\nslug: notes-b\n---\nB\n", filename="b.md")
    results = ingest(app, {"c.md": b"# Notes\n\nC\n"})
    assert results[0].outcome == CREATED
    assert any("2 articles are titled “Notes”" in w for w in results[0].warnings)
    assert len(articles(app)) == 3


def test_an_article_in_the_trash_is_updated_and_restored_by_its_title(app):
    ingest(app, {"old.md": b"# Segment trees\n\nLazy.\n"})
    with app.app_context():
        db.session.execute(Article.__table__.update().values(deleted_at=utcnow()))
        db.session.commit()
    results = ingest(app, {"new.md": b"# Segment trees\n\nLazy propagation.\n"})
    assert [(r.outcome, r.slug) for r in results] == [(UPDATED, "segment-trees")]
    with app.app_context():
        assert db.session.scalar(select(Article.deleted_at)) is None


def test_a_live_article_wins_over_a_trashed_copy_of_the_same_title(app):
    """The -2 copy an author trashed does not make the title ambiguous."""
    with app.app_context():
        publish("# Spark skew\n\nOne.\n", filename="a.md")
        copy = publish("---\ntitle: Spark skew\nslug: spark-skew-2\n---\nCopy.\n", filename="b.md")
        copy.article.deleted_at = utcnow()
        db.session.commit()
    results = ingest(app, {"c.md": b"# Spark skew\n\nTwo.\n"})
    assert [(r.outcome, r.slug) for r in results] == [(UPDATED, "spark-skew")]


def test_a_front_matter_slug_that_differs_from_the_address_is_reported(app):
    ingest(app, {"note.md": b"# Knapsack\n\nDP.\n"})
    results = ingest(app, {"note.md": b"---\ntitle: Knapsack\nslug: knapsack-dp\n---\nDP.\n"})
    assert results[0].outcome == UPDATED and results[0].slug == "knapsack"
    assert any("knapsack-dp" in w and "stays" in w for w in results[0].warnings)


# --- several documents in one upload ------------------------------------------------------


def test_two_documents_of_one_title_in_one_upload_update_one_article_and_make_one(app):
    ingest(app, {"intro.md": b"# Introduction\n\nOld.\n"})
    bundle = make_zip(
        {
            "vault/Kafka/Introduction.md": b"# Introduction\n\nKafka.\n",
            "vault/Spark/Introduction.md": b"# Introduction\n\nSpark.\n",
        }
    )
    results = ingest(app, {"vault.zip": bundle})
    assert [r.outcome for r in results] == [UPDATED, CREATED]
    assert sorted(slug for slug, _, _ in articles(app)) == ["introduction", "introduction-2"]


def test_two_new_documents_of_one_title_in_one_upload_are_two_articles(app):
    bundle = make_zip({"a/README2.md": b"# Setup\n\nA.\n", "b/setup.md": b"# Setup\n\nB.\n"})
    results = ingest(app, {"notes.zip": bundle})
    assert [r.outcome for r in results] == [CREATED, CREATED]


@pytest.mark.parametrize("batch_size", [1, 3, 50])
def test_the_bulk_path_matches_as_one_by_one(app, batch_size):
    """Documents written in batches find the same articles as documents written alone."""
    with app.app_context():
        publish("---\ntitle: By slug\nslug: by-slug\n---\nOld.\n", filename="s.md")
        publish("# By name\n\nOld.\n", filename="by-name.md")
        publish("# By title\n\nOld.\n", filename="old-title.md")
    bundle = make_zip(
        {
            "posts/a.md": b"---\ntitle: By slug, renamed\nslug: by-slug\n---\nNew.\n",
            "posts/by-name.md": b"# By name, retitled\n\nNew.\n",
            "posts/c.md": b"# By title\n\nNew.\n",
            "posts/d.md": b"# By title\n\nA second note of that title.\n",
            "posts/e.md": b"# Brand new\n\nNew.\n",
        }
    )
    results = ingest(app, {"b.zip": bundle}, publisher=Publisher(batch_size=batch_size))
    assert [(r.outcome, r.slug) for r in results] == [
        (UPDATED, "by-slug"),
        (UPDATED, "by-name"),
        (UPDATED, "by-title"),
        (CREATED, "by-title-2"),
        (CREATED, "brand-new"),
    ]
    assert ("by-title", "By title", "c.md") in articles(app)


def test_a_folder_import_updates_renamed_notes(app, tmp_path):
    """An Obsidian vault imported again after a note was renamed: one article, updated."""
    vault = tmp_path / "vault"
    (vault / "Algorithms").mkdir(parents=True)
    (vault / "Algorithms" / "Untitled.md").write_text("# KMP\n\nPrefix function.\n")
    with app.app_context():
        ingest_tree(vault, limits=LIMITS)
    (vault / "Algorithms" / "Untitled.md").rename(vault / "Algorithms" / "KMP.md")
    (vault / "Algorithms" / "KMP.md").write_text("# KMP\n\nPrefix function, failure links.\n")
    with app.app_context():
        results = ingest_tree(vault, limits=LIMITS)
    assert [(r.outcome, r.slug) for r in results] == [(UPDATED, "kmp")]
    assert articles(app) == [("kmp", "KMP", "KMP.md")]
