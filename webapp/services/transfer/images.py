"""An article's images as a restore reads them: the files the manifest names, or files
beside an index.md that was edited after the export."""

from __future__ import annotations

import hashlib
import posixpath

from ...content.images import ImageFile, UnsupportedImage, image_file
from ...content.render import is_remote
from .manifest import Archive, ArticleRecord


class ExportImages:
    """Loads an article's images from the export (an ImageLoader)."""

    def __init__(self, archive: Archive, record: ArticleRecord) -> None:
        self.archive = archive
        self.record = record

    def __call__(self, reference: str) -> bytes | None:
        """Return the bytes an image reference means, or None when the export lacks them."""
        file = self.record.image_files.get(reference)
        if file is not None:
            return self.archive.read(file)
        # A path written after the export: relative to index.md (Markdown, <img>), or from
        # the export's root (an Obsidian embed, which names a path in the vault).
        folder = posixpath.dirname(self.record.file)
        for candidate in (posixpath.join(folder, reference), reference):
            candidate = posixpath.normpath(candidate)
            if candidate.startswith("../") or candidate == "..":
                continue
            data = self.archive.read(candidate)
            if data is not None:
                return data
        return None

    def copies(self) -> dict[str, ImageFile]:
        """Return the copies of remote images the export holds, by address (never fetched)."""
        found = {}
        for reference, file in self.record.image_files.items():
            data = self.archive.read(file) if is_remote(reference) else None
            if data is None:
                continue
            try:
                found[reference] = image_file(data)
            except UnsupportedImage:
                continue  # the article shows the address itself, as it did before the copy
        return found

    def cover(self) -> bytes | None:
        """Return the bytes of the cover image the export holds, if any."""
        cover = self.record.cover
        return self.archive.read(cover.file) if cover and cover.file else None

    def edited(self) -> bool:
        """Tell whether an image file differs from the bytes the manifest recorded."""
        for reference, file in self.record.image_files.items():
            data = self.archive.read(file)
            if data is not None and hashlib.sha256(data).hexdigest() != self.record.images.get(
                reference
            ):
                return True
        return False
