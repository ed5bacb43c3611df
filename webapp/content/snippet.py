"""Search result snippets: a short window of an article around its first match, matches marked.

Matching here uses the tokens of searchtext, so a snippet marks exactly what the database
matched: ``use_rmpad`` for the query use_rmpad, 梯度检查点 across a line break. The result
is plain (text, is_match) parts; the template escapes them and adds the <mark> elements.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

from .excerpt import HEADING_STOP, TABLE_CLOSE, TABLE_OPEN, snippet_placeholders
from .searchtext import FOLD, MAX_TOKEN_CHARS, SearchFields, Term

# Display columns of a snippet: about 130 Latin characters or 65 Chinese ones (two lines
# of a card either way), of which up to LEAD come before the first match.
WIDTH = 130
LEAD = 30
# Enough marks for any window; bounds the work on a pathological text.
MAX_MARKS = 200
_BLOCK = 512
_OPENING = 2000

Parts = list[tuple[str, bool]]


class Snippet(NamedTuple):
    """A snippet to show on a result card: its parts and the field it comes from."""

    parts: Parts
    field: str  # "prose", "code" or "math"


class _Located:
    """A short text with its prepared form, to find terms and map them back to characters."""

    def __init__(self, text: str) -> None:
        self.text = text
        pieces = list(map(FOLD.__getitem__, map(ord, text)))
        self.ends = list(accumulate(map(len, pieces)))  # ends[i]: where char i's piece ends
        self.mapped = "".join(pieces)

    def find(self, term: Term, begin: int = 0) -> tuple[int, int] | None:
        """Return the characters of the term's first occurrence starting at or after `begin`."""
        position = self.ends[begin - 1] if 0 < begin <= len(self.ends) else 0
        match = _pattern(term).search(self.mapped, position)
        if match is None:
            return None
        start = bisect_right(self.ends, match.start())
        return start, bisect_right(self.ends, match.end() - 1) + 1


def _chars_at(text: str, first: int, last: int) -> tuple[int, int]:
    """Return the indexes of the characters whose prepared pieces hold positions first, last.

    Whole blocks are measured with str.translate (C speed); only the blocks holding the
    positions are walked character by character, so a match deep in an article stays cheap.
    """
    found: list[int] = []
    consumed = index = 0
    for wanted in (first, last):
        while index < len(text):
            size = len(text[index : index + _BLOCK].translate(FOLD))
            if consumed + size > wanted:
                break
            consumed += size
            index += _BLOCK
        # Walk the block from its start; `consumed` is the prepared length before it.
        at, before = index, consumed
        for char in text[index : index + _BLOCK]:
            before += len(FOLD[ord(char)])
            if before > wanted:
                break
            at += 1
        found.append(min(at, len(text)))
    return found[0], found[1]


@lru_cache(maxsize=256)
def _pattern(term: Term) -> re.Pattern[str]:
    """Return a regex finding a term's tokens in prepared text, whole tokens only."""
    # A token cut at MAX_TOKEN_CHARS stands for every longer token it begins.
    pieces = [
        re.escape(token) + (r"\S*" if len(token) == MAX_TOKEN_CHARS else "")
        for token in term.tokens
    ]
    first = term.tokens[0]
    if len(first) < MAX_TOKEN_CHARS:
        # The literal first, then "no token character before it" as a fixed-width
        # lookbehind: the regex engine can then skip ahead to the literal (40x faster
        # than a leading lookbehind on a long article).
        pieces[0] += rf"(?<!\S.{{{len(first)}}})"
    else:
        pieces[0] = r"(?<!\S)" + pieces[0]
    return re.compile(r"\s+".join(pieces) + r"(?!\S)", re.DOTALL)


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _in_word(char: str) -> bool:
    """Tell whether a character is part of a space-separated word (not CJK)."""
    return char.isalnum() and _width(char) == 1


def _window(text: str, start: int, stop: int) -> tuple[int, int]:
    """Return the window shown around a match: some lead, then up to WIDTH columns."""
    begin, used = start, 0
    while begin > 0 and used + _width(text[begin - 1]) <= LEAD:
        begin -= 1
        used += _width(text[begin])
    if begin > 0 and _in_word(text[begin - 1]):
        while begin < start and _in_word(text[begin]):
            begin += 1  # do not start in the middle of a word
    end, used = begin, 0
    while end < len(text) and (end < stop or used + _width(text[end]) <= WIDTH):
        used += _width(text[end])
        end += 1
    if end < len(text) and _in_word(text[end]):
        cut = end
        while cut > stop and _in_word(text[cut - 1]):
            cut -= 1
        if cut > stop:
            end = cut  # do not end in the middle of a word
    return begin, end


def _marks(located: _Located, terms: list[Term], begin: int, end: int) -> list[tuple[int, int]]:
    """Return the merged character spans of every occurrence of any term in [begin, end)."""
    spans: list[tuple[int, int]] = []
    for term in terms:
        found = located.find(term, begin)
        while found is not None and len(spans) < MAX_MARKS:
            left, right = found
            if left >= end:
                break
            spans.append((left, min(right, end)))
            found = located.find(term, left + 1)
    merged: list[tuple[int, int]] = []
    for left, right in sorted(spans):
        if merged and left <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], right))
        else:
            merged.append((left, right))
    return merged


def _parts(text: str, spans: list[tuple[int, int]], begin: int, end: int) -> Parts:
    parts: Parts = []
    at = begin
    for left, right in spans:
        if left > at:
            parts.append((text[at:left], False))
        parts.append((text[left:right], True))
        at = right
    if at < end:
        parts.append((text[at:end], False))
    return parts


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def mark(text: str, terms: list[Term]) -> Parts | None:
    """Return a short text (a title) as parts with every match marked, or None if none."""
    located = _Located(_clean(text))
    spans = _marks(located, terms, 0, len(located.text))
    return _parts(located.text, spans, 0, len(located.text)) if spans else None


def _cut_between_tokens(text: str, at: int) -> int:
    """Return a position at or before `at` that does not fall inside a token."""
    while 0 < at < len(text):
        before, after = FOLD[ord(text[at - 1])], FOLD[ord(text[at])]
        if (before and before[-1] == " ") or (after and after[0] == " "):
            break  # an invisible character (empty piece) may sit inside a token: move on
        at -= 1
    return at


def _first_match(text: str, terms: list[Term]) -> tuple[int, int] | None:
    """Return the characters of the earliest occurrence of any term, or None.

    The opening of the text is tried first: most articles match early, and preparing a
    few thousand characters costs a tenth of a long article.
    """
    for limit in (_OPENING, None):
        head = (
            text
            if limit is None or limit >= len(text)
            else text[: _cut_between_tokens(text, limit)]
        )
        mapped = head.translate(FOLD)
        found = [match for term in terms if (match := _pattern(term).search(mapped))]
        if found:
            first = min(found, key=lambda match: match.start())
            start, last = _chars_at(head, first.start(), first.end() - 1)
            return start, last + 1
        if head is text:
            return None
    return None


def _tables(text: str) -> list[tuple[int, int]]:
    """Return the (open, close) mark positions of the outermost tables in search prose."""
    spans: list[tuple[int, int]] = []
    depth, opened = 0, 0
    at = text.find(TABLE_OPEN)
    while at != -1:
        char = text[at]
        if char == TABLE_OPEN:
            depth += 1
            if depth == 1:
                opened = at
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((opened, at))
        at = _next_table_mark(text, at + 1)
    if depth:
        spans.append((opened, len(text)))  # a cut-off text: the table runs to the end
    return spans


def _next_table_mark(text: str, begin: int) -> int:
    opening, closing = text.find(TABLE_OPEN, begin), text.find(TABLE_CLOSE, begin)
    if opening == -1 or closing == -1:
        return max(opening, closing)
    return min(opening, closing)


def _around_tables(text: str, start: int, stop: int) -> tuple[str, int, int, bool]:
    """Return (text, start, stop, in_table): what a prose snippet shows around a match.

    A match inside a table shows that table's words alone, after the table placeholder;
    otherwise each table collapses to its opening mark, which shows as the placeholder.
    """
    spans = _tables(text)
    for opened, closed in spans:
        if opened < start < closed:
            inner = text[opened + 1 : closed]
            inner = inner.replace(TABLE_OPEN, " ").replace(TABLE_CLOSE, " ")
            return inner, start - opened - 1, stop - opened - 1, True
    kept: list[str] = []
    shift, at = 0, 0
    for opened, closed in spans:
        kept.append(text[at : opened + 1])
        if closed < start:
            shift += closed - opened
        at = closed + 1
    kept.append(text[at:])
    return "".join(kept), start - shift, stop - shift, False


def _show_marks(parts: Parts, chinese: bool) -> Parts:
    """Replace the search prose's marks in snippet parts by the article's placeholders."""
    shown = snippet_placeholders(chinese)
    table, stop = shown[TABLE_OPEN], shown[HEADING_STOP]
    out: Parts = []
    for text, is_match in parts:
        if chinese:
            text = text.replace(HEADING_STOP + " ", stop)  # no space after a Chinese 。
        text = text.replace(HEADING_STOP, stop).replace(TABLE_OPEN, f" {table} ")
        out.append((text.replace(TABLE_CLOSE, " ").replace("  ", " "), is_match))
    return out


def make_snippet(
    fields: SearchFields,
    terms: list[Term],
    where: Iterable[str] = ("prose", "code", "math"),
    chinese: bool = False,
) -> Snippet | None:
    """Return the snippet of the first body field with a match (prose, code, math), or None.

    In prose, tables and heading ends show as the placeholders of the article's language.
    """
    for field in where:
        text = _clean(getattr(fields, field))
        span = _first_match(text, terms)
        if span is None:
            continue
        start, stop = span
        in_table = False
        if field == "prose":
            text, start, stop, in_table = _around_tables(text, start, stop)
        begin, end = _window(text, start, stop)
        while begin < end and text[begin] == " ":
            begin += 1
        while end > begin and text[end - 1] == " ":
            end -= 1
        # Marks are found in the window alone: a short text, walked character by character.
        window = _Located(text[begin:end])
        parts = _parts(window.text, _marks(window, terms, 0, end - begin), 0, end - begin)
        if begin > 0:
            parts.insert(0, ("…", False))
        if in_table:
            parts.insert(0, (TABLE_OPEN, False))
        if end < len(text):
            parts.append(("…", False))
        if field == "prose":
            parts = [(text, is_match) for text, is_match in _show_marks(parts, chinese) if text]
            parts = _trim(parts)
        return Snippet(parts, field)
    return None


def _trim(parts: Parts) -> Parts:
    """Strip the spaces a placeholder left at either end of a snippet."""
    if parts and not parts[0][1]:
        parts[0] = (parts[0][0].lstrip(), False)
    if parts and not parts[-1][1]:
        parts[-1] = (parts[-1][0].rstrip(), False)
    return [part for part in parts if part[0]]
