"""Hostile Markdown renders in bounded work: each case of issue 11's table, by its measure.

No wall time here (bench/hostile.py prints that): each test asserts what the reader gets
and a count of the work done, at n and at 4n, which a quadratic scanner would not meet.
"""

from __future__ import annotations

import re
import signal
import time

import pytest

from webapp.content import brackets, mathblocks, render
from webapp.content.budget import RenderTooSlow, paused, render_budget
from webapp.content.comments import strip_comments
from webapp.content.mathblocks import _Scanner, code_ranges, protect_math
from webapp.content.nesting import MAX_INDENT, MAX_QUOTE_DEPTH, limit_nesting
from webapp.content.render import render_markdown


def scan_steps(text: str) -> tuple[int, int]:
    """Return (formulas found, positions the math scanner stopped at) for a text."""
    scanner = _Scanner(text)
    return len(scanner.scan()), scanner.steps


def assert_linear(measure, make, n: int) -> None:
    """Assert that measure(make(4n)) is at most a little over 4 times measure(make(n))."""
    small, large = measure(make(n)), measure(make(4 * n))
    assert large <= 4.5 * small, (small, large)


@pytest.mark.parametrize("count", [5_000, 20_000])
def test_dollar_amounts_stay_text_in_linear_work(count):
    text = "$5 " * count
    found, steps = scan_steps(text)
    assert found == 0
    # One stop per dollar at most, however many dollars the paragraph holds.
    assert steps <= count + 1
    assert render_markdown(text).html.count("$5") == count


def test_dollar_scan_work_grows_linearly():
    assert_linear(lambda text: scan_steps(text)[1], lambda n: "$5 " * n, 5_000)
    # Openings that might close padded on the same line ("$ab $ab ...") too.
    assert_linear(lambda text: scan_steps(text)[1], lambda n: "$ab " * n, 5_000)


def test_unclosed_tex_parentheses_stay_text_in_linear_work():
    text = "\\( a " * 5_000
    found, steps = scan_steps(text)
    assert found == 0 and steps <= 5_001
    assert_linear(lambda t: scan_steps(t)[1], lambda n: "\\( a " * n, 5_000)
    assert render_markdown(text).html.count("( a") == 5_000


def test_an_unclosed_fence_is_looked_for_once_per_line(monkeypatch):
    calls = []
    original = mathblocks._closing_run
    monkeypatch.setattr(mathblocks, "_closing_run", lambda line: calls.append(1) or original(line))
    text = "```x\n" * 10_000
    assert code_ranges(text) == []  # none closes: no fence at all, as superfences reads it
    # Once per line to learn the longest closing run ahead; no look ahead per opening.
    assert len(calls) <= 10_001
    monkeypatch.undo()
    html = render_markdown(text).html
    assert "render-error" not in html and html.count("<code>x</code>") >= 1


def test_closed_fences_still_pair():
    text = "```x\n" * 3 + "```\n" + "a $b$\n"
    assert code_ranges(text) == [(0, len("```x\n" * 3 + "```"))]
    assert len(protect_math(text).formulas) == 1


def test_unclosed_code_tags_are_found_once_each(monkeypatch):
    searches = []

    class Counting:
        def __init__(self, pattern):
            self.pattern = pattern

        def search(self, text, position):
            searches.append(position)
            return self.pattern.search(text, position)

        def finditer(self, text):
            return self.pattern.finditer(text)

    monkeypatch.setattr(render, "_VERBATIM_START", Counting(render._VERBATIM_START))
    result = render_markdown("x <code> " * 10_000)
    # One search per <code> (and one finding none): no rescanning of what follows.
    assert len(searches) <= 10_001
    assert "render-error" not in result.html


def test_unmatched_brackets_are_paired_once(monkeypatch):
    calls = []
    original = brackets.bracket_pairs
    monkeypatch.setattr(brackets, "bracket_pairs", lambda data: calls.append(1) or original(data))
    result = render_markdown("[" * 5_000)
    assert result.html == "<p>" + "[" * 5_000 + "</p>"
    # Once per text a link processor reads, not once per "[" (5,000 times, each to the end).
    assert 1 <= len(calls) <= 10


def test_links_and_images_render_as_before():
    html = render_markdown("[a [b] c](/x) ![i](/i.png) [ref] [[ [z](/z)\n\n[ref]: /r").html
    assert '<a href="/x">a [b] c</a>' in html
    assert 'src="/i.png"' in html
    assert '<a href="/r">ref</a>' in html
    assert '[[ <a href="/z">z</a>' in html


def _depth(html: str, tag: str) -> int:
    depth = deepest = 0
    for match in re.finditer(rf"<(/?){tag}\b", html):
        depth += -1 if match.group(1) else 1
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.parametrize("levels", [50, 400, 5_000])
def test_deep_blockquotes_are_flattened_with_a_warning(levels):
    text = "\n".join("> " * level + "x" for level in range(1, levels)) + "\n\n" + "> " * levels
    result = render_markdown(text)
    assert "render-error" not in result.html
    assert _depth(result.html, "blockquote") <= MAX_QUOTE_DEPTH
    assert any(f"more than {MAX_QUOTE_DEPTH} levels" in w for w in result.warnings)


@pytest.mark.parametrize("levels", [50, 400])
def test_deep_lists_are_flattened_with_a_warning(levels):
    text = "".join("    " * level + "- item\n" for level in range(levels))
    result = render_markdown(text)
    assert "render-error" not in result.html  # 400 levels used to exhaust the recursion limit
    assert _depth(result.html, "ul") <= MAX_INDENT // 4 + 1
    assert result.html.count("<li>") == levels
    assert any(f"more than {MAX_INDENT} columns" in w for w in result.warnings)


def test_nesting_work_is_bounded_per_line():
    # Each line is cut to the caps before Markdown reads it, so the text Markdown gets
    # grows with the lines, not with their depth.
    shaped, _ = limit_nesting("> " * 5_000 + "x\n" + " " * 10_000 + "- y\n")
    first, second = shaped.split("\n")[:2]
    assert first.count(">") == MAX_QUOTE_DEPTH and len(second) <= MAX_INDENT + 3


def test_ordinary_nesting_is_left_alone():
    text = "> > quoted\n\n- a\n    - b\n        - c\n\n        code in a list\n"
    assert limit_nesting(text) == (text, [])
    fenced = "```\n" + "> " * 40 + "\n" + " " * 200 + "x\n```\n"
    assert limit_nesting(fenced) == (fenced, [])


def busy(seconds: float) -> None:
    """Work the CPU for about `seconds` of this process's CPU time (the budget's clock)."""
    start = time.process_time()
    while time.process_time() - start < seconds:
        sum(range(1_000))


def test_a_wait_is_not_work_for_the_budget():
    # The budget counts CPU time: a document waiting on a busy server is not refused.
    with render_budget(0.05):
        time.sleep(0.3)


def test_the_budget_stops_a_render_that_runs_over():
    spins = 0
    slow = pytest.raises(RenderTooSlow, match=r"took longer than 0\.05 s to render")
    with slow, render_budget(0.05):
        while spins < 10_000:  # about 10 s of work: far past the budget
            spins += 1
            busy(0.001)
    assert spins < 10_000
    assert signal.getitimer(signal.ITIMER_PROF)[0] == 0  # no timer left running


def test_the_renderers_catch_all_lets_the_budget_through(monkeypatch):
    def endless(text):
        while True:
            busy(0.001)

    monkeypatch.setattr(render, "limit_nesting", endless)
    # Not shown as "could not be rendered" (and then published): refused.
    with pytest.raises(RenderTooSlow), render_budget(0.05):
        render_markdown("Some text.")


def test_waiting_for_images_does_not_count_against_the_budget():
    with render_budget(0.5), paused():
        busy(1.0)  # twice the budget, but the clock is stopped
    assert signal.getitimer(signal.ITIMER_PROF)[0] == 0


def test_no_budget_means_no_limit():
    with render_budget(None):
        assert render_markdown("$x$").math_errors == []
    assert signal.getitimer(signal.ITIMER_PROF)[0] == 0


def test_comments_beside_many_code_blocks_are_cut_and_the_code_kept():
    text = "%%note%%\n\n```\nx %% y\n```\n\n" * 20_000
    assert strip_comments(text) == "\n```\nx %% y\n```\n\n" * 20_000
