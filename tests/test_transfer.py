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
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from tests.conftest import tiny_png
from webapp import create_app
from webapp.content.imagelinks import EMBED, image_links, undo_rewrite
from webapp.extensions import db
from webapp.models import DRAFT, ApiToken, Article, ArticleAddress, Category, Tag
from webapp.services import accounts, transfer
from webapp.services.assets import store_image
from webapp.services.ingest import IncomingFile, UploadLimits, ingest_files
from webapp.services.publishing import ArticleWriter, publish
from webapp.services.schema import stamp_head
from webapp.services.tokens import create_token

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
                "pinned": article.pinned,
                "cover": cover_of(article, uploads),
                "addresses": [(a.path, a.origin, a.created_at) for a in article.addresses],
            }
            for article in articles
        }


def cover_of(article: Article, uploads: Path) -> tuple[str, bytes | None] | None:
    """Return a cover as (URL, bytes of the stored image), the URL alone for a remote one."""
    url = article.cover_url
    if url is None or not url.startswith("/media/"):
        return url
    return ("/media/", (uploads / url.removeprefix("/media/")).read_bytes())


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
    fill_moving_in(app)


def fill_moving_in(app) -> None:
    """Add what moving in brings: images in every syntax, clashing names, pins, covers, addresses."""
    with app.app_context():
        vault = publish(
            "---\ntitle: Vault note\ncover: a/dot.png\n---\n"
            '![one](a/dot.png "the title") and ![two](<b/dot.png>)\n\n'
            '<img width="300" src="my%20pic%20(1).png">\n\n'
            "![[wide.png|300]]\n\n"
            "```markdown\n![example](a/dot.png)\n```\n\n"
            "`![inline](a/dot.png)` ![far](https://example.com/x.png)\n",
            filename="Vault note.md",
            load_image={
                "a/dot.png": PNG,
                "b/dot.png": tiny_png(rgb=(1, 2, 3)),
                "my pic (1).png": tiny_png(rgb=(4, 5, 6)),
                "wide.png": tiny_png(8, 2),
            }.get,
        ).article
        vault.pinned = True
        vault.cover_url = "/media/" + next(
            link.asset.filename for link in vault.images if link.reference == "a/dot.png"
        )
        vault.addresses = [
            ArticleAddress(
                path="/2024/01/18/vault-note",
                origin="hexo",
                created_at=datetime(2026, 2, 3, 4, 5, 6, 7),
            ),
            ArticleAddress(
                path="/notes/vault", origin="author", created_at=datetime(2026, 2, 3, 4, 5, 7)
            ),
        ]
        # The same image in another article, under another name; a cover of its own.
        again = publish(
            "---\ntitle: Reused\n---\n![same](pics/dot.png)\n",
            load_image={"pics/dot.png": PNG}.get,
        ).article
        again.cover_url = "/media/" + store_image(tiny_png(rgb=(200, 0, 0))).filename
        remote = db.session.scalar(select(Article).where(Article.slug == "work-in-progress"))
        remote.cover_url = "https://cdn.example.com/cover.jpg"
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
        exported = (dest / entry["file"]).read_text(encoding="utf-8")
        assert undo_rewrite(exported, entry["rewrites"]) == before[entry["slug"]]["source_md"]

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
    assert not any(name.startswith((".blog/", "revisions/", "assets/")) for name in names)
    # Each article's images sit beside its index.md: the PNG once per article using it.
    assert {"picture/dot.png", "picture/sq.svg", "reused/dot.png"} <= set(names)
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
    (dest / "old-title/index.md").write_text(
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
    (dest / "short/index.md").write_text(
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
    (dest / "two" / "index.md").unlink()
    (dest / "three" / "index.md").write_bytes("---\ntitle: Three\n---\n三".encode("gb18030"))
    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert result.exit_code == 1
    assert "two/index.md: file missing from the export" in result.output
    assert "three/index.md: not UTF-8" in result.output
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
    assert "second/index.md: unexpected error: RuntimeError: disk on fire" in result.output
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
    assert (folder / "kept" / "index.md").is_file()
    assert (folder / "mine.txt").read_text(encoding="utf-8") == "my notes"

    archive = tmp_path / "out.zip"
    archive.write_bytes(b"old")
    result = runner.invoke(args=["export", str(archive)])
    assert result.exit_code == 1 and "exists" in result.output
    assert archive.read_bytes() == b"old"
    assert runner.invoke(args=["export", str(archive), "--force"]).exit_code == 0
    assert zipfile.is_zipfile(archive)
    assert (
        "Exported 1 article (0 drafts, 0 in the trash), 0 comments and 0 images"
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


def exported_links(root: Path) -> list[tuple[Path, str, Path]]:
    """Return (index.md, path as written, file it means) for every image link in an export.

    Resolved as Typora and Obsidian do: Markdown and <img> paths from the note's folder,
    an Obsidian embed with a folder in it from the vault's root.
    """
    found = []
    for note in sorted(root.rglob("index.md")):
        text = note.read_text(encoding="utf-8")
        for link in image_links(text):
            if "://" in link.path:
                continue
            base = root if link.kind == EMBED else note.parent
            found.append((note, link.path, base / unquote(link.path)))
    return found


def test_every_exported_note_finds_its_images_beside_it(app, runner, tmp_path):
    fill_beyond_demo(app, runner)
    dest = tmp_path / "vault"
    assert runner.invoke(args=["export", str(dest), "--revisions"]).exit_code == 0
    links = exported_links(dest)
    assert len(links) >= 10
    for note, written, target in links:
        assert target.is_file(), f"{note.relative_to(dest)}: {written} does not exist"
        if written.endswith(".png") and "/" not in written:
            assert target.parent == note.parent
    with app.app_context():
        stored = {
            link.asset.sha256
            for article in db.session.scalars(select(Article))
            for link in article.images
        }
    assert {hashlib.sha256(target.read_bytes()).hexdigest() for *_, target in links} <= stored

    note = (dest / "vault-note" / "index.md").read_text(encoding="utf-8")
    # Two files named dot.png become dot.png and dot-2.png; "my pic (1).png" a safe name.
    assert '![one](dot.png "the title") and ![two](dot-2.png)' in note
    assert '<img width="300" src="my-pic-1.png">' in note
    assert "![[vault-note/wide.png|300]]" in note
    # Code keeps its example paths, remote images stay remote, front matter is untouched.
    assert "```markdown\n![example](a/dot.png)\n```" in note
    assert "`![inline](a/dot.png)` ![far](https://example.com/x.png)" in note
    assert note.startswith("---\ntitle: Vault note\ncover: a/dot.png\n---\n")
    assert (dest / "vault-note" / "dot.png").read_bytes() == PNG
    assert (dest / "reused" / "dot.png").read_bytes() == PNG  # copied into each folder

    assert (dest / "drafts" / "work-in-progress" / "index.md").is_file()
    assert (dest / "drafts" / "hidden" / "index.md").is_file()
    assert (dest / "trash" / "binned" / "index.md").is_file()
    assert not (dest / "binned").exists() and not (dest / "work-in-progress").exists()
    revisions = list((dest / ".blog" / "revisions").rglob("*.md"))
    assert revisions and not (dest / "revisions").exists()
    manifest = json.loads((dest / transfer.MANIFEST).read_text(encoding="utf-8"))
    vault = next(entry for entry in manifest["articles"] if entry["slug"] == "vault-note")
    assert vault["pinned"] is True
    assert vault["cover"]["file"] == "vault-note/dot.png"
    assert vault["images"]["b/dot.png"]["file"] == "vault-note/dot-2.png"
    assert [a["path"] for a in vault["addresses"]] == ["/2024/01/18/vault-note", "/notes/vault"]
    reused = next(entry for entry in manifest["articles"] if entry["slug"] == "reused")
    assert reused["cover"]["file"] == "reused/cover.png"
    assert (dest / "reused" / "cover.png").read_bytes() == tiny_png(rgb=(200, 0, 0))


def test_an_index_md_edited_in_an_editor_restores_with_its_new_image(app, runner, tmp_path):
    with app.app_context():
        publish("---\ntitle: Edited\n---\n![p](img/p.png)\n", load_image={"img/p.png": PNG}.get)
    dest = tmp_path / "vault"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0
    note = dest / "edited" / "index.md"
    assert note.read_text(encoding="utf-8").endswith("![p](p.png)\n")
    (dest / "edited" / "new.png").write_bytes(tiny_png(rgb=(9, 9, 9)))
    note.write_text(
        "---\ntitle: Edited\n---\n![p](p.png)\n\n![[edited/new.png]]\n", encoding="utf-8"
    )
    result = runner.invoke(args=["import", str(dest)])
    assert "1 updated" in result.output, result.output
    row = snapshot(app)["edited"]
    assert set(row["image_bytes"].values()) == {PNG, tiny_png(rgb=(9, 9, 9))}
    assert "image not in the upload" not in result.output


def test_accounts_are_exported_only_when_asked(app, runner, empty_app, tmp_path):
    with app.app_context():
        user = accounts.create_user("writer", "a long enough password")
        create_token(user, "laptop")
        publish("---\ntitle: One\n---\nBody.\n")
        hashes = (user.password_hash, db.session.scalar(select(ApiToken.token_hash)))
    plain, full = tmp_path / "plain.zip", tmp_path / "full.zip"
    assert "password" not in runner.invoke(args=["export", str(plain)]).output
    result = runner.invoke(args=["export", str(full), "--accounts"])
    assert result.exit_code == 0, result.output
    assert "1 account with password and API token hashes: keep it private" in result.output
    with zipfile.ZipFile(plain) as archive:
        manifest = archive.read(transfer.MANIFEST).decode()
    assert "accounts" not in json.loads(manifest) and hashes[0] not in manifest
    with zipfile.ZipFile(full) as archive:
        users = json.loads(archive.read(transfer.MANIFEST))["accounts"]
    assert users["users"][0]["password_hash"] == hashes[0]
    assert users["tokens"][0]["token_hash"] == hashes[1]

    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(full)])
    assert result.exit_code == 0, result.output
    assert "holds 1 account: those missing here are added" in result.output
    with restored.app_context():
        user = accounts.find_user("writer")
        assert (user.password_hash, db.session.scalar(select(ApiToken.token_hash))) == hashes
    again = restored.test_cli_runner().invoke(args=["import", str(plain)])
    assert again.exit_code == 0 and "holds" not in again.output


def test_an_export_of_the_first_format_still_restores(app, runner, tmp_path):
    sha = hashlib.sha256(PNG).hexdigest()
    old = tmp_path / "old"
    (old / "articles").mkdir(parents=True)
    (old / "assets").mkdir()
    (old / "assets" / f"{sha}.png").write_bytes(PNG)
    source = "---\ntitle: Old format\ntags: [a]\n---\n![dot](img/dot.png)\n"
    (old / "articles" / "old-format.md").write_text(source, encoding="utf-8")
    manifest = {
        "format": "blog-export",
        "version": 1,
        "revisions": False,
        "categories": [],
        "tags": [{"name": "a", "slug": "a"}],
        "assets": {sha: {"mime_type": "image/png", "size": len(PNG), "file": f"assets/{sha}.png"}},
        "articles": [
            {
                "file": "articles/old-format.md",
                "slug": "old-format",
                "title": "Old format",
                "source_sha256": hashlib.sha256(source.encode()).hexdigest(),
                "status": "published",
                "deleted_at": None,
                "created_at": "2024-01-02T03:04:05.000000Z",
                "published_at": "2024-01-02T03:04:05.000000Z",
                "updated_at": "2024-02-02T03:04:05.000000Z",
                "source_filename": "old-format.md",
                "category": None,
                "tags": ["a"],
                "images": {"img/dot.png": sha},
            }
        ],
    }
    (old / transfer.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    result = runner.invoke(args=["import", str(old)])
    assert result.exit_code == 0, result.output
    row = snapshot(app)["old-format"]
    assert row["source_md"] == source and row["image_bytes"] == {sha: PNG}
    assert row["updated_at"] == datetime(2024, 2, 2, 3, 4, 5)
    assert (row["pinned"], row["cover"], row["addresses"]) == (False, None, [])


def test_a_damaged_or_foreign_zip_is_refused_by_name(app, runner, tmp_path):
    with app.app_context():
        publish("---\ntitle: One\n---\n" + "Body. " * 200)
    good = tmp_path / "good.zip"
    assert runner.invoke(args=["export", str(good)]).exit_code == 0
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[:200])
    result = runner.invoke(args=["import", str(truncated)])
    assert result.exit_code == 1
    assert f"{truncated} is not a readable zip file: it is damaged or not a zip" in result.output

    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("one/index.md")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 5 : start + 25] = b"\xff" * 20
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(bytes(data))
    result = runner.invoke(args=["import", str(corrupt)])
    assert result.exit_code == 1
    assert "one/index.md: one/index.md is damaged in the zip" in result.output


def test_wikilinks_between_restored_notes_stay_links(app, runner, empty_app, tmp_path):
    # Restored in slug order, "a-first" links to a note restored only after it.
    with app.app_context():
        publish("---\nslug: a-first\n---\n# First\n\nSee [[Second]].\n", filename="First.md")
        publish("---\nslug: b-second\n---\n# Second\n\nBack to [[First]].\n", filename="Second.md")
    dest = tmp_path / "vault.zip"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0

    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert result.exit_code == 0, result.output
    assert "links to notes not found" not in result.output
    client = restored.test_client()
    for slug, target in (("a-first", "b-second"), ("b-second", "a-first")):
        page = client.get(f"/posts/{slug}/").get_data(as_text=True)
        href = re.search(r'<a class="wikilink" href="([^"]+)"', page).group(1)
        landed = client.get(href, follow_redirects=True)
        assert landed.request.path == f"/posts/{target}/"


def test_a_copied_remote_image_is_exported_beside_its_note_and_restored_as_a_copy(
    app, runner, empty_app, tmp_path
):
    from tests.image_host import PNG, ImageHost

    app.config.update(IMAGE_FETCH_ALLOW_PRIVATE=True)
    folder = tmp_path / "notes"
    folder.mkdir()
    with ImageHost() as host:
        url = host.url("/a.png")
        (folder / "cdn.md").write_text(f"# CDN\n\n![plot]({url})\n", encoding="utf-8")
        result = runner.invoke(args=["import", str(folder), "--localize-images"])
        assert "1 remote image stored on this site" in result.output, result.output
        dest = tmp_path / "export"
        assert runner.invoke(args=["export", str(dest)]).exit_code == 0
        asked = len(host.requests)
    # The note opens in an editor with the copy beside it, not the image host's address.
    index = (dest / "cdn" / "index.md").read_text(encoding="utf-8")
    assert index == "# CDN\n\n![plot](a.png)\n"
    assert (dest / "cdn" / "a.png").read_bytes() == PNG

    # The host is gone: the restored article still shows the copy, and the source is exact.
    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(dest)])
    assert result.exit_code == 0, result.output
    assert asked == 1
    with restored.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "cdn"))
        assert article.source_md == f"# CDN\n\n![plot]({url})\n"
        assert [link.reference for link in article.images] == [url]
        assert f'src="/media/{hashlib.sha256(PNG).hexdigest()}.png"' in article.html


def test_exported_notes_link_each_other_by_their_folders_and_restore_exactly(
    app, runner, empty_app, tmp_path
):
    sources = {
        "Heaps.md": "# Heaps\n\nSee [[Fenwick]] and [[Fenwick tree#Query|its query]].\n",
        "Fenwick.md": (
            "---\ntitle: Fenwick tree\n---\n## Query\n\nBack to [[heaps]], [[Nowhere]]"
            " and `[[Heaps]]` in code.\n"
        ),
    }
    with app.app_context():
        for name, text in sources.items():
            publish(text, filename=name)
    dest = tmp_path / "vault"
    assert runner.invoke(args=["export", str(dest)]).exit_code == 0

    heaps = (dest / "heaps" / "index.md").read_text(encoding="utf-8")
    fenwick = (dest / "fenwick-tree" / "index.md").read_text(encoding="utf-8")
    # Obsidian finds [[folder/index]] from the vault's root; the text shown stays the same.
    assert heaps == (
        "# Heaps\n\nSee [[fenwick-tree/index|Fenwick]] and "
        "[[fenwick-tree/index#Query|its query]].\n"
    )
    assert "Back to [[heaps/index|heaps]], [[Nowhere]] and `[[Heaps]]` in code." in fenwick
    for note in (heaps, fenwick):
        for target in re.findall(r"\[\[([^\]|#]+/index)", note):
            assert (dest / f"{target}.md").is_file(), target

    restored = empty_app()
    assert restored.test_cli_runner().invoke(args=["import", str(dest)]).exit_code == 0
    with restored.app_context():
        stored = {a.source_filename: a.source_md for a in db.session.scalars(select(Article))}
    assert stored == sources
