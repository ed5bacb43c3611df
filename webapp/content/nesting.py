"""Cap how deep Markdown nests before Python-Markdown reads it: deep nesting is slow there.

Python-Markdown reads a nested blockquote or list level by level, each level reading the
lines again, and recursing: 400 list levels take 3 s and then hit Python's recursion limit,
and lines quoted hundreds deep cost as much. Real articles nest a few levels. Lines quoted
deeper than MAX_QUOTE_DEPTH keep MAX_QUOTE_DEPTH markers, and lines indented further than
MAX_INDENT columns (sixteen list levels) are indented MAX_INDENT: the excess levels are
flattened into the deepest one kept. Code is left as written. Each cap applied is reported.
"""

from __future__ import annotations

import bisect
import re

from .mathblocks import code_ranges
from .messages import N_

MAX_QUOTE_DEPTH = 10
MAX_INDENT = 64
# The quote markers at the start of a line, then its indentation.
_LEAD = re.compile(r"((?:[ \t]*>[ \t]?)*)([ \t]*)")
_MARKER = re.compile(r"[ \t]*>[ \t]?")


def limit_nesting(text: str) -> tuple[str, list[str]]:
    """Return text with quotes and indentation capped, and a warning for each cap applied."""
    if not _may_be_deep(text):
        return text, []
    code = code_ranges(text)
    code_starts = [start for start, _ in code]
    lines = text.split("\n")
    quoted = indented = offset = 0
    for index, line in enumerate(lines):
        start, offset = offset, offset + len(line) + 1
        found = bisect.bisect_right(code_starts, start) - 1
        if found >= 0 and code[found][1] >= start:
            continue  # inside a code block
        lead = _LEAD.match(line)
        quotes, indent = lead.group(1), lead.group(2)
        deep_quote = quotes.count(">") > MAX_QUOTE_DEPTH
        deep_indent = len(indent.expandtabs(4)) > MAX_INDENT
        if deep_quote:
            quoted += 1
            quotes = "".join([m.group() for m in _MARKER.finditer(lead.group(1))][:MAX_QUOTE_DEPTH])
        if deep_indent:
            indented += 1
            indent = " " * MAX_INDENT
        if deep_quote or deep_indent:
            lines[index] = quotes + indent + line[lead.end() :]
    warnings = []
    if quoted:
        warnings.append(
            N_(
                "%(count)s line(s) quoted more than %(depth)s levels deep were kept at "
                "%(depth)s levels"
            )
            % {"count": quoted, "depth": MAX_QUOTE_DEPTH}
        )
    if indented:
        warnings.append(
            N_(
                "%(count)s line(s) indented more than %(columns)s columns (lists nested more "
                "than %(levels)s levels deep) were indented %(columns)s columns"
            )
            % {"count": indented, "columns": MAX_INDENT, "levels": MAX_INDENT // 4}
        )
    return ("\n".join(lines) if warnings else text), warnings


def _may_be_deep(text: str) -> bool:
    """Tell cheaply whether any line could be over a cap (most documents are not)."""
    return (
        # Each space belongs to one place only: "[ \t]*>[ \t]?" repeated backtracks
        # exponentially over the spaces of a line quoted a little less deep.
        re.search(rf"^(?:[ \t]*>){{{MAX_QUOTE_DEPTH + 1}}}", text, re.MULTILINE) is not None
        or re.search(rf"^[ \t>]*(?: {{{MAX_INDENT + 1}}}|\t)", text, re.MULTILINE) is not None
    )
