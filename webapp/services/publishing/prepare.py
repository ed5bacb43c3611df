"""Render one parsed document with its images, ready for the writer; no database, no app.

This is the part of publishing that costs CPU (Markdown, KaTeX, sanitising, the walk over
the HTML, image checks), so a bulk import runs it in a pool of processes: everything a
task needs travels with it, and a file set is reopened in the pool by its handle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, has_app_context, has_request_context

from ...content.budget import render_budget, unclocked
from ...content.document import Rendered, Source, render_source
from ...content.images import ImageCollector, ImageFile, ImageLoader, UnsupportedImage
from ...content.messages import N_
from ..bundle import EntryError, FileSet, open_files
from .links import unresolved_warning
from .remote import Downloader, FetchPlan

# "line 3: " and KaTeX's own message, which stays English.
FORMULA_NOT_RENDERED = N_("formula not rendered: %(error)s")


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
    # Where its [[wikilinks]] point, by the note name as written (links.note_links).
    notes: dict[str, str] = field(default_factory=dict)
    # Remote images to copy into the site (None: they stay remote), and those an earlier
    # rendering of the document already downloaded (URL -> image).
    fetch: FetchPlan | None = None
    fetched: dict[str, ImageFile] = field(default_factory=dict)
    # Seconds its rendering may take (RENDER_BUDGET_SECONDS), read where the task is made:
    # a pool process has no app.
    budget: float | None = field(default_factory=lambda: configured_budget())


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
    remote_notes: list[str] = field(default_factory=list)  # remote images: copied or not, why
    downloads: int = 0  # remote images it tried to download
    cover_url: str | None = None  # the front matter cover: a /media/ path or an https URL


def configured_budget() -> float | None:
    """Return the render budget: a web request's, or the background's (None outside an app)."""
    if not has_app_context():
        return None
    if has_request_context():
        return current_app.config.get("RENDER_BUDGET_SECONDS")
    return current_app.config.get("BACKGROUND_RENDER_BUDGET_SECONDS")


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
    downloader = Downloader(task.fetch) if task.fetch is not None else None
    images = ImageCollector(
        load, task.linked, task.media_prefix, fetch=downloader, fetched=task.fetched
    )
    # Over its budget it raises RenderTooSlow; nothing has been written yet.
    with render_budget(task.budget):
        rendered = render_source(
            task.source, resolve_image=unclocked(images), resolve_link=task.notes.get
        )
    meta = task.source.meta
    # Resolved like the body's images: a local cover is stored and linked by its reference.
    cover_url = images.cover(meta.cover) if meta.cover else None
    warnings = (
        images.warnings
        + [FORMULA_NOT_RENDERED % {"error": message} for message in rendered.math_errors]
        + unresolved_warning(rendered.unresolved_links)
        + rendered.warnings
    )
    return Prepared(
        task.source,
        rendered,
        task.linked,
        images.found,
        images.used,
        loaded,
        warnings,
        images.notes,
        downloader.started if downloader else 0,
        cover_url,
    )
