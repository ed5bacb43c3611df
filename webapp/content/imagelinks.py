"""Where a Markdown source names its images and notes, so an export can point them at files.

Pure: finds the exact character span of each image path as written (Markdown images and
their reference definitions, <img src>, Obsidian's ![[embed]]) and of each [[wikilink]],
outside code and front matter, and rewrites chosen spans leaving every other character
as it was.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from .frontmatter import FENCES
from .wikilinks import WIKILINK_PATTERN

MARKDOWN = "markdown"  # ![alt](path "title") and [label]: path
HTML = "html"  # <img src="path">
EMBED = "embed"  # Obsidian's ![[path|300]]
NOTE = "note"  # Obsidian's [[Note#Heading|text]]: the span is what lies between the brackets

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "bmp")

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# A code span ends in its paragraph: it never runs over a blank line.
_CODE_SPAN = re.compile(r"(`+)(?:[^\n]|\n(?![ \t]*\n))*?(?<!`)\1(?!`)")
# ![alt](destination …: the alt may hold one level of brackets; the destination is either
# <…> or a run without spaces in which parentheses balance one level deep.
_INLINE_IMAGE = re.compile(
    r"!\[(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*\]\([ \t]*\n?[ \t]*"
    r"(?P<dest><[^<>\n]*>|(?:[^\s()\\]|\\.|\([^\s()]*\))+)"
)
_DEFINITION = re.compile(
    r"^ {0,3}\[(?P<label>[^\]\n^][^\]\n]*)\]:[ \t]*(?P<dest><[^<>\n]*>|\S+)", re.MULTILINE
)
# ![alt][label], ![label][] and ![label]: images whose path is in a definition.
_REFERENCE_IMAGE = re.compile(r"!\[(?P<alt>[^\[\]\n]*)\](?:\[(?P<label>[^\[\]\n]*)\])?(?![(\[])")
_IMG_TAG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_SRC_ATTR = re.compile(
    r"""\ssrc\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))""", re.IGNORECASE
)
_EMBED = re.compile(
    r"!\[\[(?P<dest>[^\[\]|#^\n]+?\.(?i:" + "|".join(IMAGE_EXTENSIONS) + r"))"
    r"(?:#[^\[\]|\n]*)?(?:\|[^\[\]\n]*)?\]\]"
)
_WIKILINK = re.compile(WIKILINK_PATTERN)
# Characters kept in an exported file name: letters and digits of any script, . _ -
_UNSAFE_NAME = re.compile(r"[^\w.\-]+")
_WINDOWS_RESERVED = re.compile(r"(?i)(con|prn|aux|nul|com\d|lpt\d)(\..*)?")
MAX_NAME = 100


@dataclass(frozen=True)
class ImageLink:
    """One image path in a source: its span, the path as written, and the syntax around it."""

    start: int
    end: int
    kind: str
    written: str  # the characters in the span

    @property
    def path(self) -> str:
        """Return the path the syntax means: without <>, HTML entities decoded."""
        if self.kind == HTML:
            return html.unescape(self.written)
        if self.kind == MARKDOWN and self.written.startswith("<"):
            return self.written[1:-1]
        return self.written


def body_start(text: str) -> int:
    """Return where the body begins: after a closed front matter block, else 0."""
    lines = text.split("\n")
    closers = FENCES.get(lines[0].rstrip())
    if not closers:
        return 0
    offset = len(lines[0]) + 1
    for line in lines[1:]:
        if line.rstrip() in closers:
            return offset + len(line) + 1
        offset += len(line) + 1
    return 0


def _code_spans(text: str, start: int) -> list[tuple[int, int]]:
    """Return the spans of fenced code blocks and inline code: their paths are examples."""
    spans = []
    offset = start
    fence: str | None = None
    fence_start = 0
    for line in text[start:].split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            fence, fence_start = match.group(1), offset
        elif fence is not None and match and _closes(fence, match.group(1), line[match.end() :]):
            spans.append((fence_start, offset + len(line)))
            fence = None
        offset += len(line) + 1
    if fence is not None:
        spans.append((fence_start, len(text)))
    outside = _outside(text, start, spans)
    for begin, end in outside:
        for match in _CODE_SPAN.finditer(text, begin, end):
            spans.append(match.span())
    return sorted(spans)


def _closes(fence: str, marks: str, rest: str) -> bool:
    """Tell whether a fence line closes the open block: same character, as long, nothing after."""
    return marks[0] == fence[0] and len(marks) >= len(fence) and not rest.strip()


def _outside(text: str, start: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the stretches of text[start:] between the given spans."""
    stretches, position = [], start
    for begin, end in sorted(spans):
        if begin > position:
            stretches.append((position, begin))
        position = max(position, end)
    if position < len(text):
        stretches.append((position, len(text)))
    return stretches


def image_links(text: str) -> list[ImageLink]:
    """Return every image path written in the body, outside code, in order."""
    start = body_start(text)
    links: list[ImageLink] = []
    stretches = _outside(text, start, _code_spans(text, start))
    labels = {
        _label(match.group("label") or match.group("alt"))
        for begin, end in stretches
        for match in _REFERENCE_IMAGE.finditer(text, begin, end)
    }
    for begin, end in stretches:
        for match in _INLINE_IMAGE.finditer(text, begin, end):
            links.append(_link(match, "dest", MARKDOWN))
        for match in _DEFINITION.finditer(text, begin, end):
            if _label(match.group("label")) in labels:
                links.append(_link(match, "dest", MARKDOWN))
        for match in _EMBED.finditer(text, begin, end):
            links.append(_link(match, "dest", EMBED))
        for tag in _IMG_TAG.finditer(text, begin, end):
            src = _SRC_ATTR.search(tag.group(0))
            if src:
                group = next(name for name in ("dq", "sq", "bare") if src.group(name) is not None)
                a, b = src.span(group)
                links.append(ImageLink(tag.start() + a, tag.start() + b, HTML, src.group(group)))
    links.sort(key=lambda link: link.start)
    # A definition's or tag's span never lies inside another; an image inside an <img>'s
    # attribute text would, and the outer one wins.
    kept: list[ImageLink] = []
    for link in links:
        if not kept or link.start >= kept[-1].end:
            kept.append(link)
    return kept


def note_links(text: str) -> list[ImageLink]:
    """Return every [[wikilink]] in the body, outside code, as the span inside its brackets."""
    start = body_start(text)
    links = []
    for begin, end in _outside(text, start, _code_spans(text, start)):
        for match in _WIKILINK.finditer(text, begin, end):
            links.append(ImageLink(match.start() + 2, match.end() - 2, NOTE, match.group()[2:-2]))
    return links


def _label(label: str) -> str:
    """Return a reference label as Markdown matches it: case and spacing ignored."""
    return " ".join(label.split()).casefold()


def _link(match: re.Match[str], group: str, kind: str) -> ImageLink:
    return ImageLink(match.start(group), match.end(group), kind, match.group(group))


def rewrite(text: str, changes: list[tuple[ImageLink, str]]) -> tuple[str, list[list]]:
    """Put each new path in its link's span; return the text and how to undo it.

    The undo list holds [start, length, original] per change, positions in the new text,
    in order: applying them from the last to the first gives the original text back.
    """
    parts: list[str] = []
    undo: list[list] = []
    position = 0
    shift = 0
    for link, new in sorted(changes, key=lambda change: change[0].start):
        parts.append(text[position : link.start])
        parts.append(new)
        undo.append([link.start + shift, len(new), link.written])
        shift += len(new) - (link.end - link.start)
        position = link.end
    parts.append(text[position:])
    return "".join(parts), undo


def undo_rewrite(text: str, undo: list[list]) -> str:
    """Return the text a rewrite() started from, given its undo list."""
    for start, length, original in reversed(undo):
        text = text[:start] + original + text[start + length :]
    return text


def safe_name(name: str, extension: str | None = None) -> str:
    """Return a file name that every system and Markdown editor takes as it is.

    Letters of any script, digits, '.', '_' and '-' stay; anything else becomes '-'. A
    name without an image extension gets `extension` (the image's real type), so that
    editors that judge files by their name show it.
    """
    name = unicodedata.normalize("NFC", PurePosixPath(name.replace("\\", "/")).name)
    name = _UNSAFE_NAME.sub("-", name).strip(".-") or "image"
    stem, dot, suffix = name.rpartition(".")
    if not dot or suffix.lower() not in IMAGE_EXTENSIONS:
        if extension:
            stem, suffix = name, extension
        else:
            stem, suffix = (stem, suffix) if dot else (name, "")
    stem = stem[: MAX_NAME - len(suffix) - 1].rstrip(".-") or "image"
    if _WINDOWS_RESERVED.fullmatch(stem):
        stem = f"_{stem}"
    return f"{stem}.{suffix}" if suffix else stem
