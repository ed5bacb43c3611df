"""Hostile comments: time to render each shape through the comment pipeline, or to refuse it.

    .venv/bin/python bench/comments.py            # every case, best of 3 runs each
    .venv/bin/python bench/comments.py --runs 5

Each case is timed through `render_comment` (length and formula limits included) after a
warm-up comment, in this process. A case over the 10,000-character limit is timed twice:
refused as a reader would post it, and rendered cut to the limit (and, when that is still
over the 1,000-line limit, cut to 999 lines), which is the longest text of its shape the
pipeline ever parses. Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp.content.commentmd import (  # noqa: E402 - after the path is set
    MAX_COMMENT_CHARS,
    MAX_COMMENT_LINES,
    CommentRefused,
    render_comment,
)

CASES = {
    "'$5 ' x 20,000": lambda: "$5 " * 20_000,
    "'[' x 20,000": lambda: "[" * 20_000,
    "unclosed fence, 10,000 lines": lambda: "```\n" + "x\n" * 10_000,
    "'```x\\n' x 10,000": lambda: "```x\n" * 10_000,
    "'[a](' x 5,000": lambda: "[a](" * 5_000,
    "'![a](b ' x 5,000": lambda: "![a](b " * 5_000,
    "'<' x 20,000": lambda: "<" * 20_000,
    "'<img src=' x 5,000": lambda: "<img src=" * 5_000,
    "'*' x 20,000": lambda: "*" * 20_000,
    "'_a' x 10,000": lambda: "_a" * 10_000,
    "'`' x 20,000": lambda: "`" * 20_000,
    "'\\\\( a ' x 5,000": lambda: "\\( a " * 5_000,
    "'> ' x 5,000 on one line": lambda: "> " * 5_000 + "x",
    "list 400 levels": lambda: "".join("    " * n + "- x\n" for n in range(400)),
    "'# a\\n' x 5,000": lambda: "# a\n" * 5_000,
    "'a\\n---\\n' x 5,000": lambda: "a\n---\n" * 5_000,
    "'$a$ ' x 2,500 (formulas)": lambda: "$a$ " * 2_500,
    "'$a$ ' x 200 (formulas)": lambda: "$a$ " * 200,
}


def timed(text: str, runs: int) -> tuple[float, str]:
    """Return the best time in ms of `runs` renders and what became of the text."""
    best, outcome = float("inf"), ""
    for _ in range(runs):
        start = time.perf_counter()
        try:
            result = render_comment(text)
            outcome = f"rendered, {len(result.html):,} bytes of HTML"
        except CommentRefused as refused:
            outcome = f"refused: {refused}"
        best = min(best, time.perf_counter() - start)
    return best * 1000, outcome


def main() -> None:
    """Time every case and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    render_comment("warm-up with $x^2$ and `code`")
    print(f"{'case':38} {'chars':>7} {'ms':>8}  outcome")
    for name, make in CASES.items():
        text = make()
        ms, outcome = timed(text, runs)
        print(f"{name:38} {len(text):>7,} {ms:>8.1f}  {outcome}")
        if len(text) > MAX_COMMENT_CHARS:
            cut = text[:MAX_COMMENT_CHARS]
            ms, outcome = timed(cut, runs)
            print(f"{'  cut to the limit':38} {len(cut):>7,} {ms:>8.1f}  {outcome}")
            if cut.count("\n") >= MAX_COMMENT_LINES:
                # The longest text of this shape the pipeline parses: within both limits.
                cut = "\n".join(cut.split("\n")[: MAX_COMMENT_LINES - 1])
                ms, outcome = timed(cut, runs)
                label = f"  cut to {MAX_COMMENT_LINES - 1:,} lines"
                print(f"{label:38} {len(cut):>7,} {ms:>8.1f}  {outcome}")


if __name__ == "__main__":
    main()
