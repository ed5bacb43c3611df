"""Zip bundles read safely entry by entry, and finding the file an image reference means."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from webapp.services import bundle
from webapp.services.bundle import (
    BundleError,
    EntryError,
    FolderFiles,
    MemoryFiles,
    ZipFiles,
    entry_name,
    format_size,
    open_files,
)

MB = 1024 * 1024
LIMITS = {"max_file_bytes": 10 * MB, "max_upload_bytes": 100 * MB}


def read_zip(data: bytes, *, max_file_bytes: int, max_upload_bytes: int) -> SimpleNamespace:
    """Open a zip and unpack every entry, as ingesting all of its files does."""
    zipped = ZipFiles(data, max_file_bytes=max_file_bytes, max_upload_bytes=max_upload_bytes)
    files, problems = {}, {}
    for path in zipped.paths:
        try:
            files[path] = zipped.read(path)
        except EntryError as error:
            problems[path] = str(error)
    return SimpleNamespace(files=files, problems=problems, refused=zipped.refused, read=zipped.read)


def make_zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_with_raw_names(entries: dict[bytes, bytes]) -> bytes:
    """Return a zip whose entry names are the given bytes, without the UTF-8 flag."""
    placeholders = {}
    plain = {}
    for number, (raw, data) in enumerate(entries.items()):
        placeholder = f"~{number}~".ljust(len(raw), "~")
        assert len(placeholder) == len(raw)
        placeholders[placeholder.encode()] = raw
        plain[placeholder] = data
    data = make_zip(plain, zipfile.ZIP_STORED)
    for placeholder, raw in placeholders.items():
        data = data.replace(placeholder, raw)
    return data


def zeros_bomb(size: int, name: str = "bomb.md") -> bytes:
    """Return a zip holding `size` zero bytes, written a megabyte at a time (cheap in memory)."""
    buffer = io.BytesIO()
    chunk = bytes(MB)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(name, "w", force_zip64=True) as entry,
    ):
        for _ in range(size // MB):
            entry.write(chunk)
    return buffer.getvalue()


def lie_about_size(data: bytes, declared: int) -> bytes:
    """Rewrite the uncompressed size in the zip's (first) local and central headers."""
    patched = bytearray(data)
    local = patched.find(b"PK\x03\x04")
    central = patched.rfind(b"PK\x01\x02")
    struct.pack_into("<I", patched, local + 22, declared)
    struct.pack_into("<I", patched, central + 24, declared)
    return bytes(patched)


def peak_memory(function):
    """Run function; return (its result or exception, peak traced allocation in bytes)."""
    tracemalloc.start()
    try:
        try:
            outcome = function()
        except Exception as error:  # the caller inspects it
            outcome = error
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- whole zips refused -----------------------------------------------------------------


def test_not_a_zip():
    with pytest.raises(BundleError) as raised:
        read_zip(b"# just Markdown named .zip\n", **LIMITS)
    assert str(raised.value) == "not a zip archive"


def test_encrypted_zip():
    data = bytearray(make_zip({"a.md": b"# A\n"}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x01  # the "encrypted" flag bit
    with pytest.raises(BundleError) as raised:
        read_zip(bytes(data), **LIMITS)
    assert "encrypted" in str(raised.value)


def test_declared_sizes_over_the_upload_limit():
    data = make_zip({f"{n}.md": bytes(40) for n in range(3)})
    with pytest.raises(BundleError) as raised:
        read_zip(data, max_file_bytes=100, max_upload_bytes=100)
    assert str(raised.value) == "the zip unpacks to 120 bytes, over the 100 bytes limit per upload"


def test_too_many_entries(monkeypatch):
    monkeypatch.setattr(bundle, "MAX_ZIP_ENTRIES", 3)
    with pytest.raises(BundleError) as raised:
        read_zip(make_zip({f"{n}.md": b"x" for n in range(5)}), **LIMITS)
    assert "5 files" in str(raised.value)


# --- zip bombs --------------------------------------------------------------------------


def test_real_bomb_is_refused_by_its_declared_size_without_unpacking():
    data = zeros_bomb(200 * MB)
    assert len(data) < 1 * MB  # 200 MB of zeros compress to about 200 KB
    outcome, peak = peak_memory(lambda: read_zip(data, **LIMITS))
    assert isinstance(outcome, BundleError)
    assert "unpacks to 200 MB, over the 100 MB limit per upload" in str(outcome)
    assert peak < 5 * MB


def test_real_bomb_under_a_generous_upload_limit_stops_at_the_file_limit():
    data = zeros_bomb(200 * MB)
    limits = {"max_file_bytes": 10 * MB, "max_upload_bytes": 1024 * MB}
    outcome, peak = peak_memory(lambda: read_zip(data, **limits))
    assert outcome.problems == {"bomb.md": "over the 10 MB limit per file once unpacked"}
    assert outcome.files == {}
    # Reading stopped a chunk past 10 MB: far from the 200 MB the entry unpacks to.
    assert peak < 3 * 10 * MB


def test_bomb_whose_header_lies_about_its_size_is_refused():
    data = make_zip({"ok.md": b"# Fine\n"})
    bomb = lie_about_size(zeros_bomb(50 * MB), declared=1000)
    assert zipfile.ZipFile(io.BytesIO(bomb)).infolist()[0].file_size == 1000
    outcome, peak = peak_memory(lambda: read_zip(bomb, **LIMITS))
    assert "damaged in the zip" in outcome.problems["bomb.md"]
    assert peak < 5 * MB
    assert read_zip(data, **LIMITS).files == {"ok.md": b"# Fine\n"}


def test_a_zip_on_disk_opens_again_in_another_process_by_its_handle(tmp_path):
    path = tmp_path / "posts.zip"
    path.write_bytes(make_zip({"a.md": b"# A\n", "img/x.png": b"png"}))
    zipped = ZipFiles(path, **LIMITS)
    again = open_files(zipped.handle())
    assert again.paths == zipped.paths == ["a.md", "img/x.png"]
    assert again.read("img/x.png") == b"png"
    again.close()
    zipped.close()
    assert ZipFiles(path.read_bytes(), **LIMITS).handle() is None  # in memory: this process only


def test_a_folder_opens_again_by_its_handle(tmp_path):
    (tmp_path / "a.md").write_text("# A\n")
    folder = FolderFiles(tmp_path, max_file_bytes=1000)
    again = open_files(folder.handle())
    assert again.paths == ["a.md"] and again.read("a.md") == b"# A\n"
    assert isinstance(again.root, Path)


def test_running_total_stops_a_zip_that_unpacks_past_the_upload_limit():
    archive = zipfile.ZipFile(io.BytesIO(make_zip({"a.md": bytes(3 * MB)})))
    with pytest.raises(BundleError):
        bundle._read_entry(archive, archive.infolist()[0], limit=10 * MB, budget=[1 * MB])


def test_entry_over_the_file_limit_is_refused_alone():
    data = make_zip({"big.md": b"x" * 2000, "small.md": b"# ok\n"})
    contents = read_zip(data, max_file_bytes=1000, max_upload_bytes=10_000)
    assert contents.files == {"small.md": b"# ok\n"}
    assert contents.problems == {"big.md": "over the 1000 bytes limit per file once unpacked"}
    with pytest.raises(EntryError):
        contents.read("big.md")


# --- entry names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../../etc/passwd", "a zip entry's path leaves the bundle: ../../etc/passwd"),
        ("posts/../../x.md", "a zip entry's path leaves the bundle: posts/../../x.md"),
        ("/etc/x", "a zip entry's path is absolute: /etc/x"),
        ("C:\\x\\y.md", "a zip entry's path is absolute: C:\\x\\y.md"),
        ("..\\..\\win.md", "a zip entry's path leaves the bundle: ..\\..\\win.md"),
    ],
)
def test_unsafe_entries_are_refused_by_name(name, reason):
    contents = read_zip(make_zip({name: b"# evil\n", "good.md": b"# good\n"}), **LIMITS)
    assert contents.refused == [(name, reason)]
    assert contents.files == {"good.md": b"# good\n"}


def test_dot_dot_that_stays_inside_is_fine():
    contents = read_zip(make_zip({"posts/../a.md": b"x"}), **LIMITS)
    assert contents.files == {"a.md": b"x"} and contents.refused == []


def test_mac_and_editor_clutter_is_skipped_silently():
    contents = read_zip(
        make_zip(
            {
                "__MACOSX/posts/._a.md": b"\x00\x05\x16\x07",
                "posts/.DS_Store": b"\x00\x00\x00\x01Bud1",
                ".obsidian/workspace.json": b"{}",
                "posts/.git/HEAD": b"ref",
                "posts/a.md": b"# A\n",
                "Thumbs.db": b"x",
            }
        ),
        **LIMITS,
    )
    assert list(contents.files) == ["posts/a.md"] and contents.refused == []


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_names_without_the_utf8_flag_are_recovered(encoding):
    names = ["数据/笔记.md", "数据/图片/图 1.png"]
    data = zip_with_raw_names({name.encode(encoding): b"x" for name in names})
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert not any(info.flag_bits & 0x800 for info in archive.infolist())
    assert [entry_name(info) for info in archive.infolist()] == names
    assert sorted(read_zip(data, **LIMITS).files) == sorted(names)


def test_flagged_utf8_and_plain_ascii_names_are_kept():
    data = make_zip({"笔记.md": b"x", "plain.md": b"y"})
    assert sorted(read_zip(data, **LIMITS).files) == ["plain.md", "笔记.md"]


def test_info_zip_unicode_path_field_wins():
    raw = "笔记.md".encode("gbk")
    data = zip_with_raw_names({raw: b"x"})
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.infolist()[0]
    utf8 = "新笔记.md".encode()
    field = b"\x01" + zlib.crc32(raw).to_bytes(4, "little") + utf8
    info.extra = (0x7075).to_bytes(2, "little") + len(field).to_bytes(2, "little") + field
    assert entry_name(info) == "新笔记.md"


# --- finding images ---------------------------------------------------------------------


def files(*paths: str) -> MemoryFiles:
    return MemoryFiles({path: path.encode() for path in paths})


@pytest.mark.parametrize(
    ("document", "reference", "paths", "expected"),
    [
        ("posts/a.md", "img/x.png", ["posts/img/x.png"], "posts/img/x.png"),
        ("posts/a.md", "../assets/x.png", ["assets/x.png", "posts/a.md"], "assets/x.png"),
        ("_posts/hello.md", "a.png", ["_posts/hello/a.png"], "_posts/hello/a.png"),
        ("note.md", "note.assets/image-1.png", ["note.assets/image-1.png"], "note.assets/image-1.png"),
        ("source/_posts/a.md", "images/a.png", ["source/images/a.png"], "source/images/a.png"),
        ("blog/source/_posts/a.md", "images/a.png", ["blog/source/images/a.png"], "blog/source/images/a.png"),
        ("content/post/a.md", "img/a.png", ["static/img/a.png"], "static/img/a.png"),
        ("notes/deep/a.md", "Pasted image 1.png", ["attachments/Pasted image 1.png"], "attachments/Pasted image 1.png"),
        ("x/a.md", "1.png", ["x/sub/1.png", "y/1.png"], "x/sub/1.png"),
        ("a.md", "img/图 1.png", ["img/图 1.png"], "img/图 1.png"),
        ("a.md", "img/Photo.png", ["img/photo.PNG"], "img/photo.PNG"),
        ("a.md", "img/a.png a title without quotes", ["img/a.png"], "img/a.png"),
        ("a.md", "Users/me/blog/img/a.png", ["img/a.png"], "img/a.png"),
    ],
    ids=[
        "relative", "parent", "hexo-asset-folder", "typora-assets", "hexo-source-root",
        "wrapped-blog", "hugo-static", "obsidian-by-name", "nearest-by-name", "chinese",
        "case", "unquoted-title", "absolute-local-path",
    ],
)  # fmt: skip
def test_find(document, reference, paths, expected):
    assert files(*paths).find(document, reference) == expected


def test_find_does_not_guess_between_equal_candidates():
    assert files("x/1.png", "y/1.png").find("z/a.md", "1.png") is None


def test_find_never_leaves_the_bundle():
    assert files("a.md").find("a.md", "../../etc/passwd") is None


def test_folder_files_stay_inside_the_folder(tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\nsecret")
    root = tmp_path / "blog"
    (root / "img").mkdir(parents=True)
    (root / "img" / "ok.png").write_bytes(b"\x89PNG\r\n\x1a\nok")
    (root / "img" / "link.png").symlink_to(outside)
    (root / ".git").mkdir()
    (root / ".git" / "x.md").write_text("x")
    (root / "big.png").write_bytes(bytes(2000))
    folder = FolderFiles(root, max_file_bytes=1000)
    assert folder.paths == ["big.png", "img/link.png", "img/ok.png"]
    assert folder.read("img/ok.png").endswith(b"ok")
    with pytest.raises(EntryError):
        folder.read("img/link.png")
    with pytest.raises(EntryError) as raised:
        folder.read("big.png")
    assert "1000 bytes limit" in str(raised.value)


@pytest.mark.parametrize(
    ("size", "words"),
    [(12, "12 bytes"), (300 * 1024, "300 KB"), (1536 * 1024, "1.5 MB"), (10 * MB, "10 MB")],
)
def test_format_size(size, words):
    assert format_size(size) == words
