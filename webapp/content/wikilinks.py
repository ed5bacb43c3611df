"""Obsidian's [[wikilinks]]: links to other notes by name, made into links to their articles.

The Markdown side is an inline pattern, so links inside code spans, code blocks and math
(protected before Markdown runs) stay literal. Where a note's article lives is not known
here: the caller passes a resolver from the note's name to an address, and a link it
cannot resolve shows as plain text and is recorded, for the upload report.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from pathlib import PurePosixPath

from markdown import Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

# [[Note]], [[Note|text]], [[Note#Heading]], [[Note#Heading|text]], [[#Heading]]; not
# ![[Note]], an embed (images are _EmbedProcessor's, a note transclusion stays text).
WIKILINK_PATTERN = (
    r"(?<!!)\[\[(?P<target>[^\[\]|#\n]*)(?:#(?P<heading>[^\[\]|\n]*))?"
    r"(?:\|(?P<alias>[^\[\]\n]*))?\]\]"
)
_WIKILINK = re.compile(WIKILINK_PATTERN)
# Suffixes a note's file may carry, which a link may write or leave out.
NOTE_SUFFIXES = (".md", ".markdown", ".txt")

# Maps a note's name as written ("Note", "folder/Note") to its address, or None.
LinkResolver = Callable[[str], "str | None"]


def note_key(name: str) -> str:
    """Return the form note names are compared in: no .md suffix, no case, single spaces."""
    name = " ".join(name.replace("\\", "/").split())
    for suffix in NOTE_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.strip().strip("/").casefold()


def note_stem(name: str) -> str:
    """Return a note name without its folders: "folder/Note.md" -> "Note"."""
    return PurePosixPath(note_key(name)).name if note_key(name) else ""


def link_parts(inner: str) -> tuple[str, str | None, str | None]:
    """Split what lies between a wikilink's brackets into (target, heading, alias)."""
    match = _WIKILINK.fullmatch(f"[[{inner}]]")
    if match is None:
        return inner, None, None
    return match.group("target"), match.group("heading"), match.group("alias")


def link_targets(text: str) -> list[str]:
    """Return the note names [[links]] in a Markdown text point at, each once, in order.

    A plain scan: a link inside code counts too, which only costs a look-up.
    """
    seen: dict[str, None] = {}
    for match in _WIKILINK.finditer(text):
        target = match.group("target").strip()
        if target:
            seen.setdefault(target, None)
    return list(seen)


class WikilinkProcessor(InlineProcessor):
    """Turn [[Note#Heading|text]] into a link, or into its text when the note is unknown."""

    def __init__(self, md: Markdown, state, slugify: Callable[[str, str], str]) -> None:
        super().__init__(WIKILINK_PATTERN, md)
        # state.resolve_link (a LinkResolver or None) and state.unresolved (a list of the
        # links as written) belong to the document being converted.
        self.state = state
        self.slugify = slugify

    def handleMatch(self, match: re.Match[str], data: str):  # noqa: N802 - Markdown's API
        target = match.group("target").strip()
        heading = (match.group("heading") or "").strip()
        alias = (match.group("alias") or "").strip()
        if not target and not heading:
            return None, None, None  # "[[]]" or "[[|x]]" is not a link
        fragment = f"#{self.slugify(heading, '-')}" if heading else ""
        if alias:
            label = alias
        elif target and heading:
            label = f"{target} > {heading}"
        else:
            label = target or heading
        address = ""
        if target:
            resolve = self.state.resolve_link
            address = resolve(target) if resolve is not None else None
            if address is None:
                written = match.group(0)
                if written not in self.state.unresolved:
                    self.state.unresolved.append(written)
                return AtomicString(label), match.start(0), match.end(0)
        link = etree.Element("a", {"href": address + fragment, "class": "wikilink"})
        link.text = AtomicString(label)
        return link, match.start(0), match.end(0)
