"""Obsidian's %%comments%%: notes to oneself that never reach a reader.

They are cut from the Markdown before it is converted, so no trace of them reaches the
HTML, and so none reaches the excerpt or the search text derived from it. Inside code
(fenced or indented blocks, code spans) %% is literal. An opening %% without a closing one
stays as written: text is never dropped on a guess.
"""

from __future__ import annotations

import bisect
import re

from .mathblocks import code_ranges

_BACKTICKS = re.compile(r"`+")
_BLANK_LINE = re.compile(r"\n(?=[ \t]*(?:>[ \t]*)*(?:\n|$))")


def strip_comments(text: str) -> str:
    """Return Markdown text without its %%comments%%, code left as it is."""
    if "%%" not in text:
        return text
    blocks = code_ranges(text)
    block_end = dict(blocks)
    # A code span ends within its paragraph and before a code block.
    barriers = sorted({m.end() for m in _BLANK_LINE.finditer(text)} | set(block_end))
    pieces: list[str] = []
    last = position = 0
    while position < len(text):
        if position in block_end:
            position = block_end[position] + 1
        elif text[position] == "`":
            position = _after_code_span(text, position, barriers)
        elif text[position] == "\\":
            position += 2
        elif text.startswith("%%", position):
            close = _closing(text, position + 2, blocks)
            if close < 0:
                break
            start, end = _comment_span(text, position, close + 2)
            pieces.append(text[last:start])
            last = position = end
        else:
            position += 1
    pieces.append(text[last:])
    return "".join(pieces)


def _after_code_span(text: str, position: int, barriers: list[int]) -> int:
    """Return the offset after a code span opening here, or after its backtick run."""
    run = _BACKTICKS.match(text, position).group()
    index = bisect.bisect_right(barriers, position)
    stop = barriers[index] if index < len(barriers) else len(text)
    closing = re.compile(f"(?<!`){run}(?!`)").search(text, position + len(run), stop)
    return closing.end() if closing else position + len(run)


def _closing(text: str, start: int, blocks: list[tuple[int, int]]) -> int:
    """Return the offset of the %% closing a comment, outside code blocks; -1 if none."""
    position = start
    while True:
        found = text.find("%%", position)
        if found < 0:
            return -1
        # The block that starts last at or before it (blocks are in order, apart).
        index = bisect.bisect_right(blocks, (found, len(text))) - 1
        if index < 0 or blocks[index][1] < found:
            return found
        position = blocks[index][1] + 1


def _comment_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Return what to cut for a comment: the comment, with its line when it fills lines.

    A comment alone on its lines goes with them, so the paragraphs around it stay one.
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if not text[line_start:start].strip() and not text[end:line_end].strip():
        return line_start, min(line_end + 1, len(text))
    return start, end
