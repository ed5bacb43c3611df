"""Cap how many one-line elements a block holds before Python-Markdown reads it.

Python-Markdown takes a heading, a rule, a setext underline, an abbreviation or a
definition line off the front of its block and puts the rest back, where every block
processor searches it again: a block of n such lines costs n times its length ("*[a]: b"
x 5,000 took 20 s). Real articles put a blank line between such lines long before
MAX_LINE_ELEMENTS of them; past that a blank line is added after every
MAX_LINE_ELEMENTS-th one (which leaves a heading or a rule as it was), and the cap is
reported. Code is left as written.
"""

from __future__ import annotations

import bisect
import re

from .mathblocks import code_ranges
from .messages import N_

MAX_LINE_ELEMENTS = 50
# A line Python-Markdown takes off its block alone: an ATX heading, a rule or setext
# underline, an abbreviation, a definition.
_LINE_ELEMENT = re.compile(
    r" {0,3}(?:#{1,6}(?:[ \t]|$)|\*\[|:[ \t]|(?:[-*_=][ \t]*){3,}$|=+[ \t]*$|-+[ \t]*$)"
)


def limit_line_elements(text: str) -> tuple[str, list[str]]:
    """Return text with a blank line after each MAX_LINE_ELEMENTS-th one-line element of a block."""
    lines = text.split("\n")
    if len(lines) <= MAX_LINE_ELEMENTS:
        return text, []
    code = code_ranges(text)
    code_starts = [start for start, _ in code]
    out: list[str] = []
    count = added = offset = 0
    for line in lines:
        start, offset = offset, offset + len(line) + 1
        out.append(line)
        if not line.strip():
            count = 0
            continue
        found = bisect.bisect_right(code_starts, start) - 1
        if found >= 0 and code[found][1] >= start:
            continue  # inside a code block
        if _LINE_ELEMENT.match(line):
            count += 1
            if count >= MAX_LINE_ELEMENTS:
                out.append("")
                count, added = 0, added + 1
    if not added:
        return text, []
    warning = N_(
        "%(count)s block(s) of more than %(limit)s headings, rules, abbreviations or "
        "definitions without a blank line were split by blank lines"
    ) % {"count": added, "limit": MAX_LINE_ELEMENTS}
    return "\n".join(out), [warning]
