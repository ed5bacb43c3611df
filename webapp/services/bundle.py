"""Sets of uploaded files: a zip read safely entry by entry, a folder, loose files; and
finding the file an image reference in one of their Markdown documents means.

Nothing here writes to disk or to the database.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import struct
import threading
import unicodedata
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ..content.messages import N_

# Read zip entries this many bytes at a time, counting as they come.
CHUNK_BYTES = 256 * 1024
# Parsing a zip's directory costs memory per entry; no blog needs more files than this.
MAX_ZIP_ENTRIES = 20_000
# Folders never holding an author's documents: macOS resource forks, installed packages.
_JUNK_FOLDERS = frozenset({"__macosx", "node_modules"})
_JUNK_FILES = frozenset({"thumbs.db", "desktop.ini"})
_DRIVE = re.compile(r"^[A-Za-z]:")
# Info-ZIP's Unicode Path extra field: the UTF-8 name of an entry stored without the flag.
_UNICODE_PATH_FIELD = 0x7075


class BundleError(ValueError):
    """A zip rejected as a whole; str() says why in plain words."""


class EntryError(ValueError):
    """One file of a set that cannot be read (over a limit, damaged); str() says why."""


def format_size(size: int) -> str:
    """Return a byte count in plain words: 10 MB, 1.5 MB, 300 KB, 12 bytes."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            value = size / factor
            return (
                f"{value:.0f} {unit}"
                if value >= 10 or value.is_integer()
                else f"{value:.1f} {unit}"
            )
    return f"{size} bytes"


def over_file_limit(limit: int) -> str:
    """Return the reason a file over the per-file size limit is refused."""
    return N_("over the %(limit)s limit per file") % {"limit": format_size(limit)}


def _too_many(count: int) -> str:
    return N_("the zip holds %(count)s files, more than %(limit)s") % {
        "count": count,
        "limit": MAX_ZIP_ENTRIES,
    }


def normalise_path(name: str) -> str:
    """Return a relative path with / separators and composed (NFC) characters."""
    return unicodedata.normalize("NFC", posixpath.normpath(name.replace("\\", "/")))


def unsafe_reason(name: str) -> str | None:
    """Return why a path may not be used inside a bundle (absolute, leaves it), or None."""
    slashed = name.replace("\\", "/")
    if slashed.startswith("/") or _DRIVE.match(slashed):
        return N_("a zip entry's path is absolute: %(name)s") % {"name": name}
    path = posixpath.normpath(slashed)
    if path == ".." or path.startswith("../"):
        return N_("a zip entry's path leaves the bundle: %(name)s") % {"name": name}
    return None


def is_junk(path: str) -> bool:
    """Tell whether a file is editor or system clutter: hidden, __MACOSX, .DS_Store ..."""
    parts = path.split("/")
    return (
        any(part.startswith(".") or part.lower() in _JUNK_FOLDERS for part in parts)
        or parts[-1].lower() in _JUNK_FILES
    )


def entry_name(info: zipfile.ZipInfo) -> str:
    """Return an entry's real name; zips from Chinese Windows store GBK names without a flag.

    Python reads names without the UTF-8 flag as cp437; the bytes are recovered and read
    as UTF-8 (many tools omit the flag), else GB18030, else the cp437 reading stays.
    """
    if info.flag_bits & 0x800:
        return info.filename
    unicode_path = _unicode_path_field(info)
    if unicode_path:
        return unicode_path
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unicode_path_field(info: zipfile.ZipInfo) -> str | None:
    extra, offset = info.extra, 0
    while offset + 4 <= len(extra):
        kind = int.from_bytes(extra[offset : offset + 2], "little")
        size = int.from_bytes(extra[offset + 2 : offset + 4], "little")
        body = extra[offset + 4 : offset + 4 + size]
        offset += 4 + size
        if kind != _UNICODE_PATH_FIELD or len(body) < 5 or body[0] != 1:
            continue
        # The field names the CRC of the name it replaces; a stale one is ignored.
        raw = info.filename.encode("cp437", errors="replace")
        if int.from_bytes(body[1:5], "little") != zlib.crc32(raw):
            continue
        try:
            return body[5:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


class FileSet:
    """Files addressed by relative path; finds the one an image reference means."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = sorted(paths)
        self._exact = set(self.paths)
        self._by_name: dict[str, list[str]] = {}
        for path in self.paths:
            self._by_name.setdefault(posixpath.basename(path).casefold(), []).append(path)

    def read(self, path: str) -> bytes:
        """Return a file's bytes; raise EntryError when it cannot be had."""
        raise NotImplementedError

    def handle(self) -> tuple | None:
        """Return what another process needs to open the same files (open_files), or None."""
        return None

    def close(self) -> None:
        """Release what the set holds open."""

    def find(self, document: str, reference: str) -> str | None:
        """Return the path of the file `reference` (as normalised by publishing) means.

        In order: relative to the document; in a Hexo post asset folder (post/a.png beside
        post.md); from a site root (the bundle's, source/ for Hexo, static/ for Hugo, also
        inside enclosing folders, for /images/a.png); and last by file name anywhere,
        as Obsidian does, when only one file matches (a longer trailing path wins).
        """
        reference = normalise_path(reference)
        found = self._find(document, reference)
        # ![a](img/a.png a title) without quotes: the title was read as part of the path.
        words = reference.split(" ")
        while found is None and len(words) > 1:
            words.pop()
            found = self._find(document, " ".join(words))
        return found

    def _find(self, document: str, reference: str) -> str | None:
        folder = posixpath.dirname(document)
        candidates = [posixpath.join(folder, reference)]
        if not reference.startswith("../"):
            candidates.append(posixpath.join(folder, PurePosixPath(document).stem, reference))
            candidates.extend(posixpath.join(root, reference) for root in self._site_roots(folder))
        for candidate in candidates:
            candidate = posixpath.normpath(candidate)
            if candidate in self._exact:
                return candidate
        return self._by_trailing_path(folder, reference)

    @staticmethod
    def _site_roots(folder: str) -> list[str]:
        """Return the bundle root, its source/ and static/, then the same in each enclosing
        folder of the document (a zip of a whole blog may wrap it in one more folder)."""
        parts = folder.split("/") if folder else []
        roots: list[str] = []
        for depth in range(len(parts) + 1):
            base = "/".join(parts[:depth])
            roots.extend(
                posixpath.join(base, sub) if sub else base for sub in ("", "source", "static")
            )
        return roots

    def _by_trailing_path(self, folder: str, reference: str) -> str | None:
        wanted = [part for part in reference.split("/") if part not in ("", ".", "..")]
        if not wanted:
            return None
        options = self._by_name.get(wanted[-1].casefold(), [])
        for length in range(len(wanted), 0, -1):
            tail = "/".join(wanted[-length:]).casefold()
            matches = [
                p for p in options if p.casefold() == tail or p.casefold().endswith("/" + tail)
            ]
            if len(matches) == 1:
                return matches[0]
            inside = [p for p in matches if folder and p.startswith(folder + "/")]
            if len(inside) == 1:
                return inside[0]
            if matches:
                return None  # several files fit equally well: showing the wrong one is worse
        return None


class MemoryFiles(FileSet):
    """Files held in memory: a zip's entries or loose uploaded files."""

    def __init__(self, files: dict[str, bytes], problems: dict[str, str] | None = None) -> None:
        self.files = files
        self.problems = problems or {}
        super().__init__([*files, *self.problems])

    def read(self, path: str) -> bytes:
        if path in self.problems:
            raise EntryError(self.problems[path])
        return self.files[path]


class FolderFiles(FileSet):
    """Files under a folder on disk, read when asked for, never outside the folder."""

    def __init__(self, root: Path, max_file_bytes: int) -> None:
        self.root = root.resolve()
        self.max_file_bytes = max_file_bytes
        self.real: dict[str, Path] = {}
        for folder, folders, names in os.walk(self.root):
            base = Path(folder)
            relative = base.relative_to(self.root).as_posix()
            folders[:] = sorted(f for f in folders if not is_junk(f))
            for name in names:
                path = normalise_path(f"{relative}/{name}" if relative != "." else name)
                if not is_junk(path):
                    self.real[path] = base / name
        super().__init__(list(self.real))

    def read(self, path: str) -> bytes:
        real = self.real[path].resolve()
        # A symbolic link may point anywhere; only what lies inside the folder is read.
        if not real.is_relative_to(self.root) or not real.is_file():
            raise EntryError(N_("a link to a file outside the folder"))
        if real.stat().st_size > self.max_file_bytes:
            raise EntryError(over_file_limit(self.max_file_bytes))
        return real.read_bytes()

    def handle(self) -> tuple:
        """Return what another process needs to open the same folder."""
        return ("folder", str(self.root), self.max_file_bytes)


class ZipFiles(FileSet):
    """A zip's usable entries, each unpacked only when asked for; unsafe entries by name.

    The whole zip is refused (BundleError) when it is not a zip, is encrypted, holds too
    many entries, or unpacks by its headers to more than max_upload_bytes; zipfile never
    unpacks an entry past the size its header states. An entry over max_file_bytes or
    damaged raises EntryError when read. Reads may come from several threads.
    """

    def __init__(self, source: bytes | Path, *, max_file_bytes: int, max_upload_bytes: int):
        self.source = source
        self.max_file_bytes = max_file_bytes
        self.max_upload_bytes = max_upload_bytes
        # The stream stays open for the reads to come; close() closes it.
        stream = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
        try:
            count = _declared_entries(stream)
            if count > MAX_ZIP_ENTRIES:
                raise BundleError(_too_many(count))
            try:
                self.archive = zipfile.ZipFile(stream)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
                raise BundleError(N_("not a zip archive")) from None
            self.entries, self.refused = _usable_entries(self.archive, max_upload_bytes)
        except BaseException:
            stream.close()
            raise
        self._stream = stream
        # The running total of what was unpacked: belt and braces to the headers' sizes.
        self._budget = [max_upload_bytes]
        self._lock = threading.Lock()
        super().__init__(list(self.entries))

    def read(self, path: str) -> bytes:
        """Unpack one entry; raise EntryError when it is over a limit or damaged."""
        with self._lock:
            try:
                return _read_entry(
                    self.archive, self.entries[path], self.max_file_bytes, self._budget
                )
            except BundleError as error:
                raise EntryError(str(error)) from None

    def handle(self) -> tuple | None:
        """Return what another process needs to open this zip (see open_files), or None."""
        if isinstance(self.source, bytes):
            return None
        return ("zip", str(self.source), self.max_file_bytes, self.max_upload_bytes)

    def close(self) -> None:
        """Close the zip and its file."""
        self.archive.close()
        self._stream.close()


def _usable_entries(
    archive: zipfile.ZipFile, max_upload_bytes: int
) -> tuple[dict[str, zipfile.ZipInfo], list[tuple[str, str]]]:
    """Return the entries worth reading by path, and the unsafe ones with the reason."""
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > MAX_ZIP_ENTRIES:
        raise BundleError(_too_many(len(infos)))
    if any(info.flag_bits & 0x1 for info in infos):
        raise BundleError(N_("the zip is encrypted; upload it without a password"))
    declared = sum(info.file_size for info in infos)
    if declared > max_upload_bytes:
        raise BundleError(
            N_("the zip unpacks to %(size)s, over the %(limit)s limit per upload")
            % {"size": format_size(declared), "limit": format_size(max_upload_bytes)}
        )
    entries: dict[str, zipfile.ZipInfo] = {}
    refused: list[tuple[str, str]] = []
    for info in infos:
        name = entry_name(info)
        if "\x00" in name or not name.strip("/\\"):
            continue
        reason = unsafe_reason(name)
        if reason:
            refused.append((name, reason))
            continue
        path = normalise_path(name)
        if not is_junk(path):
            entries.setdefault(path, info)
    return entries, refused


def open_files(handle: tuple) -> FileSet:
    """Open the file set a handle() describes, in another process."""
    kind = handle[0]
    if kind == "zip":
        _, path, max_file, max_upload = handle
        return ZipFiles(Path(path), max_file_bytes=max_file, max_upload_bytes=max_upload)
    if kind == "folder":
        _, root, max_file = handle
        return FolderFiles(Path(root), max_file)
    raise ValueError(f"unknown file set {kind!r}")


def _declared_entries(stream) -> int:
    """Return the entry count the zip's end record declares, before its directory is parsed."""
    # zipfile has no public way to read the end record alone; if that ever changes, the
    # count after parsing (in _usable_entries) still applies.
    try:
        record = zipfile._EndRecData(stream)
        return int(record[zipfile._ECD_ENTRIES_TOTAL]) if record else 0
    except (AttributeError, IndexError, OSError, struct.error):
        return 0


def _read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, budget: list[int]
) -> bytes:
    """Read one entry in chunks, stopping as soon as it passes a limit."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise BundleError(
                        N_(
                            "the zip unpacks to more than its headers say, "
                            "over the limit per upload"
                        )
                    )
                if size > limit:
                    over = N_("over the %(limit)s limit per file once unpacked")
                    raise EntryError(over % {"limit": format_size(limit)})
                chunks.append(chunk)
    except zipfile.BadZipFile:
        # zipfile never unpacks past the size in the header, and then checks the CRC.
        raise EntryError(N_("damaged in the zip: what unpacks does not match its header")) from None
    except (zlib.error, EOFError):
        raise EntryError(N_("damaged in the zip: it does not unpack")) from None
    except NotImplementedError:
        raise EntryError(N_("packed with a compression method this server cannot unpack")) from None
    return b"".join(chunks)
