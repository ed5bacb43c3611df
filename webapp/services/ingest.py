"""Uploads in, articles out: Markdown files, zip bundles and pasted text, with their images.

Every document goes through publish(), which commits it alone: one bad file is reported
by name and the others are saved, and a failure half-way loses nothing already saved.
Images are only ever stored inside publish(), so a failed document leaves no file behind.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from flask import current_app

from ..content.encoding import DecodeError, decode_text
from ..content.frontmatter import FENCES, FrontMatterError
from ..content.images import UnsupportedImage
from ..content.metadata import MetadataError, TooLongError
from ..extensions import db
from .bundle import (
    BundleError,
    EntryError,
    FileSet,
    FolderFiles,
    MemoryFiles,
    ZipFiles,
    format_size,
    normalise_path,
    unsafe_reason,
)
from .publishing import publish

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")
REJECTED = "rejected"
PASTED_TEXT = "pasted text"
# Joins a zip's name and the path of an entry in results: "posts.zip › _posts/a.md".
ENTRY_SEPARATOR = " › "
# source_filename holds at most 500 characters; a longer path is shortened to its name.
_MAX_FILENAME = 400

Progress = Callable[["FileResult"], None]


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
    """One uploaded file."""

    name: str  # the name as uploaded, e.g. "notes.md", "posts.zip", "数据/笔记.md"
    data: bytes


@dataclass
class FileResult:
    """What happened to one document, or to one file that was refused."""

    name: str  # what the author knows: "notes.md", "posts.zip › _posts/a.md", "pasted text"
    outcome: str  # "created" | "updated" | "unchanged" | "rejected"
    reason: str | None = None  # plain words, when rejected
    slug: str | None = None
    title: str | None = None
    status: str | None = None  # "draft" or "published" for saved files
    warnings: list[str] = field(default_factory=list)


class UploadTooLarge(ValueError):
    """A file or the whole upload is over a limit; str() names the file and the limit."""


class _Report:
    """Collects results in order and tells the caller about each as it comes."""

    def __init__(self, progress: Progress | None) -> None:
        self.results: list[FileResult] = []
        self.progress = progress

    def add(self, result: FileResult) -> None:
        self.results.append(result)
        if self.progress is not None:
            self.progress(result)

    def reject(self, name: str, reason: str) -> None:
        self.add(FileResult(name=name, outcome=REJECTED, reason=reason))


def _kind(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".zip"):
        return "zip"
    return "document" if lowered.endswith(DOCUMENT_SUFFIXES) else "other"


def check_limits(files: list[IncomingFile], pasted: str | None, limits: UploadLimits) -> None:
    """Raise UploadTooLarge when a file or the whole upload is over its limit.

    A zip is a container, so it may be as large as a whole upload; what it unpacks to is
    limited per entry and in total by read_zip.
    """
    total = 0
    for file in files:
        size = len(file.data)
        total += size
        zipped = _kind(file.name) == "zip"
        limit = limits.max_upload_bytes if zipped else limits.max_file_bytes
        if size > limit:
            raise UploadTooLarge(
                f"{file.name} is {format_size(size)}, over the {format_size(limit)} "
                f"limit per {'upload' if zipped else 'file'}"
            )
    if pasted:
        size = len(pasted.encode("utf-8"))
        total += size
        if size > limits.max_file_bytes:
            raise UploadTooLarge(
                f"the pasted text is {format_size(size)}, over the "
                f"{format_size(limits.max_file_bytes)} limit per file"
            )
    if total > limits.max_upload_bytes:
        raise UploadTooLarge(
            f"the upload is {format_size(total)}, over the "
            f"{format_size(limits.max_upload_bytes)} limit per upload"
        )


def ingest_files(
    files: list[IncomingFile],
    pasted: str | None = None,
    *,
    limits: UploadLimits,
    progress: Progress | None = None,
) -> list[FileResult]:
    """Publish every Markdown document in an upload (files, zips, pasted text).

    Return one result per document or rejected file, in upload order; progress, when
    given, hears of each as soon as it is known. Raise UploadTooLarge before saving
    anything when a file or the whole upload is over a limit.
    """
    check_limits(files, pasted, limits)
    report = _Report(progress)
    # Files beside the documents: images picked together with a .md in the file picker.
    # The picker drops folders, so references also find them by file name.
    loose: dict[str, bytes] = {}
    for file in files:
        if _kind(file.name) == "other":
            loose.setdefault(_upload_path(file.name), file.data)
    beside = MemoryFiles(loose)
    used: set[str] = set()
    documents = [_upload_path(f.name) for f in files if _kind(f.name) == "document"]
    filenames = _filenames(documents)
    for file in files:
        kind = _kind(file.name)
        if kind == "document":
            path = _upload_path(file.name)
            _ingest_document(report, file.name, file.data, beside, path, filenames[path], used)
        elif kind == "zip":
            _ingest_zip(report, file, limits)
    if pasted and pasted.strip():
        text = pasted.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        report.add(_publish_text(PASTED_TEXT, text, None, _loader(beside, "", used)))
    for file in files:
        if _kind(file.name) == "other" and _upload_path(file.name) not in used:
            report.reject(
                file.name,
                "not a Markdown file (.md, .markdown, .txt) or a .zip, "
                "and no uploaded Markdown file uses it",
            )
    return report.results


def ingest_tree(root: Path, *, limits: UploadLimits, progress=None) -> list[FileResult]:
    """Publish every Markdown document under a folder, with its images.

    The folder may be a Hexo source/_posts, a Jekyll _posts, a Hugo content/posts, an
    Obsidian vault or a whole blog repository. Each file is held to max_file_bytes; the
    folder is read one document at a time, so no total applies to it.
    """
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(f"not a folder: {root}")
    report = _Report(progress)
    files = FolderFiles(root, limits.max_file_bytes)
    if not _ingest_set(report, files, lambda path: path):
        report.reject(root.name, "the folder holds no Markdown files (.md, .markdown, .txt)")
    return report.results


def _ingest_zip(report: _Report, file: IncomingFile, limits: UploadLimits) -> None:
    try:
        contents = ZipFiles(
            file.data,
            max_file_bytes=limits.max_file_bytes,
            max_upload_bytes=limits.max_upload_bytes,
        )
    except BundleError as error:
        report.reject(file.name, str(error))
        return
    for name, reason in contents.refused:
        report.reject(f"{file.name}{ENTRY_SEPARATOR}{name}", reason)
    try:
        if not _ingest_set(report, contents, lambda path: f"{file.name}{ENTRY_SEPARATOR}{path}"):
            report.reject(file.name, "the zip holds no Markdown files (.md, .markdown, .txt)")
    finally:
        contents.close()


def _ingest_set(report: _Report, files: FileSet, label: Callable[[str], str]) -> int:
    """Publish the documents of a zip or folder; return how many results they gave."""
    before = len(report.results)
    documents = [path for path in files.paths if path.lower().endswith(DOCUMENT_SUFFIXES)]
    filenames = _filenames(documents)
    root = _bundle_root(files.paths)
    used: set[str] = set()
    for path in documents:
        try:
            data = files.read(path)
        except EntryError as error:
            report.reject(label(path), str(error))
            continue
        _ingest_document(
            report, label(path), data, files, path, filenames[path], used, bundle_root=root
        )
    return len(report.results) - before


def _ingest_document(
    report: _Report,
    label: str,
    data: bytes,
    files: FileSet,
    path: str,
    filename: str,
    used: set[str],
    *,
    bundle_root: str | None = None,
) -> None:
    """Decode and publish one document; bundle_root is None for a file uploaded alone."""
    in_bundle = bundle_root is not None
    try:
        text = decode_text(data)
    except DecodeError as error:
        if in_bundle and path.lower().endswith(".txt"):
            return  # a .txt is an article only when it is text; in a bundle it may be anything
        report.reject(label, str(error))
        return
    if not text.strip():
        report.reject(label, "the file is empty")
        return
    if in_bundle and _is_root_readme(path, bundle_root) and not _has_front_matter(text):
        # A README at the top of a zip or folder describes the bundle (a blog's repository,
        # a notes folder) rather than being a post; with front matter it is published.
        report.reject(
            label, "a README at the top of the bundle is not published without front matter"
        )
        return
    report.add(_publish_text(label, text, filename, _loader(files, path, used)))


def _publish_text(
    label: str, text: str, filename: str | None, loader: Callable[[str], bytes | None]
) -> FileResult:
    if filename and len(filename) > _MAX_FILENAME:
        reason = f"the file name is {len(filename):,} characters long; at most {_MAX_FILENAME} fit"
        return FileResult(name=label, outcome=REJECTED, reason=reason)
    try:
        result = publish(text, filename=filename, load_image=loader)
    except FrontMatterError as error:
        db.session.rollback()
        return FileResult(name=label, outcome=REJECTED, reason=str(error))
    except MetadataError as error:
        db.session.rollback()
        return FileResult(name=label, outcome=REJECTED, reason=f"front matter: {error}")
    except TooLongError as error:
        db.session.rollback()
        return FileResult(name=label, outcome=REJECTED, reason=str(error))
    except Exception:
        # One document failing (a database error, a bug) must not stop the others.
        db.session.rollback()
        current_app.logger.exception("could not publish %s", label)
        return FileResult(
            name=label, outcome=REJECTED, reason="could not be saved because of a server error"
        )
    article = result.article
    return FileResult(
        name=label,
        outcome=result.outcome,
        slug=article.slug,
        title=article.title,
        status=article.status,
        warnings=list(result.warnings),
    )


def _loader(files: FileSet, document: str, used: set[str]) -> Callable[[str], bytes | None]:
    """Return publish()'s image loader for one document of a file set."""

    def load(reference: str) -> bytes | None:
        path = files.find(document, reference)
        if path is None:
            return None
        used.add(path)
        try:
            return files.read(path)
        except EntryError as error:
            # publish() reports it as an image that cannot be used and shows the alt text.
            raise UnsupportedImage(str(error)) from None

    return load


def _upload_path(name: str) -> str:
    """Return an uploaded file's name as a path among the upload's files."""
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
