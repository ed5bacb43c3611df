"""Where a document's [[wikilinks]] point, worked out before it is rendered (maybe in a pool).

A note is found among the articles already on the site (by the file it was uploaded as,
then by title) and among the documents of the same upload: a zip's or folder's files, or
the Markdown files picked together. An article that exists is linked at its page; a note
of this upload, whose slug is fixed only when it is written, at /_notes/<name>, which
redirects to it from then on. Links to notes found nowhere are left out: the document
shows their text alone, and the report lists them.
"""

from __future__ import annotations

import re
import weakref
from pathlib import PurePosixPath

from ...content.encoding import DecodeError, decode_text
from ...content.frontmatter import FrontMatterError, split_front_matter
from ...content.messages import N_
from ...content.wikilinks import NOTE_SUFFIXES, link_targets, note_key
from ...models import PUBLISHED
from ..bundle import EntryError, FileSet
from ..notes import article_address, find_articles, note_address

_FIRST_HEADING = re.compile(r"\A\s*# +(?P<title>[^\n]+?)\s*#*\s*(\n|\Z)")
# Per file set: its documents' names, and their titles once a link needed them.
_bundles: weakref.WeakKeyDictionary[FileSet, _BundleNotes] = weakref.WeakKeyDictionary()


def note_name(path: str) -> str:
    """Return the name a document is linked by: its file name without .md (Hugo's index.md
    is its folder's name, like the article it makes)."""
    pure = PurePosixPath(path)
    if pure.stem.lower() in ("index", "_index") and pure.parent.name:
        return pure.parent.name
    return pure.stem


class _BundleNotes:
    """The notes of one upload: by path and by name, and by title when asked."""

    def __init__(self, files: FileSet | None, beside: tuple[str, ...]) -> None:
        self.files = files
        documents = [p for p in (files.paths if files else []) if p.lower().endswith(NOTE_SUFFIXES)]
        self.documents = documents
        self.names: dict[str, str] = {}
        for path in [*documents, *beside]:
            name = note_name(path)
            self.names.setdefault(note_key(path), name)
            self.names.setdefault(note_key(name), name)
        self._titles: dict[str, str] | None = None

    def by_name(self, key: str) -> str | None:
        """Return the name of the upload's note `key` means (a name or a folder/name)."""
        return self.names.get(key) or self.names.get(key.rsplit("/", 1)[-1])

    def by_title(self, key: str) -> str | None:
        """Return the title of the upload's note whose title is `key`, reading titles once."""
        if self._titles is None:
            self._titles = {}
            for path in self.documents:
                title = _title_of(self.files, path)
                if title:
                    self._titles.setdefault(note_key(title), title)
        return self._titles.get(key)


def _title_of(files: FileSet, path: str) -> str | None:
    """Return a document's title as publishing reads it (front matter, first heading)."""
    try:
        document = split_front_matter(decode_text(files.read(path)))
    except (EntryError, DecodeError, FrontMatterError):
        return None
    title = document.meta.get("title") if isinstance(document.meta, dict) else None
    if isinstance(title, str) and title.strip():
        return title.strip()
    heading = _FIRST_HEADING.match(document.body)
    return heading.group("title").strip() if heading else None


def _bundle(files: FileSet | None, beside: tuple[str, ...]) -> _BundleNotes:
    if files is None or beside:
        return _BundleNotes(files, beside)
    notes = _bundles.get(files)
    if notes is None:
        notes = _bundles[files] = _BundleNotes(files, ())
    return notes


def note_links(
    body: str,
    files: FileSet | None = None,
    path: str | None = None,
    beside: tuple[str, ...] = (),
) -> dict[str, str]:
    """Return the address of each note a document's [[links]] name, by the name as written.

    `files` and `path` are the upload's files and the document's place among them; `beside`
    the paths of other documents uploaded with it outside those files.
    """
    targets = link_targets(body)
    if not targets:
        return {}
    existing = find_articles(targets)
    bundle = _bundle(files, beside)
    own = note_name(path) if path else None
    addresses: dict[str, str] = {}
    for target in targets:
        key = note_key(target)
        article = existing.get(key)
        if article is not None and article.status == PUBLISHED and not article.is_scheduled:
            addresses[target] = article_address(article)
            continue
        name = bundle.by_name(key) or (own if own and note_key(own) == key else None)
        if name is None and article is not None:
            # A draft: its address works once it is published.
            name = note_name(article.source_filename or "") or article.title
        if name is None:
            name = bundle.by_title(key)
        if name is not None:
            addresses[target] = note_address(name)
    return addresses


def unresolved_warning(links: list[str]) -> list[str]:
    """Return the report's line naming links to notes that were not found, if any."""
    if not links:
        return []
    return [N_("links to notes not found: %(links)s") % {"links": ", ".join(links)}]
