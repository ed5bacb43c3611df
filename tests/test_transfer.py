"""flask export and flask import: exact round trips, plain folders, bad files, refusals."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp import create_app
from webapp.extensions import db
from webapp.models import DRAFT, Article, Category, Tag
from webapp.services import transfer
from webapp.services.ingest import IncomingFile, UploadLimits, ingest_files
from webapp.services.publishing import ArticleWriter, publish
from webapp.services.schema import stamp_head

# A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


@pytest.fixture
def empty_app(app, tmp_path):
    """Return a factory of a second app: its own instance folder and an empty database.

    On PostgreSQL both apps share TEST_DATABASE_URL, so call it after reading the first
    app's data: it empties the tables.
    """
    made = []

    def make():
        url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        other = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-only",
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": str(tmp_path / "restored-instance"),
                "SERVER_NAME": "blog.test",
            }
        )
        with other.app_context():
            db.drop_all()
            db.create_all()
            stamp_head()
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def snapshot(app) -> dict[str, dict]:
    """Return every article as plain values, keyed by slug, with its images' bytes."""
    with app.app_context():
        uploads = Path(app.instance_path) / "uploads"
        articles = db.session.scalars(select(Article).order_by(Article.slug)).all()
        return {
            article.slug: {
                "title": article.title,
                "status": article.status,
                "deleted_at": article.deleted_at,
                "created_at": article.created_at,
                "published_at": article.published_at,
                "updated_at": article.updated_at,
                "source_filename": article.source_filename,
                "category": article.category.path if article.category else None,
                "tags": sorted(tag.name for tag in article.tags),
                "source_md": article.source_md,
                "html": article.html,
                "toc_html": article.toc_html,
                "excerpt": article.excerpt,
                "images": {link.reference: link.asset.sha256 for link in article.images},
                "image_bytes": {
                    link.asset.sha256: (uploads / link.asset.filename).read_bytes()
                    for link in article.images
                },
                "revisions": [(rev.source_md, rev.created_at) for rev in article.revisions],
            }
            for article in articles
        }


def taxonomy(app) -> tuple[list[tuple], list[tuple[str, str]]]:
    with app.app_context():
        paths = sorted(
            (category.path, category.name, category.parent.path if category.parent else None)
            for category in db.session.scalars(select(Category))
        )
        tags = sorted((tag.slug, tag.name) for tag in db.session.scalars(select(Tag)))
        return paths, tags


def without_revisions(data: dict[str, dict]) -> dict[str, dict]:
    return {slug: {k: v for k, v in row.items() if k != "revisions"} for slug, row in data.items()}


def fill_beyond_demo(app, runner) -> None:
    """Load the demo, then add what it lacks: history, a draft, the trash, a PNG, clashes."""
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        demo = db.session.scalar(select(Article).where(Article.images.any()).order_by(Article.id))
        publish(demo.source_md + "\nA later paragraph.\n", filename=demo.source_filename)
        publish("---\ntitle: Work in progress\ndraft: true\ntags: [python]\n---\nNot yet.\n")
        binned = publish("---\ntitle: Binned\ncategories: [Empty/Leaf]\n---\nGone.\n").article
        binned.deleted_at = datetime(2025, 5, 5, 5, 5, 5, 123456)
        publish(
            "---\ntitle: Picture\ntags: [Python, 图片]\n---\n![dot](img/dot.png) ![sq](sq.svg)\n",
            filename="picture.md",
            load_image={"img/dot.png": PNG, "sq.svg": SVG}.get,
        )
        # Same title twice in one upload: two articles, the second with a numbered slug,
        # which its source does not say.
        ingest_files(
            [
                IncomingFile("same.md", b"# Same title\n\nFirst.\n"),
                IncomingFile("same-again.md", b"# Same title\n\nSecond.\n"),
            ],
            limits=UploadLimits(1 << 20, 1 << 20),
        )
        # Unpublished in the admin without editing the source: status the source cannot say.
        hidden = publish("---\ntitle: Hidden\n---\nQuiet.\n").article
        hidden.status = DRAFT
        db.session.add(Tag(name="Unused Tag", slug="unused-tag"))
        db.session.commit()


def test_export_then_import_into_an_empty_database_restores_everything(
    app, runner, empty_app, tmp_path
):
    fill_beyond_demo(app, runner)
    dest = tmp_path / "backup"
    result = runner.invoke(args=["export", str(dest), "--revisions"])
    assert result.exit_code == 0, result.output
    assert "in the trash" in result.output
    before, before_taxonomy = snapshot(app), taxonomy(app)
    assert any(len(row["revisions"]) == 2 for row in before.values())
    assert {"same-title", "same-title-2"} <= before.keys()
    manifest = json.loads((dest / transfer.MANIFEST).read_text(encoding="utf-8"))
    binned = next(entry for entry in manifest["articles"] if entry["slug"] == "binned")
    assert binned["deleted_at"].startswith("2025-05-05T05:05:05.123456")
    for entry in manifest["articles"]:
        assert (dest / entry["file"]).read_bytes() == before[entry["slug"]]["source_md"].encode()

    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert result.exit_code == 0, result.output
    assert f"Imported {len(before)} files: {len(before)} created" in result.output
    assert "rejected" not in result.output.split("Imported")[0]
    after = snapshot(restored)
    assert after == before
    assert taxonomy(restored) == before_taxonomy

    again = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert again.exit_code == 0, again.output
    assert f"{len(before)} unchanged" in again.output
    assert snapshot(restored) == before


def test_zip_export_without_revisions_restores_articles_and_images(
    app, runner, empty_app, tmp_path
):
    fill_beyond_demo(app, runner)
    dest = tmp_path / "backup.zip"
    result = runner.invoke(args=["export", str(dest)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(dest) as archive:
        names = archive.namelist()
    assert transfer.MANIFEST in names
    assert not any(name.startswith("revisions/") for name in names)
    assert sum(name.startswith("assets/") for name in names) == 6  # 4 demo SVGs, PNG, SVG
    before = snapshot(app)

    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert result.exit_code == 0, result.output
    after = snapshot(restored)
    assert without_revisions(after) == without_revisions(before)
    # Without --revisions each article keeps its current source as its one revision.
    assert all(
        row["revisions"] == [(row["source_md"], row["updated_at"])] for row in after.values()
    )
    again = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert f"{len(before)} unchanged" in again.output


def test_client_sees_restored_articles_and_images(app, runner, empty_app, tmp_path):
    fill_beyond_demo(app, runner)
    dest = tmp_path / "backup.zip"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0
    restored = empty_app()
    assert restored.test_cli_runner().invoke(args=["import", str(dest)]).exit_code == 0
    client = restored.test_client()
    page = client.get("/posts/picture/")
    assert page.status_code == 200
    media = re.search(r'src="([^"]*/media/[^"]+)"', page.get_data(as_text=True)).group(1)
    image = client.get(media)
    assert image.status_code == 200 and image.data == PNG
    assert client.get("/posts/binned/").status_code == 404
    assert client.get("/posts/hidden/").status_code == 404


def test_reimport_into_the_same_database_is_unchanged(app, runner, tmp_path):
    with app.app_context():
        publish("---\ntitle: Only\ntags: [a]\n---\nBody.\n", filename="only.md")
    dest = tmp_path / "out"
    assert runner.invoke(args=["export", str(dest), "--revisions"]).exit_code == 0
    before = snapshot(app)
    result = runner.invoke(args=["import", str(dest)])
    assert result.exit_code == 0
    assert "Imported 1 file: 0 created, 0 updated, 1 unchanged, 0 rejected." in result.output
    assert snapshot(app) == before


def test_an_exported_file_edited_before_import_updates_from_its_front_matter(app, runner, tmp_path):
    with app.app_context():
        publish("---\ntitle: Old title\ntags: [a]\n---\nBody.\n", filename="post.md")
    dest = tmp_path / "out"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0
    (dest / "articles/old-title.md").write_text(
        "---\ntitle: New title\ntags: [b]\ndraft: true\n---\nBody, edited.\n", encoding="utf-8"
    )
    result = runner.invoke(args=["import", str(dest)])
    assert "1 updated" in result.output, result.output
    row = snapshot(app)["old-title"]
    assert (row["title"], row["tags"], row["status"]) == ("New title", ["b"], DRAFT)
    assert row["source_md"].endswith("Body, edited.\n")
    assert len(row["revisions"]) == 2


def test_an_exported_file_edited_to_a_too_long_title_is_rejected_by_name(app, runner, tmp_path):
    with app.app_context():
        publish("---\ntitle: Short\n---\nBody.\n", filename="post.md")
    dest = tmp_path / "out"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0
    (dest / "articles/short.md").write_text(
        f"---\ntitle: {'长' * 501}\n---\nBody, edited.\n", encoding="utf-8"
    )
    result = runner.invoke(args=["import", str(dest)])
    assert result.exit_code == 1
    assert "the title is 501 characters long; at most 500 fit" in result.output
    assert snapshot(app)["short"]["title"] == "Short"


def write_hexo_posts(root: Path) -> Path:
    """Write a small Hexo source/_posts folder with a post asset folder holding a PNG."""
    posts = root / "source" / "_posts"
    (posts / "hello-world").mkdir(parents=True)
    (posts / "hello-world" / "dot.png").write_bytes(PNG)
    (posts / "hello-world.md").write_text(
        "---\ntitle: Hello World\ndate: 2023-04-05 06:07:08\ncategories: [Notes, Hexo]\n"
        "tags: [hexo, 入门]\n---\nWelcome.\n\n![a dot](hello-world/dot.png)\n",
        encoding="utf-8",
    )
    (posts / "second.md").write_text(
        "---\ntitle: 第二篇\ndate: 2023-05-01\ntags: hexo\n---\n公式 $e^{i\\pi}+1=0$。\n",
        encoding="utf-8",
    )
    (posts / "third.markdown").write_text(
        "---\ntitle: Third\ndate: 2023-06-01 10:00\n---\n```python\nprint(3)\n```\n",
        encoding="utf-8",
    )
    return posts


def test_import_of_a_hexo_folder_shows_each_file_and_creates_the_articles(app, runner, tmp_path):
    posts = write_hexo_posts(tmp_path)
    result = runner.invoke(args=["import", str(posts)])
    assert result.exit_code == 0, result.output
    assert "Markdown files, 3 documents" in result.output
    assert "[1/3]" in result.output and "[3/3]" in result.output
    assert "hello-world.md" in result.output and "second.md" in result.output
    assert "Imported 3 files: 3 created, 0 updated, 0 unchanged, 0 rejected." in result.output
    with app.app_context():
        hello = db.session.scalar(select(Article).where(Article.title == "Hello World"))
        assert hello.published_at == datetime(2023, 4, 5, 6, 7, 8)
        assert hello.category.path == "Notes/Hexo"
        assert sorted(tag.name for tag in hello.tags) == ["hexo", "入门"]
        assert [link.asset.sha256 for link in hello.images] == [hashlib.sha256(PNG).hexdigest()]
        assert "/media/" in hello.html
        assert db.session.scalar(select(Article).where(Article.title == "第二篇")).has_math
    again = runner.invoke(args=["import", str(posts)])
    assert "3 unchanged" in again.output


def test_import_of_a_zipped_folder_without_manifest_ingests_it(app, runner, tmp_path):
    posts = write_hexo_posts(tmp_path)
    bundle = tmp_path / "posts.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for path in sorted(posts.rglob("*")):
            if path.is_file():
                archive.write(path, f"_posts/{path.relative_to(posts)}")
    result = runner.invoke(args=["import", str(bundle)])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    with app.app_context():
        hello = db.session.scalar(select(Article).where(Article.title == "Hello World"))
        assert len(hello.images) == 1


def test_a_bad_file_is_rejected_and_the_others_are_saved(app, runner, tmp_path):
    posts = write_hexo_posts(tmp_path)
    (posts / "broken.md").write_text(
        "---\ntitle: [unclosed\ndate: 2023-01-01\n---\nBody.\n", encoding="utf-8"
    )
    result = runner.invoke(args=["import", str(posts)])
    assert result.exit_code == 1, result.output
    assert "rejected" in result.output and "broken.md" in result.output
    assert "3 created, 0 updated, 0 unchanged, 1 rejected" in result.output
    with app.app_context():
        titles = set(db.session.scalars(select(Article.title)))
    assert titles == {"Hello World", "第二篇", "Third"}


def test_a_broken_export_entry_is_rejected_and_the_rest_restored(app, runner, empty_app, tmp_path):
    with app.app_context():
        publish("---\ntitle: One\n---\nFirst.\n")
        publish("---\ntitle: Two\n---\nSecond.\n")
        publish("---\ntitle: Three\n---\nThird.\n")
    dest = tmp_path / "out"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0
    (dest / "articles" / "two.md").unlink()
    (dest / "articles" / "three.md").write_bytes("---\ntitle: Three\n---\n三".encode("gb18030"))
    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert result.exit_code == 1
    assert "articles/two.md: file missing from the export" in result.output
    assert "articles/three.md: not UTF-8" in result.output
    assert "1 created, 0 updated, 0 unchanged, 2 rejected" in result.output
    assert list(snapshot(restored)) == ["one"]


def test_a_failure_in_the_middle_keeps_earlier_articles_and_leaves_no_orphan_image(
    app, runner, empty_app, tmp_path, monkeypatch
):
    with app.app_context():
        publish("---\ntitle: First\n---\nPlain.\n")
        publish("---\ntitle: Second\n---\n![p](p.png)\n", load_image={"p.png": PNG}.get)
        publish("---\ntitle: Third\n---\nPlain too.\n")
    dest = tmp_path / "out.zip"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0
    restored = empty_app()
    real = ArticleWriter.write

    def failing(self, article, prepared, **options):
        real(self, article, prepared, **options)  # its image file is written by now
        if article.slug == "second":
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(ArticleWriter, "write", failing)
    result = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert result.exit_code == 1
    assert "second.md: unexpected error: RuntimeError: disk on fire" in result.output
    assert sorted(snapshot(restored)) == ["first", "third"]
    uploads = Path(restored.instance_path) / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_import_of_a_missing_path_or_a_plain_file_names_it(runner, tmp_path):
    missing = tmp_path / "nowhere"
    result = runner.invoke(args=["import", str(missing)])
    assert result.exit_code == 2
    assert "does not exist" in result.output and str(missing) in result.output
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    result = runner.invoke(args=["import", str(text)])
    assert result.exit_code == 1
    assert f"{text} is neither a folder nor a zip file" in result.output


def test_import_help_states_the_exit_status(runner):
    result = runner.invoke(args=["import", "--help"])
    assert "1 when any file was rejected" in result.output


def test_export_refuses_to_overwrite_unless_forced(app, runner, tmp_path):
    with app.app_context():
        publish("---\ntitle: Kept\n---\nBody.\n")
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "mine.txt").write_text("my notes", encoding="utf-8")
    result = runner.invoke(args=["export", str(folder)])
    assert result.exit_code == 1 and "not empty" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["mine.txt"]
    result = runner.invoke(args=["export", str(folder), "--force"])
    assert result.exit_code == 0, result.output
    assert (folder / "articles" / "kept.md").is_file()
    assert (folder / "mine.txt").read_text(encoding="utf-8") == "my notes"

    archive = tmp_path / "out.zip"
    archive.write_bytes(b"old")
    result = runner.invoke(args=["export", str(archive)])
    assert result.exit_code == 1 and "exists" in result.output
    assert archive.read_bytes() == b"old"
    assert runner.invoke(args=["export", str(archive), "--force"]).exit_code == 0
    assert zipfile.is_zipfile(archive)
    assert (
        "Exported 1 article (0 drafts, 0 in the trash) and 0 images"
        in runner.invoke(args=["export", str(tmp_path / "new")]).output
    )


def test_an_export_from_a_newer_version_is_refused(runner, tmp_path):
    folder = tmp_path / "future"
    folder.mkdir()
    manifest = {"format": "blog-export", "version": 99, "articles": []}
    (folder / transfer.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 1
    assert "version 99 is newer" in result.output


def test_an_export_folder_zipped_by_hand_is_restored(app, runner, empty_app, tmp_path):
    with app.app_context():
        publish("---\ntitle: Zipped\n---\n![p](p.png)\n", load_image={"p.png": PNG}.get)
    folder = tmp_path / "backup"
    assert runner.invoke(args=["export", str(folder)]).exit_code == 0
    before = snapshot(app)
    bundle = tmp_path / "by-hand.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, f"backup/{path.relative_to(folder)}")
    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(bundle)])
    assert result.exit_code == 0, result.output
    assert "blog export, 1 document)" in result.output
    assert snapshot(restored) == before
