"""A readable line diff of two Markdown sources, in bounded work (pure, no Flask).

difflib alone is cubic in the worst case: a reworded article whose only common lines are
blank ones kept the History page busy past any timeout. Here a stretch small enough goes to
difflib; a bigger one is first anchored on lines found as often on each side (once each, as
in patience diff, or k times each, paired in order), and the common start and end of each
stretch between anchors are matched in linear time. The work is counted; once WORK_BUDGET
is spent, or where a big stretch has no anchor, the rest is shown as removed and added
whole, which is still a true diff.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

HUNK, ADDED, REMOVED, SAME = "hunk", "added", "removed", "same"
# Units of work (a line looked at, a pair of equal lines difflib may compare) one diff
# may spend: a few tenths of a second at most (bench/history.py).
WORK_BUDGET = 300_000
# Texts longer than this together are not matched line by line at all, only shown: even
# the linear passes would take seconds on megabytes.
MAX_CHARS = 1_000_000
# difflib matches a stretch when (lines before) × (lines after) is at most this: its cost
# grows with that product times the number of matches. Bigger stretches are anchored.
SMALL_STRETCH = 4_096
# What looking at one stretch, and setting up difflib for one, cost beyond their lines.
STRETCH_COST = 10
MATCHER_COST = 50
# Rows a diff shows at most; the counts still cover the whole diff.
MAX_ROWS = 3_000


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
    # False when some stretch was too big or too costly to match line by line: it is
    # shown as removed and added whole.
    exact: bool = True
    truncated: bool = False  # rows past MAX_ROWS were left out
    work: int = 0  # units of work spent matching


class _Work:
    """A budget of work units, spent as the matching goes."""

    def __init__(self, budget: int):
        self.left = budget
        self.spent = 0

    def take(self, units: int) -> bool:
        """Spend `units` if the budget allows it; tell whether it did."""
        if units > self.left:
            return False
        self.left -= units
        self.spent += units
        return True

    def force(self, units: int) -> None:
        """Spend units already spent (linear passes that bound themselves)."""
        self.left -= units
        self.spent += units


def matching_blocks(
    a: list, b: list, budget: int = WORK_BUDGET
) -> tuple[list[tuple[int, int, int]], bool, int]:
    """Return (blocks, exact, work): the (i, j, size) runs where a[i:i+size] == b[j:j+size].

    Blocks are sorted and do not overlap, like difflib's (without its sentinel).
    """
    work = _Work(budget)
    blocks: list[tuple[int, int, int]] = []
    exact = True
    stretches = [(0, len(a), 0, len(b))]
    while stretches:
        if work.left <= 0:  # what is left of the texts is shown as removed and added
            exact = False
            break
        alo, ahi, blo, bhi = stretches.pop()
        alo, ahi, blo, bhi = _trim(a, b, alo, ahi, blo, bhi, blocks, work)
        if alo == ahi or blo == bhi:
            continue
        n, m = ahi - alo, bhi - blo
        if n == 1 or m == 1:  # one line against several: found or not, no matcher needed
            work.force(n + m)
            _single(a, b, alo, ahi, blo, bhi, blocks)
            continue
        if n * m <= SMALL_STRETCH and work.take(_difflib_cost(a, b, alo, ahi, blo, bhi)):
            matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            for i, j, size in matcher.get_matching_blocks()[:-1]:
                blocks.append((alo + i, blo + j, size))
            continue
        # Two counts, a map of places, the pairs and their longest run: about 2 units a line.
        anchors = _anchors(a, b, alo, ahi, blo, bhi) if work.take(2 * (n + m)) else []
        if not anchors:
            exact = False
            continue
        i0, j0 = alo, blo
        for i, j in anchors:
            stretches.append((i0, i, j0, j))
            blocks.append((i, j, 1))
            i0, j0 = i + 1, j + 1
        stretches.append((i0, ahi, j0, bhi))
    return _merged(sorted(blocks)), exact, work.spent


def _trim(a, b, alo, ahi, blo, bhi, blocks, work) -> tuple[int, int, int, int]:
    """Match the common start and end of a stretch; return what is left between them."""
    start = alo
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        alo += 1
        blo += 1
    if alo > start:
        blocks.append((start, blo - (alo - start), alo - start))
    end = ahi
    while ahi > alo and bhi > blo and a[ahi - 1] == b[bhi - 1]:
        ahi -= 1
        bhi -= 1
    if ahi < end:
        blocks.append((ahi, bhi, end - ahi))
    work.force(STRETCH_COST + (alo - start) + (end - ahi))
    return alo, ahi, blo, bhi


def _single(a, b, alo, ahi, blo, bhi, blocks) -> None:
    """Match a stretch with one line on a side: that line's first twin on the other."""
    if ahi - alo == 1:
        for j in range(blo, bhi):
            if b[j] == a[alo]:
                blocks.append((alo, j, 1))
                return
    else:
        for i in range(alo, ahi):
            if a[i] == b[blo]:
                blocks.append((i, blo, 1))
                return


def _anchors(a, b, alo, ahi, blo, bhi) -> list[tuple[int, int]]:
    """Return the longest in-order run of pairs of lines found as often on each side.

    A line found once on each side pairs with its twin, as in patience diff; one found k
    times on each side pairs up in order. A reworded article keeps its blank lines, and
    they line up the paragraphs that changed.
    """
    in_a = Counter(a[alo:ahi])
    in_b = Counter(b[blo:bhi])
    places: dict[int, list[int]] = {}
    for j in range(blo, bhi):
        line = b[j]
        if in_a.get(line) == in_b[line]:  # .get: a Counter's [] calls __missing__ in Python
            places.setdefault(line, []).append(j)
    # Each line's k places on the new side, handed out in order to its k on the old side.
    queues = {line: iter(where) for line, where in places.items()}
    pairs = [(i, next(queues[a[i]])) for i in range(alo, ahi) if a[i] in queues]
    return _increasing(pairs)


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the longest subsequence of pairs (sorted by i) whose j also increase."""
    tails: list[int] = []  # j of the last pair of the best run of each length
    tail_index: list[int] = []
    previous: list[int] = [-1] * len(pairs)
    for index, (_i, j) in enumerate(pairs):
        place = bisect_left(tails, j)
        if place == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[place] = j
            tail_index[place] = index
        previous[index] = tail_index[place - 1] if place else -1
    run: list[tuple[int, int]] = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        run.append(pairs[index])
        index = previous[index]
    return run[::-1]


def _difflib_cost(a, b, alo, ahi, blo, bhi) -> int:
    """Bound difflib's work on a stretch: each of its searches looks at every equal pair."""
    in_b = Counter(b[blo:bhi])
    pairs = sum(in_b.get(line, 0) for line in a[alo:ahi])
    n, m = ahi - alo, bhi - blo
    return pairs * (2 * min(n, m) + 1) + n + m + MATCHER_COST


def _merged(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int, int]] = []
    for i, j, size in blocks:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            last = merged.pop()
            merged.append((last[0], last[1], last[2] + size))
        else:
            merged.append((i, j, size))
    return merged


def opcodes(blocks: list[tuple[int, int, int]], n: int, m: int) -> list[tuple]:
    """Turn matching blocks into difflib-style opcodes (tag, i1, i2, j1, j2)."""
    codes = []
    i = j = 0
    for bi, bj, size in [*blocks, (n, m, 0)]:
        if i < bi and j < bj:
            codes.append(("replace", i, bi, j, bj))
        elif i < bi:
            codes.append(("delete", i, bi, j, bj))
        elif j < bj:
            codes.append(("insert", i, bi, j, bj))
        if size:
            codes.append(("equal", bi, bi + size, bj, bj + size))
        i, j = bi + size, bj + size
    return codes


def grouped(codes: list[tuple], context: int) -> list[list[tuple]]:
    """Group opcodes into hunks with `context` equal lines around changes (as difflib does)."""
    if not codes:
        codes = [("equal", 0, 1, 0, 1)]
    codes = list(codes)
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)
    groups, group = [], []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


def diff_sources(
    old: str, new: str, context: int = 3, budget: int = WORK_BUDGET, max_rows: int = MAX_ROWS
) -> Diff:
    """Return a unified diff of two texts: changed lines with `context` lines around them.

    The matching stops after `budget` units of work, and is not tried on texts over
    MAX_CHARS; what it did not match is shown as removed and added (Diff.exact is False).
    """
    before, after = old.split("\n"), new.split("\n")
    if len(old) + len(new) > MAX_CHARS:
        budget = 0
    # Lines as small integers: comparing and hashing them is then cheap whatever their length.
    ids: dict[str, int] = {}
    a = [ids.setdefault(line, len(ids)) for line in before]
    b = [ids.setdefault(line, len(ids)) for line in after]
    blocks, exact, work = matching_blocks(a, b, budget)
    codes = opcodes(blocks, len(a), len(b))
    removed = sum(i2 - i1 for tag, i1, i2, _j1, _j2 in codes if tag != "equal")
    added = sum(j2 - j1 for tag, _i1, _i2, j1, j2 in codes if tag != "equal")
    lines = list(islice(_rows(grouped(codes, context), before, after), max_rows + 1))
    truncated = len(lines) > max_rows
    return Diff(lines[:max_rows], added, removed, exact, truncated, work)


def _rows(groups: list[list[tuple]], before: list[str], after: list[str]) -> Iterator[DiffLine]:
    """Yield the rows of the hunks, made only as far as they are shown."""
    for group in groups:
        first, last = group[0], group[-1]
        header = f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@"
        yield DiffLine(HUNK, header)
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for offset, text in enumerate(before[i1:i2]):
                    yield DiffLine(SAME, text, i1 + offset + 1, j1 + offset + 1)
                continue
            for offset, text in enumerate(before[i1:i2]):
                yield DiffLine(REMOVED, text, old_number=i1 + offset + 1)
            for offset, text in enumerate(after[j1:j2]):
                yield DiffLine(ADDED, text, new_number=j1 + offset + 1)
