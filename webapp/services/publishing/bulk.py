"""Publishing many documents in order: rendered ahead in a pool, written in batches.

Results come out in the order of the entries, and each is exactly what publishing the
documents one by one would have given: a document is matched to its article again when
its batch is written, and rendered again if that article links other images than the
ones it was rendered against. A batch is one transaction; if a concurrent writer spoils
it, or one document in it fails, its documents are written again one at a time.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace

from flask import current_app

from ...config import site_timezone
from ...content.budget import RenderTooSlow
from ...content.document import Source, parse_source
from ...content.frontmatter import FrontMatterError
from ...content.images import ImageLoader
from ...content.messages import N_
from ...content.metadata import MetadataError, TooLongError
from ...content.permalinks import Site
from ..assets import media_prefix
from ..bundle import FileSet
from ..permissions import Actor
from .attach import Attached, attach_images
from .authors import AuthorRefused
from .links import note_links
from .pool import RenderPool
from .prepare import Prepared, Task, prepare
from .remote import FetchBudget, FetchPlan
from .results import REJECTED, SCHEDULED, UNCHANGED, UPDATED, FileResult
from .single import ATTEMPTS, PublishResult, publish_source
from .writer import RETRYABLE, ArticleWriter, find_article, is_unchanged, linked_images

SERVER_ERROR = N_("could not be saved because of a server error")
NOT_USED = N_(
    "not a Markdown file (.md, .markdown, .txt) or a .zip, and no uploaded Markdown file uses it"
)
RENDERER_STOPPED = N_("could not be rendered: the renderer stopped while reading it")
# A batch is written when it has waited this long, full or not (progress stays live).
BATCH_SECONDS = 1.0
# Documents rendered ahead of the writer, per pool process.
AHEAD_PER_PROCESS = 8


@dataclass(frozen=True)
class Refusal:
    """A file turned away before publishing (not a document, over a limit, unreadable)."""

    name: str
    reason: str


@dataclass(frozen=True)
class Document:
    """A document to publish: its text and where its images may be found."""

    name: str  # as shown in results: "posts.zip › _posts/a.md"
    text: str  # decoded, \n line ends
    filename: str | None  # what re-uploads are matched by
    files: FileSet | None = None
    path: str | None = None  # the document's path among `files`
    load: ImageLoader | None = None  # or a loader of its image references
    # Paths of the other documents uploaded with it outside `files` (picked together),
    # which its [[links]] may name.
    beside: tuple[str, ...] = ()
    site: Site | None = None  # the site generator its bundle comes from (old addresses)
    # The category its folder in a bundle stands for; None for a loose file (no folder).
    folder: tuple[str, ...] | None = None
    bundled: bool = False  # one of a zip's or a folder's documents, not a file on its own

    def handle(self) -> tuple | None:
        """Return what a pool process needs to find this document's images, or None."""
        return self.files.handle() if self.files is not None else None


@dataclass
class _Staged:
    """An entry on its way: parsed, maybe rendering in the pool, or already decided."""

    entry: Refusal | Document
    source: Source | None = None
    result: FileResult | None = None
    task: Task | None = None
    rendering: Future | None = None
    ready: Prepared | None = None
    loaded: set[str] = field(default_factory=set)  # upload paths its images came from
    plan: FetchPlan | None = None  # its share of the upload's image downloads


BatchHook = Callable[[list[FileResult]], None]


@dataclass
class Publisher:
    """Publishes entries, `batch_size` per transaction, rendering in `pool` when given.

    `on_batch` hears each batch's results inside its transaction, before the commit: a
    job records them there, so its report and the articles are saved together or not.
    `fetch`, when given, has remote images downloaded into the site within its limits.
    `actor` is who publishes: an author's documents update only their own articles and
    their loose images go only to those; None is the site itself (`flask import`).
    """

    pool: RenderPool | None = None
    batch_size: int = 1
    on_batch: BatchHook | None = None
    loaded: set[str] = field(default_factory=set)  # upload paths that documents used
    fetch: FetchBudget | None = None
    # Ids of the articles this run wrote: a title alone never matches them again.
    touched: set[int] = field(default_factory=set)
    # Minor edits: updated articles keep their date and their place in LATEST UPDATES.
    minor: bool = False
    actor: Actor | None = None

    def run(self, entries: Iterable[Refusal | Document]) -> Iterator[FileResult]:
        """Publish every entry; yield the results in order, each batch once committed."""
        self._prefix = media_prefix()
        self._timezone = site_timezone()
        ahead = AHEAD_PER_PROCESS * self.pool.processes if self.pool else 0
        waiting: deque[_Staged] = deque()
        batch: list[_Staged] = []
        started = time.monotonic()
        for entry in entries:
            waiting.append(self._stage(entry))
            while waiting and (len(waiting) > ahead or _done(waiting[0])):
                if not batch:
                    started = time.monotonic()
                batch.append(self._settle(waiting.popleft()))
                if len(batch) >= self.batch_size or time.monotonic() - started > BATCH_SECONDS:
                    yield from self._write(batch)
                    batch = []
        while waiting:
            batch.append(self._settle(waiting.popleft()))
            if len(batch) >= self.batch_size:
                yield from self._write(batch)
                batch = []
        if batch:
            yield from self._write(batch)

    def report(self, results: list[FileResult]) -> None:
        """Pass results that saved no article (unused files, failures) to on_batch; commit."""
        if results and self.on_batch:
            with ArticleWriter(minor=self.minor):
                self.on_batch(results)

    def attach(self, images: dict[str, bytes]) -> list[Attached]:
        """Attach images no document used to the articles referencing them; commit.

        One transaction, retried when a concurrent writer spoils it; on_batch hears the
        results inside it, so a job's report and the articles are saved together.
        """
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with ArticleWriter(minor=self.minor) as writer:
                    owner = self.actor.owner if self.actor else None
                    attached = attach_images(writer, images, owner=owner)
                    if self.on_batch:
                        self.on_batch([attached_result(item) for item in attached])
                return attached
            except RETRYABLE:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _stage(self, entry: Refusal | Document) -> _Staged:
        """Parse a document's front matter and find its article; start rendering in a pool.

        It is rendered against the images its article has now; when its batch is written,
        _write_one checks that still holds (an earlier document may have changed them).
        Without a pool it is rendered by _settle, before its batch's transaction opens, so
        the database is never held while Markdown and math are worked on.
        """
        if isinstance(entry, Refusal):
            return _Staged(entry, result=FileResult(entry.name, REJECTED, reason=entry.reason))
        try:
            source = parse_source(entry.text, filename=entry.filename, timezone=self._timezone)
        except (FrontMatterError, MetadataError, TooLongError) as error:
            return _Staged(entry, result=_rejected(entry.name, error))
        if entry.folder is not None:
            source = replace(source, folder=entry.folder)
        staged = _Staged(entry, source)
        if self.fetch is not None:
            staged.plan = self.fetch.plan(source.text)
        owner = self.actor.owner if self.actor else None
        article = find_article(source, entry.filename, self.touched, owner).article
        if is_unchanged(article, source):
            return staged  # nothing to render, unless an earlier document changes that
        handle = entry.handle()
        pooled = self.pool is not None and entry.load is None and handle is not None
        files = handle if pooled else entry.files
        notes = note_links(source.body, entry.files, entry.path, entry.beside)
        staged.task = Task(
            source,
            linked_images(article),
            self._prefix,
            files,
            entry.path,
            entry.load,
            notes,
            fetch=staged.plan,
        )
        if pooled:
            staged.rendering = self.pool.submit(staged.task)
        return staged

    def _settle(self, staged: _Staged) -> _Staged:
        """Have a document rendered before its batch's transaction begins.

        In a pool, wait for it (a pool process that died is replaced once); else render it
        here, so the database is never held while Markdown and math are worked on.
        """
        if staged.task is None:
            return staged
        try:
            if staged.rendering is None:
                staged.ready = prepare(staged.task)
            else:
                staged.ready = staged.rendering.result()
        except RenderTooSlow as error:
            staged.result = FileResult(staged.entry.name, REJECTED, reason=str(error))
        except BrokenProcessPool:
            self.pool.restart()
            try:
                staged.ready = self.pool.submit(staged.task).result()
            except RenderTooSlow as error:
                staged.result = FileResult(staged.entry.name, REJECTED, reason=str(error))
            except BrokenProcessPool:
                self.pool.restart()
                staged.result = FileResult(
                    staged.entry.name,
                    REJECTED,
                    reason=RENDERER_STOPPED,
                )
        return staged

    def _write(self, batch: list[_Staged]) -> list[FileResult]:
        """Write a batch in one transaction; on failure, its documents one at a time."""
        touched = set(self.touched)  # kept only if the batch commits
        try:
            with ArticleWriter(minor=self.minor) as writer:
                results = [self._write_one(writer, staged, touched) for staged in batch]
                if self.on_batch:
                    self.on_batch(results)
            self._note_loaded(batch)
            self.touched = touched
            return results
        except (Exception, RenderTooSlow) as error:
            if not isinstance(error, RETRYABLE):
                current_app.logger.warning("a batch failed (%s); writing it file by file", error)
        return [self._write_alone(staged) for staged in batch]

    def _write_alone(self, staged: _Staged) -> FileResult:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                touched = set(self.touched)
                with ArticleWriter(minor=self.minor) as writer:
                    result = self._write_one(writer, staged, touched)
                    if self.on_batch:
                        self.on_batch([result])
                self._note_loaded([staged])
                self.touched = touched
                return result
            except RETRYABLE:
                if attempt < ATTEMPTS:
                    continue
                current_app.logger.exception("could not publish %s", staged.entry.name)
            except RenderTooSlow as error:
                # Refused for what it is, not for a fault of the server.
                result = FileResult(staged.entry.name, REJECTED, reason=str(error))
                self.report([result])
                return result
            except Exception:
                # One document failing (a database error, a bug) must not stop the others.
                current_app.logger.exception("could not publish %s", staged.entry.name)
            break
        result = FileResult(staged.entry.name, REJECTED, reason=SERVER_ERROR)
        self.report([result])
        return result

    def _write_one(self, writer: ArticleWriter, staged: _Staged, touched: set[int]) -> FileResult:
        if staged.result is not None:
            self._settle_downloads(staged, 0)
            return staged.result
        entry = staged.entry
        try:
            published = publish_source(
                writer,
                staged.source,
                entry.filename,
                ready=staged.ready,
                files=entry.files,
                path=entry.path,
                load=entry.load,
                beside=entry.beside,
                site=entry.site,
                fetch=staged.plan,
                skip=touched,
                bundled=entry.bundled,
                actor=self.actor,
            )
        except AuthorRefused as error:
            # Found before anything of it was written: the batch goes on without it.
            self._settle_downloads(staged, 0)
            return FileResult(entry.name, REJECTED, reason=str(error))
        except RenderTooSlow as error:
            # Raised while it rendered, before anything of it was written: the batch goes
            # on (written again one by one, it would be rendered, and refused, once more).
            self._settle_downloads(staged, 0)
            return FileResult(entry.name, REJECTED, reason=str(error))
        touched.add(published.article.id)
        staged.loaded = published.loaded
        rendered_ahead = staged.ready.downloads if staged.ready else 0
        self._settle_downloads(staged, max(published.downloads, rendered_ahead))
        return _result(entry.name, published)

    def _settle_downloads(self, staged: _Staged, used: int) -> None:
        """Give the upload back what a document's share of downloads did not use, once.

        Written again after a failed batch, the document downloads nothing more.
        """
        if self.fetch is not None and staged.plan is not None:
            self.fetch.settle(staged.plan, used)
            staged.plan = None

    def _note_loaded(self, batch: list[_Staged]) -> None:
        for staged in batch:
            self.loaded |= staged.loaded


def _done(staged: _Staged) -> bool:
    return staged.rendering is None or staged.rendering.done()


def _rejected(name: str, error: Exception) -> FileResult:
    if isinstance(error, MetadataError):
        reason = N_("front matter: %(error)s") % {"error": error}
        return FileResult(name, REJECTED, reason=reason)
    return FileResult(name, REJECTED, reason=str(error))


def _result(name: str, published: PublishResult) -> FileResult:
    article = published.article
    return FileResult(
        name,
        published.outcome,
        slug=article.slug,
        title=article.title,
        # A published article dated later is reported as scheduled: it has no page yet.
        status=SCHEDULED if article.is_scheduled else article.status,
        warnings=list(published.warnings),
        images=list(published.remote_notes),
    )


def attached_result(attached: Attached) -> FileResult:
    """Return an image's line in the report: what it changed, or why it was refused."""
    if attached.changed:
        return FileResult(attached.name, UPDATED, reason=attached.describe())
    if attached.found:
        return FileResult(attached.name, UNCHANGED, reason=attached.describe())
    return FileResult(attached.name, REJECTED, reason=NOT_USED)
