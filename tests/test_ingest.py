"""Uploads to articles: files, zips and pasted text in; results, articles and images out."""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import struct
import threading
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import UPLOAD_LIMITS, ingest, make_zip
from webapp.content.excerpt import make_excerpt
from webapp.content.render import MISSING_IMAGE, render_markdown
from webapp.content.svg import sanitize_svg
from webapp.extensions import db
from webapp.models import Article, Asset, Revision
from webapp.services.ingest import (
    ENTRY_SEPARATOR,
    FileResult,
    UploadLimits,
    UploadTooLarge,
    ingest_tree,
)
from webapp.services.publishing import bulk, writer

MB = 1024 * 1024
LIMITS = UPLOAD_LIMITS
CHINESE_DOC = "---\ntitle: 树状数组\n---\n树状数组支持单点修改和前缀和查询。\n"


def png(tag: str) -> bytes:
    """Return bytes that sniff as PNG, distinct per tag (content addressing tells them apart)."""
    return b"\x89PNG\r\n\x1a\n" + tag.encode()


def media(data: bytes, extension: str = "png") -> str:
    return f'src="/media/{hashlib.sha256(data).hexdigest()}.{extension}"'


def article(slug: str) -> Article:
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    assert article is not None, f"no article {slug}"
    return article


def outcomes(results: list[FileResult]) -> dict[str, str]:
    return {result.name: result.outcome for result in results}


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# --- encodings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        CHINESE_DOC.encode("utf-8"),
        codecs.BOM_UTF8 + CHINESE_DOC.encode("utf-8"),
        codecs.BOM_UTF16_LE + CHINESE_DOC.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + CHINESE_DOC.encode("utf-16-be"),
        CHINESE_DOC.encode("gb18030"),
        CHINESE_DOC.replace("\n", "\r\n").encode("gb18030"),
        CHINESE_DOC.replace("\n", "\r").encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16-le", "utf16-be", "gb18030", "gb18030-crlf", "cr"],
)
def test_every_encoding_publishes_the_same_article(app, data):
    [result] = ingest(app, {"fenwick.md": data})
    assert (result.outcome, result.title, result.status) == ("created", "树状数组", "published")
    with app.app_context():
        stored = article(result.slug)
        assert stored.source_md == CHINESE_DOC  # decoded, BOM gone, \n line ends
        assert "树状数组支持单点修改" in stored.html and stored.front_matter == {
            "title": "树状数组"
        }


def test_binary_file_is_rejected_by_name_and_nothing_is_saved(app):
    results = ingest(app, {"photo.md": png("not markdown") + bytes(100)})
    assert [(r.name, r.outcome, r.reason) for r in results] == [
        ("photo.md", "rejected", "a binary file, not text")
    ]
    with app.app_context():
        assert count(Article) == 0 and count(Revision) == 0 and count(Asset) == 0


def test_undecodable_text_is_rejected_with_the_encodings_named(app):
    [result] = ingest(app, {"latin.txt": "Café résumé é".encode("latin-1")})
    assert result.outcome == "rejected"
    assert result.reason == "not valid UTF-8, UTF-16 or GB18030 text"


# --- what is rejected -------------------------------------------------------------------


def test_other_files_are_rejected_unless_a_document_uses_them(app):
    used, unused = png("used"), png("unused")
    results = ingest(
        app,
        {
            "notes.md": b"---\ntitle: Notes\n---\n![plot](img/plot.png)\n",
            "plot.png": used,
            "stray.png": unused,
            "report.docx": b"PK\x03\x04 docx",
        },
    )
    by_name = {r.name: r for r in results}
    assert by_name["notes.md"].outcome == "created" and by_name["notes.md"].warnings == []
    assert "plot.png" not in by_name
    for name in ("stray.png", "report.docx"):
        assert by_name[name].outcome == "rejected"
        assert "not a Markdown file" in by_name[name].reason
    with app.app_context():
        assert media(used) in article("notes").html
        assert count(Asset) == 1


def test_markdown_and_text_suffixes_are_documents(app):
    results = ingest(
        app, {"a.markdown": b"# From .markdown\n", "b.TXT": b"# From .txt\n", "c.MD": b"# C\n"}
    )
    assert [(r.name, r.outcome, r.title) for r in results] == [
        ("a.markdown", "created", "From .markdown"),
        ("b.TXT", "created", "From .txt"),
        ("c.MD", "created", "C"),
    ]


def test_oversize_document_in_a_zip_is_rejected_by_name(app):
    limits = UploadLimits(max_file_bytes=1000, max_upload_bytes=10_000)
    bundle = make_zip({"big.md": b"# Big\n" + b"x" * 2000, "small.md": b"# Small\n"})
    results = ingest(app, {"b.zip": bundle}, limits=limits)
    assert [(r.name, r.outcome, r.reason) for r in results] == [
        ("b.zip › big.md", "rejected", "over the 1000 bytes limit per file once unpacked"),
        ("b.zip › small.md", "created", None),
    ]


def test_broken_front_matter_names_the_line_and_the_others_are_saved(app):
    results = ingest(
        app,
        {
            "one.md": b"---\ntitle: One\n---\nFirst.\n",
            "broken.md": b"---\ntitle: Broken\ntags: [a, b\n---\nbody\n",
            "bad-date.md": b"---\ntitle: When\ndate: next tuesday\n---\nbody\n",
            "binary.md": bytes(range(256)),
            "empty.md": b"  \n\n",
            "two.md": b"---\ntitle: Two\n---\nSecond.\n",
        },
    )
    assert outcomes(results) == {
        "one.md": "created",
        "broken.md": "rejected",
        "bad-date.md": "rejected",
        "binary.md": "rejected",
        "empty.md": "rejected",
        "two.md": "created",
    }
    reasons = {r.name: r.reason for r in results}
    assert reasons["broken.md"].startswith("front matter, line ")
    assert reasons["bad-date.md"] == (
        "front matter: cannot read date: 'next tuesday' as a date "
        "(use YYYY-MM-DD or YYYY-MM-DD HH:MM)"
    )
    assert reasons["empty.md"] == "the file is empty"
    with app.app_context():
        assert sorted(db.session.scalars(select(Article.slug))) == ["one", "two"]


def test_an_error_in_the_middle_loses_nothing_saved_and_leaves_no_orphan_image(app, monkeypatch):
    real_revision = writer.Revision

    def revision(**fields):
        if "Second" in fields["source_md"]:
            raise RuntimeError("disk full")
        return real_revision(**fields)

    monkeypatch.setattr(writer, "Revision", revision)
    first, second, third = png("first"), png("second"), png("third")
    bundle = make_zip(
        {
            "a.md": b"---\ntitle: First\n---\n![](1.png)\n",
            "b.md": b"---\ntitle: Second\n---\n![](2.png)\n",
            "c.md": b"---\ntitle: Third\n---\n![](3.png)\n",
            "1.png": first,
            "2.png": second,
            "3.png": third,
        }
    )
    results = ingest(app, {"posts.zip": bundle})
    assert outcomes(results) == {
        "posts.zip › a.md": "created",
        "posts.zip › b.md": "rejected",
        "posts.zip › c.md": "created",
    }
    assert results[1].reason == "could not be saved because of a server error"
    stored = {p.name for p in (Path(app.instance_path) / "uploads").iterdir()}
    assert stored == {f"{hashlib.sha256(d).hexdigest()}.png" for d in (first, third)}
    with app.app_context():
        assert sorted(db.session.scalars(select(Article.title))) == ["First", "Third"]


# --- images in zips ---------------------------------------------------------------------

LAYOUTS = {
    # Relative to the file, with ./ and ../ (VS Code, most editors).
    "posts/relative.md": b"---\ntitle: Relative\n---\n![dot](./img/a.png) ![up](../assets/b.png)\n",
    "posts/img/a.png": png("a"),
    "assets/b.png": png("b"),
    # Hexo post_asset_folder: posts/hexo-post/c.png beside posts/hexo-post.md.
    "posts/hexo-post.md": b"---\ntitle: Hexo\n---\n![c](c.png)\n",
    "posts/hexo-post/c.png": png("c"),
    # Typora: note.assets/ beside note.md.
    "posts/typora.md": b"---\ntitle: Typora\n---\n![d](typora.assets/image-2024.png)\n",
    "posts/typora.assets/image-2024.png": png("d"),
    # Obsidian: embeds by file name anywhere in the vault, with and without a size.
    "vault/deep/obsidian.md": b"---\ntitle: Obsidian\n---\n![[Pasted e.png]] and ![[f.png|300]]\n",
    "attachments/Pasted e.png": png("e"),
    "vault/f.png": png("f"),
    # Site-absolute (Hexo source/images).
    # Dated: a Hexo post without a date is reported, its old address being unknown.
    "source/_posts/absolute.md": b"---\ntitle: Absolute\ndate: 2024-01-18\n---\n![g](/images/g.png)\n",
    "source/images/g.png": png("g"),
    # URL-encoded and Chinese names.
    "posts/encoded.md": "---\ntitle: Encoded\n---\n![h](img/%E5%9B%BE%201.png) ![i](图片/示意图.png)\n".encode(),
    "posts/img/图 1.png": png("h"),
    "posts/图片/示意图.png": png("i"),
}
SHOWN = {
    "relative": ["a", "b"],
    "hexo": ["c"],
    "typora": ["d"],
    "obsidian": ["e", "f"],
    "absolute": ["g"],
    "encoded": ["h", "i"],
}


def test_every_image_layout_in_a_zip_resolves(app):
    results = ingest(app, {"bundle.zip": make_zip(LAYOUTS)})
    assert all(r.outcome == "created" and r.warnings == [] for r in results), results
    assert sorted(r.name for r in results) == sorted(
        f"bundle.zip › {path}" for path in LAYOUTS if path.endswith(".md")
    )
    with app.app_context():
        for slug, tags in SHOWN.items():
            html = article(slug).html
            for tag in tags:
                assert media(png(tag)) in html, (slug, tag)
            assert "missing-image" not in html
        assert 'width="300"' in article("obsidian").html
        # The source keeps the author's paths; only the HTML points at stored images.
        assert "%E5%9B%BE%201.png" in article("encoded").source_md


def test_gbk_entry_names_from_chinese_windows(app):
    entries = {
        "笔记/树状数组.md": "---\ntitle: 树状数组\n---\n![图](图片/示意图.png)\n".encode(),
        "笔记/图片/示意图.png": png("gbk"),
    }
    # Write the entries under ASCII stand-ins of the same length, then put the GBK bytes
    # in their place: Windows' built-in zip stores names like that, without the UTF-8 flag.
    raw = {name.encode("gbk"): data for name, data in entries.items()}
    stand_ins = {f"~{n}~".ljust(len(name), "~"): data for n, (name, data) in enumerate(raw.items())}
    data = make_zip(stand_ins)
    for stand_in, name in zip(stand_ins, raw, strict=True):
        data = data.replace(stand_in.encode(), name)
    [result] = ingest(app, {"notes.zip": data})
    assert (result.name, result.outcome, result.warnings) == (
        "notes.zip › 笔记/树状数组.md",
        "created",
        [],
    )
    with app.app_context():
        assert media(png("gbk")) in article(result.slug).html


def test_missing_image_publishes_with_a_warning_and_shows_its_alt_text(app):
    text = "---\ntitle: Missing\nlang: en\n---\nSee ![the diagram](img/a.png) and ![](img/b.png).\n\n![remote](https://example.org/r.png)\n"
    [result] = ingest(app, {"missing.md": text.encode()})
    assert result.outcome == "created"
    assert result.warnings == [
        "image not in the upload: img/a.png (the article shows its alt text)",
        "image not in the upload: img/b.png (the article shows its alt text)",
    ]
    with app.app_context():
        stored = article("missing")
        assert (
            '<span class="missing-image" role="img" aria-label="the diagram" title="img/a.png">'
            "the diagram</span>"
        ) in stored.html
        assert '<span class="missing-image" title="img/b.png">b.png</span>' in stored.html
        assert 'src="img/' not in stored.html
        assert 'src="https://example.org/r.png"' in stored.html
        assert stored.excerpt == "See [the diagram] and . [remote]"


def test_referenced_file_that_is_not_an_image_becomes_a_warning(app):
    bundle = make_zip(
        {
            "a.md": b"---\ntitle: Odd\n---\n![chart](chart.png) ![logo](logo.svg)\n",
            "chart.png": b"GIF? no, a text file",
            "logo.svg": b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        }
    )
    [result] = ingest(app, {"odd.zip": bundle})
    assert result.outcome == "created"
    assert result.warnings == [
        "image chart.png cannot be used: not a PNG, JPEG, GIF, WebP or SVG image "
        "(the article shows its alt text)",
        "image logo.svg cannot be used: SVG refused: a DOCTYPE with declarations is not "
        "allowed in an SVG (the article shows its alt text)",
    ]
    with app.app_context():
        html = article("odd").html
        assert 'aria-label="chart"' in html and 'aria-label="logo"' in html
        assert count(Asset) == 0


def test_svg_is_stored_sanitised(app):
    evil = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script>'
        b'<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>'
        b'<image href="https://evil.example/t.png"/><rect width="5" height="5"/></svg>'
    )
    [result] = ingest(app, {"a.md": b"---\ntitle: Svg\n---\n![box](box.svg)\n", "box.svg": evil})
    assert result.warnings == []
    clean = sanitize_svg(evil)
    assert b"alert" not in clean and b"evil" not in clean and b"foreignObject" not in clean
    with app.app_context():
        assert media(clean, "svg") in article("svg").html
        [asset] = db.session.scalars(select(Asset))
        stored = Path(app.instance_path) / "uploads" / asset.filename
        assert stored.read_bytes() == clean


def test_an_oversize_image_entry_is_a_warning(app):
    limits = UploadLimits(max_file_bytes=1000, max_upload_bytes=10_000)
    bundle = make_zip(
        {"a.md": b"---\ntitle: Big\n---\n![big](big.png)\n", "big.png": png("x" * 2000)}
    )
    [result] = ingest(app, {"big.zip": bundle}, limits=limits)
    assert result.outcome == "created"
    assert result.warnings == [
        "image big.png cannot be used: over the 1000 bytes limit per file once unpacked "
        "(the article shows its alt text)"
    ]


# --- zip safety through ingest_files -----------------------------------------------------


def test_zip_entries_leaving_the_bundle_are_rejected_and_the_others_publish(app):
    bundle = make_zip(
        {
            "../../etc/passwd": b"root:x:0:0\n",
            "/etc/cron.d/x.md": b"# evil\n",
            "C:\\Windows\\x.md": b"# evil\n",
            "_posts/a.md": b"---\ntitle: Kept\n---\nFine.\n",
        }
    )
    results = ingest(app, {"bundle.zip": bundle})
    assert [(r.name, r.outcome, r.reason) for r in results] == [
        (
            "bundle.zip › ../../etc/passwd",
            "rejected",
            "a zip entry's path leaves the bundle: ../../etc/passwd",
        ),
        (
            "bundle.zip › /etc/cron.d/x.md",
            "rejected",
            "a zip entry's path is absolute: /etc/cron.d/x.md",
        ),
        (
            "bundle.zip › C:\\Windows\\x.md",
            "rejected",
            "a zip entry's path is absolute: C:\\Windows\\x.md",
        ),
        ("bundle.zip › _posts/a.md", "created", None),
    ]


def zeros_zip(size: int, name: str) -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(name, "w", force_zip64=True) as entry,
    ):
        for _ in range(size // MB):
            entry.write(bytes(MB))
    return buffer.getvalue()


def test_zip_bomb_is_rejected_and_other_files_still_publish(app):
    results = ingest(
        app,
        {"bomb.zip": zeros_zip(200 * MB, "bomb.md"), "fine.md": b"---\ntitle: Fine\n---\nok\n"},
    )
    assert outcomes(results) == {"bomb.zip": "rejected", "fine.md": "created"}
    assert results[0].reason == "the zip unpacks to 200 MB, over the 100 MB limit per upload"


def test_zip_entry_whose_header_lies_about_its_size_is_rejected(app):
    bomb = bytearray(zeros_zip(50 * MB, "liar.md"))
    struct.pack_into("<I", bomb, bomb.find(b"PK\x03\x04") + 22, 100)
    struct.pack_into("<I", bomb, bomb.rfind(b"PK\x01\x02") + 24, 100)
    [result] = ingest(app, {"liar.zip": bytes(bomb)})
    assert result.name == "liar.zip › liar.md" and result.outcome == "rejected"
    assert result.reason.startswith("damaged in the zip")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"# Markdown saved as .zip\n", "not a zip archive"),
        (
            make_zip({"a.png": png("a"), "notes/readme.docx": b"x"}),
            "the zip holds no Markdown files (.md, .markdown, .txt)",
        ),
    ],
    ids=["not-a-zip", "no-markdown"],
)
def test_zip_rejected_as_a_whole(app, data, reason):
    assert [(r.name, r.outcome, r.reason) for r in ingest(app, {"posts.zip": data})] == [
        ("posts.zip", "rejected", reason)
    ]


def test_encrypted_zip_is_rejected(app):
    data = bytearray(make_zip({"a.md": b"# A\n"}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.find(signature) + offset] |= 0x01
    [result] = ingest(app, {"secret.zip": bytes(data)})
    assert (result.outcome, result.reason) == (
        "rejected",
        "the zip is encrypted; upload it without a password",
    )


# --- limits -----------------------------------------------------------------------------


def test_oversize_file_raises_upload_too_large_naming_the_file_and_the_limit(app):
    big = b"# Big\n" + b"x" * (10 * MB)
    with pytest.raises(UploadTooLarge) as raised:
        ingest(app, {"small.md": b"# Small\n", "big.md": big})
    assert str(raised.value) == "big.md is 10 MB, over the 10 MB limit per file"
    with app.app_context():
        assert count(Article) == 0  # checked before anything is saved


def test_whole_upload_over_the_limit_raises(app):
    limits = UploadLimits(max_file_bytes=1000, max_upload_bytes=1500)
    files = {f"{n}.md": b"#" * 600 for n in range(3)}
    with pytest.raises(UploadTooLarge) as raised:
        ingest(app, files, limits=limits)
    assert str(raised.value) == "the upload is 1.8 KB, over the 1.5 KB limit per upload"


def test_pasted_text_over_the_file_limit_raises(app):
    with pytest.raises(UploadTooLarge) as raised:
        ingest(app, {}, "字" * 400, limits=UploadLimits(1000, 10_000))
    assert "pasted text" in str(raised.value) and "1000 bytes" in str(raised.value)


def test_limits_come_from_config(app):
    assert UploadLimits.from_config(app.config) == UploadLimits(10 * MB, 100 * MB)


# --- names, re-uploads, pasted text -----------------------------------------------------


def test_pasted_text_is_published_as_pasted_text(app):
    [result] = ingest(app, {}, "---\r\ntitle: Pasted\r\n---\r\nFrom the text area.\r\n")
    assert (result.name, result.outcome, result.title) == ("pasted text", "created", "Pasted")
    with app.app_context():
        assert article("pasted").source_md == "---\ntitle: Pasted\n---\nFrom the text area.\n"
    assert ingest(app, {}, "  \n") == []


def test_reupload_changed_and_unchanged(app):
    first = b"# Notes on heaps\n\nVersion one.\n"
    [created] = ingest(app, {"heaps.md": first})
    [same] = ingest(app, {"heaps.md": first})
    [changed] = ingest(app, {"heaps.md": first.replace(b"one", b"two")})
    assert [r.outcome for r in (created, same, changed)] == ["created", "unchanged", "updated"]
    assert created.slug == same.slug == changed.slug
    with app.app_context():
        assert count(Article) == 1 and count(Revision) == 2
        assert "Version two." in article(created.slug).html


def test_reupload_of_a_zip_with_images_is_unchanged(app):
    bundle = make_zip({"p/a.md": b"---\ntitle: A\n---\n![x](x.png)\n", "p/x.png": png("x")})
    assert [r.outcome for r in ingest(app, {"b.zip": bundle})] == ["created"]
    assert [r.outcome for r in ingest(app, {"b.zip": bundle})] == ["unchanged"]
    # The Markdown alone, re-uploaded with an edit: the linked image is kept.
    edited = b"---\ntitle: A\n---\n![x](x.png)\n\nMore.\n"
    [result] = ingest(app, {"a.md": edited})
    assert (result.outcome, result.warnings) == ("updated", [])
    with app.app_context():
        assert media(png("x")) in article("a").html


def test_drafts_and_status(app):
    bundle = make_zip(
        {
            "source/_drafts/wip.md": b"---\ntitle: WIP\ndraft: true\n---\nnot yet\n",
            "source/_posts/done.md": b"---\ntitle: Done\n---\ndone\n",
        }
    )
    statuses = {r.title: r.status for r in ingest(app, {"blog.zip": bundle})}
    assert statuses == {"WIP": "draft", "Done": "published"}


def test_same_file_name_in_two_folders_makes_two_articles(app):
    bundle = make_zip(
        {
            "2023/notes.md": b"Notes of 2023.\n",
            "2024/notes.md": b"Notes of 2024.\n",
            "post/foo/index.md": b"A Hugo page bundle.\n",
        }
    )
    results = ingest(app, {"b.zip": bundle})
    assert [r.outcome for r in results] == ["created"] * 3
    with app.app_context():
        filenames = sorted(db.session.scalars(select(Article.source_filename)))
        assert filenames == ["2023/notes.md", "2024/notes.md", "foo.md"]
        assert sorted(db.session.scalars(select(Article.title))) == ["foo", "notes", "notes"]


def test_readme_at_the_bundle_root_needs_front_matter(app):
    bundle = make_zip(
        {
            "blog/README.md": b"# My blog repository\n",
            "blog/posts/README.md": b"# Inside a folder it is a document\n",
            "blog/posts/a.md": b"# A\n",
        }
    )
    results = {r.name: r for r in ingest(app, {"blog.zip": bundle})}
    assert results["blog.zip › blog/README.md"].outcome == "rejected"
    assert "README" in results["blog.zip › blog/README.md"].reason
    assert results["blog.zip › blog/posts/README.md"].outcome == "created"
    with_front_matter = make_zip({"README.md": b"---\ntitle: About\n---\nabout\n"})
    assert [r.outcome for r in ingest(app, {"about.zip": with_front_matter})] == ["created"]


def test_binary_txt_in_a_bundle_is_not_an_article(app):
    bundle = make_zip(
        {"a.md": b"# A\n", "data.txt": bytes(range(256)), "notes.txt": b"Plain notes\n"}
    )
    assert sorted(r.name for r in ingest(app, {"b.zip": bundle})) == [
        "b.zip › a.md",
        "b.zip › notes.txt",
    ]


def test_progress_hears_of_every_result_in_order(app):
    heard: list[str] = []
    results = ingest(
        app,
        {"a.md": b"# A\n", "b.zip": make_zip({"c.md": b"# C\n"}), "x.bin": b"x"},
        "# Pasted\n",
        progress=lambda result: heard.append(result.name),
    )
    assert heard == [r.name for r in results] == ["a.md", "b.zip › c.md", "pasted text", "x.bin"]


# --- concurrency ------------------------------------------------------------------------


def test_two_concurrent_uploads_of_one_slug_make_one_article_with_two_revisions(app, monkeypatch):
    # Both uploads find no article and render, waiting for each other there (before
    # writing). On SQLite the second then waits for the first one's write lock and finds
    # its article under it: no retry. PostgreSQL writes concurrently: they meet again
    # before inserting, so one insert fails on the unique slug and is retried.
    with app.app_context():
        serialised = db.engine.dialect.name == "sqlite"
    rendered, inserting = threading.Barrier(2), threading.Barrier(2)
    find_slug, publish_source, prepare = writer.unique_slug, bulk.publish_source, bulk.prepare
    attempts: list[int] = []

    def waiting_prepare(task):
        prepared = prepare(task)
        rendered.wait(timeout=20)
        return prepared

    def unique_slug(base: str) -> str:
        slug = find_slug(base)
        if not serialised:
            inserting.wait(timeout=20)
        return slug

    def counted_publish_source(*args, **kwargs):
        attempts.append(1)
        return publish_source(*args, **kwargs)

    monkeypatch.setattr(bulk, "prepare", waiting_prepare)
    monkeypatch.setattr(writer, "unique_slug", unique_slug)
    monkeypatch.setattr(bulk, "publish_source", counted_publish_source)
    results: dict[int, list[FileResult]] = {}
    errors: list[BaseException] = []

    def upload(n: int) -> None:
        try:
            text = f"---\ntitle: Race\nslug: race\n---\nBody {n}\n".encode()
            results[n] = ingest(app, {f"race-{n}.md": text})
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=upload, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(r[0].outcome for r in results.values()) == ["created", "updated"]
    # The loser's insert failed and was retried once, or, on SQLite, never overlapped.
    assert len(attempts) == (2 if serialised else 3)
    with app.app_context():
        assert count(Article) == 1
        assert count(Revision) == 2
        assert article("race").source_md.startswith("---\ntitle: Race")


# --- folders ----------------------------------------------------------------------------


def test_ingest_tree_reads_a_hexo_source_folder(app, tmp_path):
    source = tmp_path / "source"
    (source / "_posts" / "hello").mkdir(parents=True)
    (source / "images").mkdir()
    (source / "_posts" / "hello.md").write_text(
        "---\ntitle: Hello\n---\n![a](a.png) ![b](/images/b.png)\n", encoding="gbk"
    )
    (source / "_posts" / "hello" / "a.png").write_bytes(png("a"))
    (source / "images" / "b.png").write_bytes(png("b"))
    (source / "_posts" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    results = ingest_tree_in(app, source)
    assert [(r.name, r.outcome, r.warnings) for r in results] == [
        ("_posts/hello.md", "created", [])
    ]
    with app.app_context():
        html = article("hello").html
        assert media(png("a")) in html and media(png("b")) in html


def ingest_tree_in(app, root: Path, **kwargs) -> list[FileResult]:
    with app.app_context():
        return ingest_tree(root, limits=kwargs.pop("limits", LIMITS), **kwargs)


# --- rendering what authors upload ------------------------------------------------------


def test_obsidian_embed_never_fires_inside_code():
    result = render_markdown(
        "Inline `![[a.png]]` and\n\n```\n![[b.png]]\n```\n\n![[c.png|200]] ![[A note]]"
    )
    assert result.image_sources == ["c.png"]
    assert "<code>![[a.png]]</code>" in result.html and "![[A note]]" in result.html


def test_missing_image_placeholder_escapes_and_reads_like_an_image_in_excerpts():
    result = render_markdown(
        '![<b>x</b> & "y"](a.png) ![$x_1$ plot](b.png)', resolve_image=lambda src: MISSING_IMAGE
    )
    assert "<b>" not in result.html
    assert 'aria-label="&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;"' in result.html
    assert make_excerpt(result.html, "en") == '[<b>x</b> & "y"] [$x_1$ plot]'


@pytest.mark.parametrize(
    ("source", "tex"),
    [
        (
            "为什么是2呢？$ y_3 = y_1 + y_2 = x^2 + x^3$，当 $x=1$ 时",
            ["y_3 = y_1 + y_2 = x^2 + x^3", "x=1"],
        ),
        ("当我们比较$ S[p]\\neq =T[q]$ 的时候失配", ["S[p]\\neq =T[q]"]),
        ("让这 $n $位大臣排成一排，$m$ 个", ["n", "m"]),
    ],
)
def test_dollar_math_with_inner_spaces_renders(source, tex):
    result = render_markdown(source)
    assert result.math_errors == []
    annotations = re.findall(
        r'<annotation encoding="application/x-tex">(.*?)</annotation>', result.html
    )
    assert [a.replace("&amp;", "&") for a in annotations] == tex


@pytest.mark.parametrize(
    "source",
    [
        "It costs $5 and $10 per day.",
        "Run $ export PATH=$HOME/bin in a shell.",
        "$ echo $HOME",
        "Price \\$5, total $ 7 $.",
        "Between $ 20 and $30.",
        "Set $ x = 1 $ here.",
        "From $ 5 = 5 dollars, to $10.",
    ],
)
def test_dollars_that_stay_text(source):
    assert 'class="math' not in render_markdown(source).html


def test_author_line_without_delimiters_is_content(app):
    text = "author: Ir1d, partychicken\n\n树状数组是一种数据结构。\n"
    [result] = ingest(app, {"fenwick.md": text.encode()})
    assert (result.outcome, result.title) == ("created", "fenwick")
    with app.app_context():
        stored = article(result.slug)
        assert stored.front_matter == {} and "author: Ir1d" in stored.html


# --- the real-world corpus --------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "realworld"
_MATH_COUNTS = re.compile(r"math:([^;]*)")
_REFERENCED = re.compile(r'referenced from (\S+) as "(.*)"$')
_TEX_IN_DOLLARS = re.compile(r"\$[^$\n]*[\\^_{}][^$\n]*\$")


def _visible_text(html: str) -> str:
    """Return the text a reader sees outside code, pre and rendered math."""
    from html.parser import HTMLParser

    class Visible(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.stack: list[tuple[str, bool]] = []
            self.hidden = 0
            self.text: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag in ("img", "br", "hr", "input", "wbr"):
                return
            classes = (dict(attrs).get("class") or "").split()
            hides = tag in ("code", "pre") or "math" in classes or "katex" in classes
            self.stack.append((tag, hides))
            self.hidden += hides

        def handle_endtag(self, tag):
            for index in range(len(self.stack) - 1, -1, -1):
                if self.stack[index][0] == tag:
                    self.hidden -= sum(h for _, h in self.stack[index:])
                    del self.stack[index:]
                    break

        def handle_data(self, data):
            if not self.hidden:
                self.text.append(data)

    parser = Visible()
    parser.feed(html)
    return "".join(parser.text)


def _manifest() -> list[dict[str, str]]:
    lines = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:] if line]


def _upload_corpus_as_zip(app, signed_in_client) -> list[FileResult]:
    """Zip the corpus and POST it through the upload form, as an author would.

    A bundle of this size is published as a background job: the form answers with the
    job's page, whose report is read back from the job's stored results.
    """
    import io
    import zipfile

    from webapp.jobs import records

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(CORPUS.rglob("*")):
            if path.is_file() and "LICENSES" not in path.parts:
                bundle.write(path, path.relative_to(CORPUS).as_posix())
    response = signed_in_client.post(
        "/admin/upload",
        data={
            "csrf_token": signed_in_client.csrf_token,
            "files": [(io.BytesIO(buffer.getvalue()), "corpus.zip")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = signed_in_client.get(response.headers["Location"])
    assert page.status_code == 200 and "Upload results" in page.get_data(as_text=True)
    prefix = "corpus.zip" + ENTRY_SEPARATOR
    with app.app_context():
        job = records.get_job(int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1]))
        assert job.state == "done", job.message
        return [
            FileResult(
                file.name.removeprefix(prefix),
                file.outcome,
                file.reason,
                file.slug,
                file.title,
                file.status,
                file.warnings,
            )
            for file in records.job_files(job)
        ]


@pytest.mark.parametrize("route", ["upload form", "folder import"])
def test_realworld_corpus_imports_completely(app, request, route):
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    from webapp.content.images import UnsupportedImage, sniff_image

    rows = _manifest()
    documents = [row["path"] for row in rows if row["kind"] == "markdown"]
    if route == "upload form":
        client = request.getfixturevalue("signed_in_client")
        results = _upload_corpus_as_zip(app, client)
    else:
        results = ingest_tree_in(app, CORPUS)
    by_name = {result.name: result for result in results}
    assert [r for r in results if r.outcome == "rejected"] == []
    assert set(documents) <= set(by_name)
    assert all(by_name[path].outcome == "created" for path in documents)

    with app.app_context():
        articles = {path: article(by_name[path].slug) for path in documents}
        # Every local image the corpus has is stored and shown, or (not an image type the
        # blog stores, like favicon.ico) reported and replaced by its alt text.
        for row in rows:
            found = _REFERENCED.search(row["notes"]) if row["kind"] == "image" else None
            if not found:
                continue
            document_path = row["path"].split("/", 1)[0] + "/" + found.group(1)
            stored = articles[document_path]
            data = (CORPUS / row["path"]).read_bytes()
            try:
                extension = sniff_image(data)[1]
            except UnsupportedImage:
                assert any(found.group(2) in w for w in by_name[document_path].warnings)
                assert 'class="missing-image"' in stored.html
                continue
            stored_bytes = sanitize_svg(data) if extension == "svg" else data
            filename = f"{hashlib.sha256(stored_bytes).hexdigest()}.{extension}"
            assert f'src="/media/{filename}"' in stored.html, (document_path, row["path"])
            assert (Path(app.instance_path) / "uploads" / filename).is_file()

        # Math is rendered: no raw delimiters in what a reader sees, and about as many
        # formulas as the manifest counts.
        for row in rows:
            if row["kind"] != "markdown":
                continue
            stored = articles[row["path"]]
            visible = _visible_text(stored.html)
            for raw in ("$$", "\\[", "\\begin{"):
                assert raw not in visible, (row["path"], raw)
            assert not _TEX_IN_DOLLARS.search(visible), (
                row["path"],
                _TEX_IN_DOLLARS.search(visible),
            )
            counts = _MATH_COUNTS.search(row["notes"])
            expected = 0
            if counts:
                for part in counts.group(1).split(","):
                    kind, _, number = part.partition("=")
                    expected += int(number) if kind in ("$", "$$") else 0
            rendered = stored.html.count('class="math ')
            if expected:
                assert expected * 0.95 <= rendered <= expected * 2, (
                    row["path"],
                    expected,
                    rendered,
                )
            else:
                assert rendered <= 1, (row["path"], rendered)
