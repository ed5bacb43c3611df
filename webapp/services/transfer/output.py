"""Where an export's files go: a folder, or a zip built beside the target then renamed."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from .layout import DRAFTS, HIDDEN, TRASH
from .manifest import MANIFEST

# What an earlier export put into a folder besides its articles' own folders.
EXPORT_ENTRIES = (MANIFEST, "articles", "assets", "revisions", DRAFTS, TRASH, HIDDEN)


class ExportOutput:
    """Writes named files into a folder or a zip; close(ok) finishes or discards it."""

    def __init__(self, dest: Path, as_zip: bool):
        self.dest = dest
        self.zip: zipfile.ZipFile | None = None
        self.partial: Path | None = None
        if as_zip:
            dest.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
            os.close(handle)
            self.partial = Path(name)
            self.zip = zipfile.ZipFile(self.partial, "w", zipfile.ZIP_DEFLATED)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            for name in _earlier_export(dest):
                old = dest / name
                if old.is_dir():
                    shutil.rmtree(old)
                elif old.exists():
                    old.unlink()

    def write(self, name: str, data: bytes, *, compress: bool = True) -> None:
        """Write one file under its export path."""
        if self.zip is not None:
            kind = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            self.zip.writestr(name, data, compress_type=kind)
            return
        target = self.dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def close(self, ok: bool) -> None:
        """Put a finished zip in place, or remove an unfinished one."""
        if self.zip is None:
            return
        self.zip.close()
        if ok:
            self.partial.replace(self.dest)
        else:
            self.partial.unlink(missing_ok=True)


def _earlier_export(dest: Path) -> list[str]:
    """Return the top-level names an earlier export wrote into this folder.

    Its manifest lists its articles' folders; the author's own files beside them stay.
    """
    names = list(EXPORT_ENTRIES)
    try:
        manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
        files = [entry.get("file") for entry in manifest.get("articles", [])]
    except (OSError, ValueError, AttributeError):
        return names
    for file in files:
        parts = PurePosixPath(file).parts if isinstance(file, str) else ()
        if len(parts) > 1 and parts[0] not in ("..", "/"):
            names.append(parts[0])
    return list(dict.fromkeys(names))
