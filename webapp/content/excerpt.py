"""Plain text and card excerpts from an article's rendered, sanitised HTML.

One walk over the HTML (htmlwalk.walk_html) turns it into a sequence of segments: text,
block breaks, and the things an excerpt shows as placeholders (code blocks, formulas,
inline math, images). ``plain_text`` and ``excerpt_of`` both normalise that sequence, the
first leaving the placeholders out and the second spelling them per language;
``body_text`` and ``make_excerpt`` do the same starting from HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from .htmlwalk import (
    BREAK,
    CODE,
    DIAGRAM,
    FORMULA,
    HEADING_END,
    IMAGE,
    MATH,
    TABLE_END,
    TABLE_START,
    TEXT,
    Segment,
    walk_html,
)
from .language import CJK_IDEOGRAPHS, is_chinese

__all__ = [
    "BREAK", "CODE", "DIAGRAM", "ELLIPSIS", "EXCERPT_LENGTH", "FORMULA", "HEADING_STOP", "IMAGE",
    "MATH", "TABLE", "TABLE_CLOSE", "TABLE_OPEN", "TEXT",
    "Segment", "body_text", "excerpt_of", "make_excerpt", "plain_text", "search_prose",
    "snippet_placeholders",
]  # fmt: skip

EXCERPT_LENGTH = 350
ELLIPSIS = "..."
# A whole table in an excerpt (its cells flattened into a run of words read as noise).
TABLE = "table"

# Marks in the search prose (search_prose): private-use characters, which search tokens
# read as spaces, so matching never sees them; snippets show them as placeholders.
TABLE_OPEN, TABLE_CLOSE, HEADING_STOP = "\ue000", "\ue001", "\ue002"
_SEARCH_MARKS = {TABLE_START: TABLE_OPEN, TABLE_END: TABLE_CLOSE, HEADING_END: HEADING_STOP}

# (Chinese, other languages); inline math reads the same in both on purpose.
_PLACEHOLDERS = {
    CODE: ("[代码]", "[Code]"),
    DIAGRAM: ("[图表]", "[Diagram]"),
    FORMULA: ("[公式]", "[Formula]"),
    MATH: ("[Math]", "[Math]"),
    TABLE: ("[表格]", "[Table]"),
    HEADING_END: ("。", "."),
}
# A heading that already ends in punctuation needs no full stop after it.
_ENDS_SENTENCE = re.compile(r"[.!?:;。！？：；…]\s*$")

# Characters written without spaces between them (Han, kana, CJK and fullwidth
# punctuation); a hard-wrap newline between two of them is not a word boundary.
# Hangul is absent because Korean separates words with spaces.
_WIDE = re.compile(
    f"[{CJK_IDEOGRAPHS}\u3001-\u303f\u3040-\u30ff\u31f0-\u31ff\ufe30-\ufe4f"
    "\uff01-\uff60\uffe0-\uffe6]"
)
# Punctuation that Chinese input methods produce but English uses too (“”‘’—…·):
# it counts as wide only when the character on the other side of the newline is.
_SHARED = re.compile("[\u00b7\u2014\u2018\u2019\u201c\u201d\u2026]")
_NEWLINE = re.compile(r"\s*\n\s*")
_SPACES = re.compile(r"\s+")


def _join_cjk_lines(text: str) -> str:
    """Remove newlines (and the blanks around them) between two wide characters."""

    def join(match: re.Match[str]) -> str:
        before = text[match.start() - 1 : match.start()]
        after = text[match.end() : match.end() + 1]
        if before and after:
            wide_before, wide_after = _WIDE.match(before), _WIDE.match(after)
            if (wide_before and (wide_after or _SHARED.match(after))) or (
                wide_after and _SHARED.match(before)
            ):
                return ""
        return match.group()

    return _NEWLINE.sub(join, text)


def _runs(
    segments: Iterable[Segment], render: Callable[[Segment], str]
) -> Iterator[tuple[str, bool]]:
    """Yield (text, is_placeholder): text runs with CJK hard wraps joined, breaks as spaces."""
    buffer: list[str] = []
    for segment in segments:
        if segment.kind == TEXT:
            # Inline elements split text nodes; join them before looking at newlines.
            buffer.append(segment.text)
            continue
        if buffer:
            yield _join_cjk_lines("".join(buffer)), False
            buffer = []
        yield (" ", False) if segment.kind == BREAK else (render(segment), True)
    if buffer:
        yield _join_cjk_lines("".join(buffer)), False


def _pieces(
    segments: Iterable[Segment], render: Callable[[Segment], str]
) -> Iterator[tuple[str, bool]]:
    """Normalise segments into (text, is_placeholder) pieces with single spaces, stripped.

    Lazily, so an excerpt stops normalising once it has enough.
    """
    started = pending_space = after_wide_stop = False
    for text, atomic in _runs(segments, render):
        if not atomic:
            text = _SPACES.sub(" ", text)
            pending_space = pending_space or text.startswith(" ")
        core = text if atomic else text.strip(" ")
        if not core:
            continue
        if pending_space and started and not after_wide_stop:
            yield " ", False
        yield core, atomic
        started = True
        pending_space = not atomic and text.endswith(" ")
        # Chinese sets no space after its full stop.
        after_wide_stop = atomic and core == "。"


def _placeholder(segment: Segment, chinese: bool) -> str:
    """Return the excerpt text standing for a code block, diagram, formula, math or image."""
    if segment.kind == IMAGE:
        return f"[{segment.text}]"
    chinese_text, other_text = _PLACEHOLDERS[segment.kind]
    return chinese_text if chinese else other_text


def _stopped_headings(segments: Iterable[Segment]) -> Iterator[Segment]:
    """Yield segments with a heading's end kept only where the heading lacks a stop of its own.

    "Heading. Text", never "Heading Text" read as one sentence.
    """
    last_text = ""
    for segment in segments:
        kind = segment.kind
        if kind == HEADING_END:
            if last_text.strip() and not _ENDS_SENTENCE.search(last_text):
                yield segment
            last_text = ""
            continue
        if kind == TEXT:
            last_text = segment.text if segment.text.strip() else last_text
        elif kind != BREAK:
            last_text = ""
        yield segment


def _tables_as_one(segments: Iterable[Segment]) -> Iterator[Segment]:
    """Yield segments with each outermost table replaced by one TABLE segment."""
    depth = 0
    for segment in segments:
        if segment.kind == TABLE_START:
            if depth == 0:
                yield Segment(TABLE)
            depth += 1
        elif segment.kind == TABLE_END:
            depth = max(depth - 1, 0)
        elif not depth:
            yield segment


def _excerpt_segments(segments: Iterable[Segment]) -> Iterator[Segment]:
    """Yield segments as an excerpt reads them: a table as one placeholder, headings stopped."""
    return _stopped_headings(_tables_as_one(segments))


def plain_text(segments: Iterable[Segment]) -> str:
    """Return the plain text of walked segments: no code, math or images, blocks space-joined."""
    # Placeholders render as nothing here but still end the text run before them, so a
    # hard-wrap newline next to a removed formula or image becomes a space, not a join.
    return "".join(text for text, _ in _pieces(segments, lambda _: ""))


def search_prose(segments: Iterable[Segment]) -> str:
    """Return plain_text's text with each table's bounds and each heading's stop marked.

    Search matches the table's words (the marks are spaces to it); a snippet shows a table
    it does not match in as one placeholder, and a heading apart from the text after it.
    """
    return "".join(text for text, _ in _pieces(_stopped_headings(segments), _search_mark))


def _search_mark(segment: Segment) -> str:
    return _SEARCH_MARKS.get(segment.kind, "")


def snippet_placeholders(chinese: bool) -> dict[str, str]:
    """Return what a snippet shows for the search prose's table and heading marks."""
    table, heading_stop = (
        _PLACEHOLDERS[kind][0 if chinese else 1] for kind in (TABLE, HEADING_END)
    )
    return {TABLE_OPEN: table, HEADING_STOP: heading_stop}


def excerpt_of(segments: Iterable[Segment], lang: str, length: int = EXCERPT_LENGTH) -> str:
    """Return the excerpt of walked segments: at most `length` code points, "..." if cut."""
    if length < 1:
        raise ValueError("excerpt length must be positive")
    chinese = is_chinese(lang)
    kept: list[str] = []
    room = length
    pieces = _pieces(_excerpt_segments(segments), lambda segment: _placeholder(segment, chinese))
    for text, atomic in pieces:
        if len(text) <= room:
            kept.append(text)
            room -= len(text)
            continue
        # A placeholder is never cut: if it does not fit, the excerpt ends before it.
        if not atomic:
            kept.append(text[:room])
        return "".join(kept).rstrip() + ELLIPSIS
    return "".join(kept)


def body_text(html: str) -> str:
    """Return the article's plain text without code, math or images, blocks space-joined."""
    return plain_text(walk_html(html).segments)


def make_excerpt(html: str, lang: str, length: int = EXCERPT_LENGTH) -> str:
    """Return the card excerpt: at most `length` code points of text, then "..." if cut."""
    return excerpt_of(walk_html(html).segments, lang, length)
