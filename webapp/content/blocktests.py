"""Block tests that read only the lines they need: a long block is no longer read per line.

Python-Markdown hands each block (lines up to a blank line) to every block processor's
test; a processor that takes one line (a heading, a rule, an abbreviation) puts the rest
back, and every test runs again on it. The tables extension's test split and stripped the
whole block each time, though it looks at two lines (or, for a one-column table with pipes,
at the rows up to the first without one): "# a\\n" x 5,000 took 4 s. Here the same test
reads lines lazily, so its answer, and the output, are the original's.
"""

from __future__ import annotations

from collections.abc import Iterator

from markdown import Markdown
from markdown.extensions import Extension
from markdown.extensions.tables import PIPE_LEFT, PIPE_NONE, PIPE_RIGHT


def _rows(block: str) -> Iterator[str]:
    """Yield the block's lines, stripped of spaces as the table test strips them, one by one."""
    start = 0
    while (end := block.find("\n", start)) != -1:
        yield block[start:end].strip(" ")
        start = end + 1
    yield block[start:].strip(" ")


class _LazyTableTest:
    """Mixin: TableProcessor.test, reading rows only as far as the original looks."""

    def test(self, parent, block: str) -> bool:
        rows = _rows(block)
        header0 = next(rows)
        second = next(rows, None)
        if second is None:
            return False  # one line is no table
        self.border = PIPE_NONE
        if header0.startswith("|"):
            self.border |= PIPE_LEFT
        if self.RE_END_BORDER.search(header0) is not None:
            self.border |= PIPE_RIGHT
        row = self._split_row(header0)
        row0_len = len(row)
        is_table = row0_len > 1
        # Each row in a single column table needs at least one pipe.
        if not is_table and row0_len == 1 and self.border:
            for line in _chain(second, rows):
                is_table = line.startswith("|") or self.RE_END_BORDER.search(line) is not None
                if not is_table:
                    break
        if is_table:
            row = self._split_row(second)
            is_table = (len(row) == row0_len) and set("".join(row)) <= set("|:- ")
            if is_table:
                self.separator = row
        return is_table


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


class LazyBlockTestExtension(Extension):
    """Swaps the tables extension's test for one that reads only the lines it needs."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Markdown's API
        if "table" in md.parser.blockprocessors:
            processor = md.parser.blockprocessors["table"]
            kind = type(processor)
            processor.__class__ = type(f"Lazy{kind.__name__}", (_LazyTableTest, kind), {})
