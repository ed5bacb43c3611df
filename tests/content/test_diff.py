"""The revision diff: true to both texts, readable, and bounded in work whatever the texts."""

from __future__ import annotations

import difflib
import random

import pytest

from webapp.content.diff import (
    ADDED,
    HUNK,
    MAX_ROWS,
    REMOVED,
    SAME,
    WORK_BUDGET,
    diff_sources,
    matching_blocks,
    opcodes,
)

WORDS = [
    "the",
    "of",
    "a",
    "tree",
    "index",
    "node",
    "sum",
    "query",
    "update",
    "range",
    "树状",
    "数组",
    "前缀",
    "和",
    "查询",
    "更新",
]


def paragraph(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))


def article(size: int, seed: int = 1) -> str:
    """Return Markdown of about `size` characters: headings, paragraphs, code, blank lines."""
    rng = random.Random(seed)
    lines: list[str] = []
    length = 0
    while length < size:
        roll = rng.random()
        if roll < 0.1:
            added = ["## " + paragraph(rng), ""]
        elif roll < 0.2:
            added = ["```python", "x = 1", "}", "", "}", "```", ""]
        else:
            added = [paragraph(rng), ""]
        lines += added
        length += sum(len(line) + 1 for line in added)
    return "\n".join(lines)


def reworded(text: str, seed: int = 2) -> str:
    """Return the text with every non-blank line rewritten: the reported History timeout."""
    rng = random.Random(seed)
    return "\n".join(paragraph(rng) if line.strip() else line for line in text.split("\n"))


def rebuilt(old: list, new: list, blocks) -> list:
    """Apply the opcodes to the old lines, taking inserted lines from the new ones."""
    out = []
    for tag, i1, i2, j1, j2 in opcodes(blocks, len(old), len(new)):
        if tag == "equal":
            assert old[i1:i2] == new[j1:j2]
            out += old[i1:i2]
        else:
            out += new[j1:j2]
    return out


def test_a_small_edit_reads_as_before():
    diff = diff_sources("a\nb\nc\nd\n", "a\nB\nc\nd\n")
    kinds = [(line.kind, line.text) for line in diff.lines]
    assert kinds == [
        (HUNK, "@@ -1,5 +1,5 @@"),
        (SAME, "a"),
        (REMOVED, "b"),
        (ADDED, "B"),
        (SAME, "c"),
        (SAME, "d"),
        (SAME, ""),
    ]
    assert (diff.added, diff.removed, diff.exact, diff.truncated) == (1, 1, True, False)


def test_identical_texts_have_no_rows():
    assert diff_sources("same\ntext", "same\ntext").lines == []


def test_every_diff_turns_the_old_text_into_the_new_one():
    rng = random.Random(7)
    for _ in range(500):
        alphabet = rng.choice(["ab", "abcd", "abcdefghijklmnop"])
        old = [rng.choice(alphabet) for _ in range(rng.randint(0, 40))]
        new = [rng.choice(alphabet) for _ in range(rng.randint(0, 40))]
        blocks, _exact, _work = matching_blocks(old, new)
        assert rebuilt(old, new, blocks) == new


def test_small_texts_keep_as_many_lines_as_difflib_did():
    rng = random.Random(11)
    ours = theirs = 0
    for _ in range(300):
        old = [rng.choice("abcdefgh") for _ in range(rng.randint(0, 60))]
        new = [rng.choice("abcdefgh") for _ in range(rng.randint(0, 60))]
        blocks, exact, _work = matching_blocks(old, new)
        assert exact
        ours += sum(size for *_, size in blocks)
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        theirs += sum(size for *_, size in matcher.get_matching_blocks())
    # The common start and end are matched first, then difflib: as good overall.
    assert ours >= theirs


@pytest.mark.parametrize("size", [36_000, 100_000])
def test_a_reworded_article_keeps_its_blank_lines_matched_in_bounded_work(size):
    old = article(size)
    new = reworded(old)
    changed = sum(1 for line in old.split("\n") if line.strip())
    diff = diff_sources(old, new)
    # Every rewritten line is one removed and one added; the blank lines stay matched.
    assert (diff.added, diff.removed, diff.exact) == (changed, changed, True)
    lines = len(old.split("\n")) + len(new.split("\n"))
    # Linear-ish: a small multiple of the line count, far below difflib's cubic cost.
    assert diff.work < 20 * lines < WORK_BUDGET


def test_a_paragraph_inserted_near_the_top_is_one_hunk():
    old = article(20_000)
    lines = old.split("\n")
    new = "\n".join(lines[:10] + ["A new paragraph.", ""] + lines[10:])
    diff = diff_sources(old, new)
    assert (diff.added, diff.removed) == (2, 0)
    assert [line.kind for line in diff.lines].count(HUNK) == 1


def test_when_the_budget_runs_out_the_rest_is_shown_whole_and_the_work_stops():
    old, new = article(30_000), reworded(article(30_000))
    diff = diff_sources(old, new, budget=1_000)
    assert not diff.exact and diff.work <= 1_000
    # Still a true diff: every line of each side is either kept or shown.
    assert diff.added + diff.removed > 0


def test_a_stretch_without_common_lines_is_replaced_whole_without_difflib(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("difflib must not see a big stretch")

    monkeypatch.setattr(difflib, "SequenceMatcher", refuse)
    old = "\n".join(f"old line {n}" for n in range(5_000))
    new = "\n".join(f"new line {n}" for n in range(5_000))
    diff = diff_sources(old, new)
    assert (diff.added, diff.removed) == (5_000, 5_000)
    assert diff.work <= 2 * 10_000 + 10


def test_lines_repeated_unevenly_do_not_blow_up():
    # Two kinds of line, counts different on each side: nothing anchors, nothing is cubic.
    rng = random.Random(5)
    old = "\n".join(rng.choice(["x", "y"]) for _ in range(20_000))
    new = "\n".join(rng.choice(["x", "y", "y"]) for _ in range(20_000))
    diff = diff_sources(old, new)
    assert diff.work <= WORK_BUDGET


def test_a_long_diff_is_cut_at_max_rows_but_counted_whole():
    old = "\n".join(f"line {n}" for n in range(MAX_ROWS * 2))
    diff = diff_sources(old, "")
    assert diff.truncated and len(diff.lines) == MAX_ROWS
    assert diff.removed == MAX_ROWS * 2
