"""The default image store: files in a folder (instance/uploads)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


class LocalStore:
    """Stores each file under its name in one folder, written whole or not at all."""

    kind = "local"

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, name: str) -> Path:
        """Return the file's path, creating the folder when needed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / name

    def exists(self, name: str) -> bool:
        """Tell whether the file is stored."""
        return (self.folder / name).is_file()

    def put(self, name: str, data: bytes, mime_type: str) -> bool:
        """Store the file unless it is there; return True when this call created it."""
        target = self.path(name)
        if target.exists():
            return False
        # Write then rename, so a reader never sees half a file; the temporary name is
        # unique per call, so two threads storing the same image do not share it.
        partial = target.with_suffix(f".{os.getpid()}.{secrets.token_hex(6)}.part")
        partial.write_bytes(data)
        partial.replace(target)
        return True

    def read(self, name: str) -> bytes | None:
        """Return the file's bytes, or None when it is not stored."""
        try:
            return (self.folder / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def delete(self, name: str) -> None:
        """Remove the file; a missing one is no error."""
        (self.folder / name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        """Yield the name of every stored file (not the .part files of unfinished writes)."""
        if not self.folder.is_dir():
            return
        for entry in sorted(self.folder.iterdir()):
            if entry.is_file() and not entry.name.endswith(".part"):
                yield entry.name

    def ok(self) -> bool:
        """Tell whether the folder takes a small file and gives it back.

        Every worker writes and reads here, so this is what a full or read-only disk
        breaks first.
        """
        probe = self.folder / f".health-{secrets.token_hex(8)}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"ok")
            return probe.read_bytes() == b"ok"
        except OSError:
            return False
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()
