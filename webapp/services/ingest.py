"""Uploads in, articles out: Markdown files, zip bundles and pasted text, with their images.

The upload is read in order into entries (documents, and files turned away with a
reason) that a Publisher publishes: one bad file is reported by name and the others are
saved, and a failure half-way loses nothing already saved. Images are stored only by the
article writer, so a document that is not saved leaves no file behind.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import islice
from pathlib import Path, PurePosixPath

from flask import current_app

from ..content.encoding import DecodeError, decode_text
from ..content.folders import folder_category
from ..content.frontmatter import FENCES
from ..content.images import UnsupportedImage, image_file
from ..content.messages import N_
from ..content.permalinks import SETTINGS_FILES, Site, detect_site, site_around
from .bundle import (
    BundleError,
    EntryError,
    FileSet,
    FolderFiles,
    MemoryFiles,
    ZipFiles,
    format_size,
    normalise_path,
    over_file_limit,
    unsafe_reason,
)
from .publishing import REJECTED, Document, FileResult, Publisher, Refusal
from .publishing.bulk import NOT_USED, attached_result

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")
EMPTY_FOLDER = N_("the folder holds no Markdown files (.md, .markdown, .txt)")
EMPTY_ZIP = N_("the zip holds no Markdown files (.md, .markdown, .txt)")
PASTED_TEXT = "pasted text"
# Joins a zip's name and the path of an entry in results: "posts.zip › _posts/a.md".
ENTRY_SEPARATOR = " › "
# How many folders up from an imported folder its blog's settings are looked for
# (~/blog/source/_posts is two below ~/blog, ~/site/content/posts/2024 three).
MAX_SITE_DEPTH = 3
# source_filename holds at most 500 characters; a longer path is shortened to its name.
_MAX_FILENAME = 400

Progress = Callable[[FileResult], None]
Entry = Document | Refusal

__all__ = ["FileResult", "IncomingFile", "UploadLimits", "UploadTooLarge", "ingest_files"]


@dataclass(frozen=True)
class UploadLimits:
    """Size limits of one upload."""

    max_file_bytes: int  # per file, also per zip entry once unpacked
    max_upload_bytes: int  # per upload: all files, and a zip's total unpacked size

    @classmethod
    def from_config(cls, config: Mapping) -> UploadLimits:
        """Read MAX_FILE_SIZE and MAX_UPLOAD_SIZE from the app's config."""
        return cls(int(config["MAX_FILE_SIZE"]), int(config["MAX_UPLOAD_SIZE"]))


@dataclass(frozen=True)
class IncomingFile:
    """One uploaded file, in memory or (for a background job) saved on disk."""

    name: str  # the name as uploaded, e.g. "notes.md", "posts.zip", "数据/笔记.md"
    data: bytes | None = None
    path: Path | None = None

    @property
    def size(self) -> int:
        """Return the file's size in bytes."""
        return len(self.data) if self.data is not None else self.path.stat().st_size

    def read(self) -> bytes:
        """Return the file's bytes."""
        return self.data if self.data is not None else self.path.read_bytes()


class UploadTooLarge(ValueError):
    """A file or the whole upload is over a limit; str() names the file and the limit."""


def is_loose(name: str) -> bool:
    """Tell whether an uploaded file goes beside the documents (an image), not into one."""
    return _kind(name) == "other"


def _kind(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".zip"):
        return "zip"
    return "document" if lowered.endswith(DOCUMENT_SUFFIXES) else "other"


def check_limits(files: list[IncomingFile], pasted: str | None, limits: UploadLimits) -> None:
    """Raise UploadTooLarge when a file or the whole upload is over its limit.

    A zip is a container, so it may be as large as a whole upload; what it unpacks to is
    limited per entry and in total by ZipFiles.
    """
    total = 0
    for file in files:
        size = file.size
        total += size
        zipped = _kind(file.name) == "zip"
        limit = limits.max_upload_bytes if zipped else limits.max_file_bytes
        if size > limit:
            too_large = (
                N_("%(name)s is %(size)s, over the %(limit)s limit per upload")
                if zipped
                else N_("%(name)s is %(size)s, over the %(limit)s limit per file")
            )
            raise UploadTooLarge(
                too_large
                % {"name": file.name, "size": format_size(size), "limit": format_size(limit)}
            )
    if pasted:
        size = len(pasted.encode("utf-8"))
        total += size
        if size > limits.max_file_bytes:
            raise UploadTooLarge(
                N_("the pasted text is %(size)s, over the %(limit)s limit per file")
                % {"size": format_size(size), "limit": format_size(limits.max_file_bytes)}
            )
    if total > limits.max_upload_bytes:
        raise UploadTooLarge(
            N_("the upload is %(size)s, over the %(limit)s limit per upload")
            % {"size": format_size(total), "limit": format_size(limits.max_upload_bytes)}
        )


def count_documents(files: list[IncomingFile], pasted: str | None) -> int:
    """Return how many documents an upload holds (zips by their listing), for progress."""
    count = 1 if pasted and pasted.strip() else 0
    for file in files:
        kind = _kind(file.name)
        if kind == "document":
            count += 1
        elif kind == "zip":
            count += count_zip_documents(file.path or file.data)
    return count


def count_zip_documents(source: bytes | Path) -> int:
    """Return how many documents a zip lists (0 when it is not a readable zip)."""
    try:
        zipped = ZipFiles(source, max_file_bytes=1, max_upload_bytes=1 << 62)
    except BundleError:
        return 0
    try:
        return sum(1 for path in zipped.paths if path.lower().endswith(DOCUMENT_SUFFIXES))
    finally:
        zipped.close()


def ingest_files(
    files: list[IncomingFile],
    pasted: str | None = None,
    *,
    limits: UploadLimits,
    progress: Progress | None = None,
    publisher: Publisher | None = None,
    loose_root: Path | None = None,
    skip: int = 0,
) -> list[FileResult]:
    """Publish every Markdown document in an upload (files, zips, pasted text).

    Return one result per document or rejected file, in upload order; progress, when
    given, hears of each as soon as it is saved. Raise UploadTooLarge before saving
    anything when a file or the whole upload is over a limit. `publisher` says how
    documents are rendered and committed (one at a time by default); a background job
    keeps loose files under `loose_root` and resumes after the first `skip` results.
    """
    check_limits(files, pasted, limits)
    publisher = publisher or Publisher()
    # Files beside the documents: images picked together with a .md in the file picker.
    # The picker drops folders, so references also find them by file name.
    loose = [file for file in files if _kind(file.name) == "other"]
    if loose_root is not None:
        beside: FileSet = FolderFiles(loose_root, limits.max_file_bytes)
    else:
        beside = MemoryFiles({upload_path(file.name): file.read() for file in reversed(loose)})
    with ExitStack() as opened:
        entries = _upload_entries(files, pasted, limits, beside, opened)
        results = _publish(publisher, islice(entries, skip, None), progress)
    unused = [file for file in loose if upload_path(file.name) not in publisher.loaded]
    images, refused = _images_among(unused)
    attached = [attached_result(item) for item in publisher.attach(images)] if images else []
    publisher.report(refused)
    by_name = {result.name: result for result in attached + refused}
    for file in unused:  # in upload order
        result = by_name[file.name]
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def _images_among(files: list[IncomingFile]) -> tuple[dict[str, bytes], list[FileResult]]:
    """Split files no document used into images (name -> bytes) and refused files."""
    images: dict[str, bytes] = {}
    refused: list[FileResult] = []
    for file in files:
        data = file.read()
        try:
            image_file(data)
        except UnsupportedImage as error:
            svg = str(error).startswith("SVG")
            refused.append(FileResult(file.name, REJECTED, reason=str(error) if svg else NOT_USED))
            continue
        images[file.name] = data
    return images, refused


def ingest_tree(
    root: Path,
    *,
    limits: UploadLimits,
    progress: Progress | None = None,
    publisher: Publisher | None = None,
    skip: int = 0,
) -> list[FileResult]:
    """Publish every Markdown document under a folder, with its images.

    The folder may be a Hexo source/_posts, a Jekyll _posts, a Hugo content/posts, an
    Obsidian vault or a whole blog repository. Each file is held to max_file_bytes; the
    folder is read one document at a time, so no total applies to it.
    """
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(f"not a folder: {root}")
    files = FolderFiles(root, limits.max_file_bytes)
    publisher = publisher or Publisher()
    # The folder chosen is the vault or the blog: its own name is not a category.
    around = _enclosing_site(root, limits.max_file_bytes)
    entries = _set_entries(files, lambda path: path, wrapped=False, around=around)
    results = _publish(publisher, islice(entries, skip, None), progress)
    if not results and not skip:
        empty = FileResult(root.name, REJECTED, reason=EMPTY_FOLDER)
        publisher.report([empty])  # a job's report names it too
        results.append(empty)
        if progress is not None:
            progress(empty)
    return results


def _publish(publisher: Publisher, entries, progress: Progress | None) -> list[FileResult]:
    results = []
    for result in publisher.run(entries):
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def _upload_entries(
    files: list[IncomingFile],
    pasted: str | None,
    limits: UploadLimits,
    beside: FileSet,
    opened: ExitStack,
) -> Iterator[Entry]:
    """Yield the upload's entries in order: loose documents and zips, then pasted text.

    A zip stays open (in `opened`) until its documents are written, which may be after
    this has moved on: a bulk publisher renders and writes them in batches.
    """
    documents = [upload_path(f.name) for f in files if _kind(f.name) == "document"]
    filenames = _filenames(documents)
    for file in files:
        kind = _kind(file.name)
        if kind == "document":
            path = upload_path(file.name)
            # The others picked with it, which its [[links]] may name.
            others = tuple(other for other in documents if other != path)
            yield from _document_entry(
                file.name, file.read(), beside, path, filenames[path], others=others
            )
        elif kind == "zip":
            yield from _zip_entries(file, limits, opened)
    if pasted and pasted.strip():
        text = pasted.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        yield Document(PASTED_TEXT, text, None, beside, "")


def _zip_entries(file: IncomingFile, limits: UploadLimits, opened: ExitStack) -> Iterator[Entry]:
    try:
        contents = ZipFiles(
            file.path or file.data,
            max_file_bytes=limits.max_file_bytes,
            max_upload_bytes=limits.max_upload_bytes,
        )
    except BundleError as error:
        yield Refusal(file.name, str(error))
        return
    opened.callback(contents.close)
    for name, reason in contents.refused:
        yield Refusal(f"{file.name}{ENTRY_SEPARATOR}{name}", reason)
    found = False
    prefix = f"{file.name}{ENTRY_SEPARATOR}"
    for entry in _set_entries(contents, lambda path: prefix + path, wrapped=True):
        found = True
        yield entry
    if not found:
        yield Refusal(file.name, EMPTY_ZIP)


def _set_entries(
    files: FileSet, label: Callable[[str], str], *, wrapped: bool, around: Site | None = None
) -> Iterator[Entry]:
    """Yield the documents of a zip or folder.

    `wrapped`: a single folder holding everything is the bundle's wrapper (a zipped vault's
    own folder), not a category.
    """
    documents = [path for path in files.paths if path.lower().endswith(DOCUMENT_SUFFIXES)]
    filenames = _filenames(documents)
    root = _bundle_root(files.paths)
    site = _site(files) or around
    by_folder = current_app.config.get("FOLDER_CATEGORIES", True)
    for path in documents:
        try:
            data = files.read(path)
        except EntryError as error:
            yield Refusal(label(path), str(error))
            continue
        folder = tuple(folder_category(path, root if wrapped else "")) if by_folder else None
        yield from _document_entry(
            label(path),
            data,
            files,
            path,
            filenames[path],
            bundle_root=root,
            site=site,
            folder=folder,
        )


def _document_entry(
    label: str,
    data: bytes,
    files: FileSet,
    path: str,
    filename: str,
    *,
    bundle_root: str | None = None,
    others: tuple[str, ...] = (),
    site: Site | None = None,
    folder: tuple[str, ...] | None = None,
) -> Iterator[Entry]:
    """Decode one document; bundle_root is None for a file uploaded alone.

    `others` are the paths of the documents uploaded beside it outside `files`.
    """
    in_bundle = bundle_root is not None
    try:
        text = decode_text(data)
    except DecodeError as error:
        if in_bundle and path.lower().endswith(".txt"):
            return  # a .txt is an article only when it is text; in a bundle it may be anything
        yield Refusal(label, str(error))
        return
    if not text.strip():
        yield Refusal(label, N_("the file is empty"))
    elif in_bundle and _is_root_readme(path, bundle_root) and not _has_front_matter(text):
        # A README at the top of a zip or folder describes the bundle (a blog's repository,
        # a notes folder) rather than being a post; with front matter it is published.
        yield Refusal(
            label, N_("a README at the top of the bundle is not published without front matter")
        )
    elif len(filename) > _MAX_FILENAME:
        too_long = N_("the file name is %(length)s characters long; at most %(limit)s fit")
        yield Refusal(label, too_long % {"length": f"{len(filename):,}", "limit": _MAX_FILENAME})
    else:
        yield Document(
            label,
            text,
            filename,
            files,
            path,
            beside=others,
            site=site,
            folder=folder,
            bundled=in_bundle,
        )


def _enclosing_site(root: Path, max_bytes: int) -> Site | None:
    """Return the blog a folder lies in (`flask import ~/blog/source/_posts`), or None.

    Its posts kept their addresses under the blog's settings, which sit a few folders up.
    """
    root = root.resolve()
    for ancestor in list(root.parents)[:MAX_SITE_DEPTH]:
        names = [name for name in SETTINGS_FILES if (ancestor / name).is_file()]

        def read(name: str, ancestor: Path = ancestor) -> bytes:
            path = ancestor / name
            if path.stat().st_size > max_bytes:
                raise ValueError(over_file_limit(max_bytes))
            return path.read_bytes()

        site = site_around(root.relative_to(ancestor).as_posix(), names, read)
        if site is not None:
            return site
    return None


def _site(files: FileSet) -> Site | None:
    """Return the site generator a zip or folder comes from, by its layout (old addresses)."""

    def read(path: str) -> bytes:
        try:
            return files.read(path)
        except EntryError as error:
            raise ValueError(str(error)) from None

    return detect_site(files.paths, read)


def upload_path(name: str) -> str:
    """Return an uploaded file's name as a safe relative path among the upload's files."""
    if unsafe_reason(name):
        return normalise_path(PurePosixPath(name.replace("\\", "/")).name or "file")
    return normalise_path(name)


def _publish_name(path: str) -> str:
    """Return the name publish() matches re-uploads by: the file's base name.

    A Hugo page bundle (post/foo/index.md) is the page foo, like post/foo.md.
    """
    pure = PurePosixPath(path)
    if pure.stem.lower() in ("index", "_index") and pure.parent.name:
        return pure.parent.name + pure.suffix
    return pure.name


def _filenames(paths: list[str]) -> dict[str, str]:
    """Map each document to its publish name; names shared in one upload use the path.

    Otherwise 2023/notes.md and 2024/notes.md would be taken for one article updated twice.
    """
    names = {path: _publish_name(path) for path in paths}
    counts = Counter(names.values())
    return {
        path: name if counts[name] == 1 or len(path) > _MAX_FILENAME else path
        for path, name in names.items()
    }


def _bundle_root(paths: list[str]) -> str:
    """Return the one folder everything in a bundle sits in ("" when there is none)."""
    tops = {path.split("/", 1)[0] if "/" in path else "" for path in paths}
    return tops.pop() if len(tops) == 1 and "" not in tops else ""


def _is_root_readme(path: str, root: str) -> bool:
    return PurePosixPath(path).stem.lower() == "readme" and posixpath.dirname(path) == root


def _has_front_matter(text: str) -> bool:
    return text.split("\n", 1)[0].rstrip() in FENCES
