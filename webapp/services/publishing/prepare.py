"""Render one parsed document with its images, ready for the writer; no database, no app.

This is the part of publishing that costs CPU (Markdown, KaTeX, sanitising, the walk over
the HTML, image checks), so a bulk import runs it in a pool of processes: everything a
task needs travels with it, and a file set is reopened in the pool by its handle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ...content.document import Rendered, Source, render_source
from ...content.images import ImageCollector, ImageFile, ImageLoader, UnsupportedImage
from ..bundle import EntryError, FileSet, open_files


@dataclass(frozen=True)
class Task:
    """What rendering one document needs: its source and where its images may come from."""

    source: Source
    # The article's current images (reference -> stored file name), used for references
    # the upload lacks; the writer renders again if the article turns out to link others.
    linked: dict[str, str]
    media_prefix: str
    # The upload's files: a FileSet in this process, its handle() for another; or a loader.
    files: FileSet | tuple | None = None
    path: str | None = None  # the document's own path among the files
    load: ImageLoader | None = None


@dataclass
class Prepared:
    """A rendered document with the images it brought, as the writer stores it."""

    source: Source
    rendered: Rendered
    linked: dict[str, str]  # the links it was rendered against
    images: dict[str, ImageFile]  # references the upload supplied, checked and hashed
    shown: set[str]  # references the article shows (supplied or already linked)
    loaded: set[str] = field(default_factory=set)  # paths read from the upload's files
    warnings: list[str] = field(default_factory=list)
    cover_url: str | None = None  # the front matter cover: a /media/ path or an https URL


def file_loader(files: FileSet, document: str, loaded: set[str]) -> ImageLoader:
    """Return a loader of the files an image reference in `document` means."""

    def load(reference: str) -> bytes | None:
        path = files.find(document, reference)
        if path is None:
            return None
        loaded.add(path)
        try:
            return files.read(path)
        except EntryError as error:
            # The collector reports it as an image that cannot be used; alt text shows.
            raise UnsupportedImage(str(error)) from None

    return load


def prepare(task: Task, opened: Callable[[tuple], FileSet] = open_files) -> Prepared:
    """Render a task's document, resolving its images; `opened` turns a handle into files."""
    loaded: set[str] = set()
    load = task.load
    if task.files is not None and task.path is not None:
        files = opened(task.files) if isinstance(task.files, tuple) else task.files
        load = file_loader(files, task.path, loaded)
    images = ImageCollector(load, task.linked, task.media_prefix)
    rendered = render_source(task.source, resolve_image=images)
    meta = task.source.meta
    # Resolved like the body's images: a local cover is stored and linked by its reference.
    cover_url = images.cover(meta.cover) if meta.cover else None
    warnings = images.warnings + [
        f"formula not rendered: {message}" for message in rendered.math_errors
    ]
    return Prepared(
        task.source,
        rendered,
        task.linked,
        images.found,
        images.used,
        loaded,
        warnings,
        cover_url,
    )
