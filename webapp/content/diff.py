"""A readable line diff of two Markdown sources (pure, no Flask)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

HUNK, ADDED, REMOVED, SAME = "hunk", "added", "removed", "same"


@dataclass(frozen=True)
class DiffLine:
    """One row of a unified diff, with its line numbers on either side."""

    kind: str  # hunk | added | removed | same
    text: str
    old_number: int | None = None
    new_number: int | None = None


@dataclass(frozen=True)
class Diff:
    """The rows of a diff and how many lines it adds and removes."""

    lines: list[DiffLine]
    added: int
    removed: int


def diff_sources(old: str, new: str, context: int = 3) -> Diff:
    """Return a unified diff of two texts: changed lines with `context` lines around them."""
    before, after = old.split("\n"), new.split("\n")
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    lines: list[DiffLine] = []
    added = removed = 0
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        header = f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@"
        lines.append(DiffLine(HUNK, header))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for offset, text in enumerate(before[i1:i2]):
                    lines.append(DiffLine(SAME, text, i1 + offset + 1, j1 + offset + 1))
                continue
            for offset, text in enumerate(before[i1:i2]):
                lines.append(DiffLine(REMOVED, text, old_number=i1 + offset + 1))
            for offset, text in enumerate(after[j1:j2]):
                lines.append(DiffLine(ADDED, text, new_number=j1 + offset + 1))
            removed += i2 - i1
            added += j2 - j1
    return Diff(lines, added, removed)
