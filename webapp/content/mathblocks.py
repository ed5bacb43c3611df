"""Find math in Markdown source and swap it for tokens that Markdown leaves alone."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

# Environments authors write bare at block level, without $$ around them. multline is
# here although KaTeX lacks it: katex.py maps it to gather.
BLOCK_ENVIRONMENTS = frozenset({
    "equation", "equation*", "align", "align*", "alignat", "alignat*", "gather", "gather*",
    "multline", "multline*", "aligned", "alignedat", "gathered", "split", "cases", "dcases",
    "rcases", "drcases", "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix",
    "smallmatrix", "array", "darray", "subarray", "CD",
})  # fmt: skip

# Letters of scripts written without spaces between words (Han, kana, CJK and fullwidth
# punctuation). Hangul is absent: Korean separates words with spaces.
WIDE_CHARS = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U000323af"
)
_WIDE = re.compile(f"[{WIDE_CHARS}]")

_TOKEN_BASE = "KTXMATH"
# A quote prefix ("> > ") at the start of a line; stripped from formula lines after the first.
_QUOTE_PREFIX = re.compile(r"(?:[ \t]*>[ \t]?)*")
# What may precede a bare \begin{...} on its line: indentation, quote markers, a list marker.
_BLOCK_LEAD = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]+)?")
_ENV_START = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
# Lines that open a container whose content is indented by four more spaces: list items,
# admonitions and details, footnote definitions, definitions of a definition list.
_CONTAINER = re.compile(r"(?:[-*+]|\d+[.)])(?:[ \t]|$)|(?:!!!|\?\?\?\+?)[ \t]|\[\^[^\]]+\]:|:[ \t]")
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)$")
_RAW_SKIP = re.compile(r"<(pre|code|script|style|kbd|samp)\b", re.IGNORECASE)
# After \] : the rest of a link's text and its "](" or "][" (escaped brackets in link text).
_LINK_TEXT_TAIL = re.compile(r"[^\[\]\n]*\]\s*[(\[]")
_BACKTICKS = re.compile(r"`+")
_BLANK_LINE = re.compile(r"\n(?=[ \t]*(?:>[ \t]*)*(?:\n|$))")
_TEX_SIGNS = re.compile(r"[\\^_{}=]")
# A lone math symbol between dollars: "$n $", "$ x$", "$A'$" (with the spaces around it).
_PADDED_CONTENT = re.compile(r"\s*[A-Za-z]'*\s*")
# The same right after an opening $ (which a non-space follows).
_PADDED_SYMBOL = re.compile(r"[A-Za-z]'*\s*")
# What the scan stops at: a code span, an escape or TeX's \(, a dollar, an HTML tag.
_SPECIAL = re.compile(r"[`\\$<]")
# Read left to right, a backslash escapes the character after it (which may be $).
_DOLLAR_OR_ESCAPE = re.compile(r"\\.|\$", re.DOTALL)
_ENV_EVENT = re.compile(r"\\(begin|end)\{([A-Za-z]+\*?)\}")
_NON_SPACE = re.compile(r"\S")


@dataclass(frozen=True)
class Formula:
    """One formula found in the source."""

    tex: str  # what KaTeX gets, delimiters removed
    display: bool
    source: str  # as written, delimiters included: used where HTML cannot go (attributes)
    line: int  # 1-based line of the source where it starts


@dataclass(frozen=True)
class ProtectedText:
    """Markdown source with every formula replaced by a token, and the formulas."""

    text: str
    formulas: list[Formula]
    prefix: str

    def token_pattern(self, display_only: bool = False) -> re.Pattern[str]:
        """Return a regex matching tokens, with the formula index as group 1."""
        return re.compile(f"{self.prefix}(\\d+){'D' if display_only else '[DI]'}")

    def formula_for(self, match: re.Match[str]) -> Formula:
        """Return the formula a token_pattern match stands for."""
        return self.formulas[int(match.group(1))]


def _token_prefix(text: str) -> str:
    """Return a token prefix that does not occur in the text."""
    # The prefix's first letter occurs only once in it, so a token can never start
    # inside the author's text that precedes it.
    prefix = _TOKEN_BASE
    while prefix in text:
        prefix += "Q"
    return prefix


def _looks_like_prose(content: str) -> bool:
    """Tell whether the inside of \\(...\\) or \\[...\\] reads as escaped brackets, not TeX."""
    if _TEX_SIGNS.search(content):
        return False
    # "多播\(multicast\)", "\[NOIP 2012 提高组\]", "\(a&b\)<<1", citations "\[12\]".
    return bool(
        _WIDE.search(content)
        or re.search(r"[A-Za-z]{3,}", content)
        or "&" in content
        or re.fullmatch(r"[\d\s,.\-]*", content)
    )


def _unquote(line: str) -> str:
    """Return a line without its blockquote markers."""
    return line[_QUOTE_PREFIX.match(line).end() :]


def code_ranges(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of fenced and indented code blocks."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    ranges: list[tuple[int, int]] = []
    containers: list[int] = []  # content indentation of the open list items etc.
    prev_blank = True
    code_indent = None  # indentation of the indented code block we are in
    closers: _FenceClosers | None = None  # built at the first fence
    index = 0
    while index < len(lines):
        content = _unquote(lines[index]).expandtabs(4)
        stripped = content.lstrip(" ")
        indent = len(content) - len(stripped)
        if not stripped.strip():
            prev_blank = True
            index += 1
            continue
        if code_indent is not None and indent >= code_indent:
            ranges.append((starts[index], starts[index + 1] - 1))
            index += 1
            continue
        code_indent = None
        if prev_blank:
            # After a blank line, a less indented line closes the containers it is outside of.
            while containers and containers[-1] > indent:
                containers.pop()
            threshold = (containers[-1] if containers else 0) + 4
            if indent >= threshold:
                code_indent = threshold
                ranges.append((starts[index], starts[index + 1] - 1))
                index += 1
                prev_blank = False
                continue
        prev_blank = False
        fence = _FENCE.match(stripped)
        if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            if closers is None:
                closers = _FenceClosers(lines)
            close = closers.find(index + 1, fence.group(1))
            # Like superfences, an unclosed fence is no fence at all: plain paragraph text.
            if close is not None:
                ranges.append((starts[index], starts[close + 1] - 1))
                index = close + 1
                continue
        if _CONTAINER.match(stripped):
            while containers and containers[-1] > indent:
                containers.pop()
            containers.append(indent + 4)
        index += 1
    return ranges


class _FenceClosers:
    """Finds the line that closes a fence, in time linear over the whole document.

    Scanning ahead line by line for each opening fence is quadratic when none closes
    (10,000 lines of ```x). The longest closing line at or after each line is known
    beforehand, so an unclosed fence is answered at once; a closed one is walked to its
    close, and the caller goes on after it, so no line is walked twice.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        # longest[char][i]: the longest run of char alone on a line at index >= i.
        self.longest = {"`": [0] * (len(lines) + 1), "~": [0] * (len(lines) + 1)}
        for index in range(len(lines) - 1, -1, -1):
            run = _closing_run(lines[index])
            for char, longest in self.longest.items():
                longest[index] = longest[index + 1]
                if run and run[0] == char and run[1] > longest[index]:
                    longest[index] = run[1]

    def find(self, start: int, fence: str) -> int | None:
        """Return the index of the line closing a fence opened with `fence`, or None."""
        if self.longest[fence[0]][start] < len(fence):
            return None
        for index in range(start, len(self.lines)):
            run = _closing_run(self.lines[index])
            if run and run[0] == fence[0] and run[1] >= len(fence):
                return index
        return None


def _closing_run(line: str) -> tuple[str, int] | None:
    """Return (char, length) when a line (quote markers aside) is only ``` or ~~~, else None."""
    content = _unquote(line).strip()
    if len(content) >= 3 and content[0] in "`~" and content.count(content[0]) == len(content):
        return content[0], len(content)
    return None


class _Scanner:
    """One left-to-right pass over the source that collects formulas outside code.

    Linear in the length of the source: every "where is the next ..." question (the next
    closing $, \\), backtick run or </code>) is answered from positions listed once
    beforehand, never by scanning ahead again from each opening. Scanning ahead made
    "$5 " x 5,000 take 15 s: each $ looked through the rest of its paragraph for a partner.
    `steps` counts the positions the pass stops at, for tests that bound the work done.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.code = code_ranges(text)
        self.code_starts = {start: end for start, end in self.code}
        self.code_order = sorted(self.code_starts)
        # Nothing inline, and no formula, runs past a blank line (one holding only quote
        # markers counts too) or into a code block.
        blanks = {m.end() for m in _BLANK_LINE.finditer(text)}
        self.barriers = sorted(blanks | {start for start, _ in self.code})
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.tex_signs = [m.start() for m in _TEX_SIGNS.finditer(text)]
        # Where a left-to-right reading that skips backslash escapes finds $, \) and \].
        self.dollars: list[int] = []
        self.closing_parens: list[int] = []
        self.closing_brackets: list[int] = []
        for match in _DOLLAR_OR_ESCAPE.finditer(text):
            char = match.group()[-1]
            if match.group() == "$":
                self.dollars.append(match.start())
            elif char == ")":
                self.closing_parens.append(match.start())
            elif char == "]":
                self.closing_brackets.append(match.start())
        self.double_dollars = [d for d in self.dollars if text.startswith("$$", d)]
        # A $ that closes "$x$": a non-space before it and no digit after it.
        self.tight_closers = [
            d
            for d in self.dollars
            if d and not text[d - 1].isspace() and not _digit_at(text, d + 1)
        ]
        # A $ that may close "$ x$" or "$n $": no letter, digit, $ or _ right after it.
        self.padded_closers = [d for d in self.dollars if _ends_padded(text, d + 1)]
        self.backtick_runs: dict[int, list[int]] = {}
        for run in _BACKTICKS.finditer(text):
            self.backtick_runs.setdefault(len(run.group()), []).append(run.start())
        self.html_closers: dict[str, list[tuple[int, int]]] = {}
        self.comment_end: tuple[int, int] | None = None  # (from, found at) of the last "-->"
        self.link_tails: dict[int, bool] = {}
        self.env_ends: dict[int, int] | None = None
        self.found: list[tuple[int, int, str, bool]] = []  # start, end, tex, display
        self.steps = 0

    def limit(self, position: int) -> int:
        """Return the first barrier after position (or the end of the text)."""
        index = bisect.bisect_right(self.barriers, position)
        return self.barriers[index] if index < len(self.barriers) else len(self.text)

    @staticmethod
    def first_at(positions: list[int], start: int, stop: int, width: int = 1) -> int:
        """Return the first of sorted positions >= start whose `width` characters end by stop."""
        index = bisect.bisect_left(positions, start)
        if index < len(positions) and positions[index] + width <= stop:
            return positions[index]
        return -1

    def scan(self) -> list[tuple[int, int, str, bool]]:
        """Collect (start, end, tex, display) of every formula, in source order."""
        text, position, length = self.text, 0, len(self.text)
        while position < length:
            self.steps += 1
            if position in self.code_starts:
                position = self.code_starts[position] + 1
                continue
            # Straight to the next character that can start something, or code block.
            special = _SPECIAL.search(text, position)
            next_special = special.start() if special else length
            index = bisect.bisect_left(self.code_order, position)
            next_code = self.code_order[index] if index < len(self.code_order) else length
            if next_code <= next_special:
                position = next_code
                continue
            position = next_special
            char = text[position]
            if char == "`":
                position = self.skip_code_span(position)
            elif char == "\\":
                position = self.backslash(position)
            elif char == "$":
                position = self.dollar(position)
            else:
                position = self.skip_raw_html(position)
        return self.found

    def skip_code_span(self, position: int) -> int:
        """Return the offset after a code span starting here, or after its opening run."""
        width = len(_BACKTICKS.match(self.text, position).group())
        # The closing run is the next run of exactly as many backticks.
        end = self.first_at(
            self.backtick_runs.get(width, []), position + width, self.limit(position), width
        )
        return end + width if end >= 0 else position + width

    def skip_raw_html(self, position: int) -> int:
        """Skip HTML comments and raw <pre>, <code> etc., where dollars are not math."""
        text = self.text
        if text.startswith("<!--", position):
            end = self.comment_close(position + 4)
            return end + 3 if end >= 0 else position + 4
        match = _RAW_SKIP.match(text, position)
        if match:
            name = match.group(1).lower()
            # Inline elements end within their paragraph; a stray "<code>" must not hide
            # the math of the rest of the article.
            stop = len(text) if name in ("pre", "script", "style") else self.limit(position)
            closers = self.html_closers.get(name)
            if closers is None:
                closing = re.compile(f"</{name}\\s*>", re.IGNORECASE)
                closers = [(m.start(), m.end()) for m in closing.finditer(text)]
                self.html_closers[name] = closers
            index = bisect.bisect_left(closers, (match.end(), -1))
            if index < len(closers) and closers[index][1] <= stop:
                return closers[index][1]
        return position + 1

    def comment_close(self, start: int) -> int:
        """Return the offset of the first "-->" at or after start, or -1 (remembered)."""
        if self.comment_end is not None:
            searched, found = self.comment_end
            # The last answer holds for any later start up to what it found.
            if searched <= start and (found < 0 or found >= start):
                return found
        found = self.text.find("-->", start)
        self.comment_end = (start, found)
        return found

    def backslash(self, position: int) -> int:
        """Handle \\( \\[ and bare \\begin{env}; skip any other escaped character."""
        text = self.text
        following = text[position + 1 : position + 2]
        if following in ("(", "["):
            closers = self.closing_parens if following == "(" else self.closing_brackets
            end = self.first_at(closers, position + 2, self.limit(position), 2)
            if end < 0 or self.in_link_text(end + 2):
                return position + 2
            if not _NON_SPACE.search(text, position + 2, end):
                return position + 2
            # With a TeX sign inside it is math; without, its text decides (read once:
            # no other opening lies inside, or that opening's backslash would be a sign).
            if self.first_at(self.tex_signs, position + 2, end) < 0 and _looks_like_prose(
                text[position + 2 : end]
            ):
                return position + 2
            self.found.append((position, end + 2, text[position + 2 : end], following == "["))
            return end + 2
        env = _ENV_START.match(text, position)
        if env and env.group(1) in BLOCK_ENVIRONMENTS:
            # Only at the start of a line: after indentation, quote markers or a list marker.
            index = bisect.bisect_left(self.newlines, position)
            line_start = self.newlines[index - 1] + 1 if index else 0
            if _BLOCK_LEAD.match(text, line_start).end() == position:
                end = self.env_end(position)
                if end >= 0:
                    self.found.append((position, end, text[position:end], True))
                    return end
        return position + 2

    def in_link_text(self, position: int) -> bool:
        """Tell whether a link's "](" or "][" follows, the rest of its text before it."""
        known = self.link_tails.get(position)
        if known is None:
            known = self.link_tails[position] = bool(_LINK_TEXT_TAIL.match(self.text, position))
        return known

    def env_end(self, start: int) -> int:
        """Return the offset after the \\end{name} matching the \\begin{name} at start, or -1.

        Each \\begin is paired with its \\end (same name, same stretch between barriers)
        in one pass over all of them, the first time one is asked for.
        """
        if self.env_ends is None:
            self.env_ends = {}
            open_begins: dict[tuple[int, str], list[int]] = {}
            for match in _ENV_EVENT.finditer(self.text):
                key = (bisect.bisect_right(self.barriers, match.start()), match.group(2))
                if match.group(1) == "begin":
                    open_begins.setdefault(key, []).append(match.start())
                elif open_begins.get(key):
                    self.env_ends[open_begins[key].pop()] = match.end()
        return self.env_ends.get(start, -1)

    def dollar(self, position: int) -> int:
        """Handle $$...$$ and $...$ (pandoc's rules for the latter)."""
        text, stop = self.text, self.limit(position)
        if text.startswith("$$", position):
            end = self.first_at(self.double_dollars, position + 2, stop, 2)
            if end < 0 or not _NON_SPACE.search(text, position + 2, end):
                return position + 2
            self.found.append((position, end + 2, text[position + 2 : end], True))
            return end + 2
        # An opening $ is followed by a non-space; a closing $ follows a non-space and is
        # not followed by a digit. So "costs $5 and $10 per day" holds no math.
        if position + 1 >= len(text) or text[position + 1].isspace():
            return self.padded_dollar(position)
        ends = [self.first_at(self.tight_closers, position + 2, stop)]
        # "$n $位大臣": MathJax pairs it, and passing it by would pair every later dollar
        # of the paragraph with the wrong partner. A $ on the same line closes it when what
        # lies between holds a TeX sign, or is one symbol (see closes_padded).
        line_end = self.line_end(position, stop)
        sign = self.first_at(self.tex_signs, position + 1, line_end)
        if sign >= 0:
            ends.append(self.first_at(self.padded_closers, sign + 1, line_end))
        symbol = _PADDED_SYMBOL.match(text, position + 1, line_end)
        if symbol and text.startswith("$", symbol.end()) and _ends_padded(text, symbol.end() + 1):
            ends.append(symbol.end())
        found = [end for end in ends if end >= 0]
        if not found:
            return position + 1
        end = min(found)
        self.found.append((position, end + 1, text[position + 1 : end], False))
        return end + 1

    def line_end(self, position: int, stop: int) -> int:
        """Return the offset of the end of position's line, at most stop."""
        index = bisect.bisect_left(self.newlines, position)
        end = self.newlines[index] if index < len(self.newlines) else len(self.text)
        return min(end, stop)

    def closes_padded(self, start: int, end: int) -> bool:
        """Tell whether a $ on the opening's line, with a space inside it, closes a formula.

        Authors who preview with MathJax write "$ y_3 = x^3$" and "$n $": accepted when
        the content reads as TeX and the closing $ does not run into a word or a number,
        so "$ 7 $", "$5 and $10" and "$ export PATH=$HOME" stay text.
        """
        if not _ends_padded(self.text, end + 1):
            return False
        if self.first_at(self.tex_signs, start + 1, end) >= 0:
            return True
        return bool(_PADDED_CONTENT.fullmatch(self.text, start + 1, end))

    def padded_dollar(self, position: int) -> int:
        """Handle "$ x^2$": an opening $ followed by a space, closed on the same line."""
        text = self.text
        stop = self.line_end(position, self.limit(position))
        if text[position + 1 : position + 2] in ("", "\n"):
            return position + 1
        end = self.first_at(self.dollars, position + 1, stop)
        if end < 0 or text[end - 1].isspace() or not self.closes_padded(position, end):
            return position + 1
        self.found.append((position, end + 1, text[position + 1 : end], False))
        return end + 1


def _digit_at(text: str, position: int) -> bool:
    return text[position : position + 1].isdigit()


def _ends_padded(text: str, after: int) -> bool:
    """Tell whether a padded formula may end before `after`: no word or number runs on."""
    char = text[after : after + 1]
    # A Latin letter or digit right after it: "$HOME", "$10". CJK text may follow.
    return not ((char.isascii() and char.isalnum()) or char.isdigit() or char in ("$", "_"))


def _strip_quote_markers(tex: str, depth: int) -> str:
    """Remove up to depth blockquote markers from every line of a formula but the first."""
    if depth == 0 or "\n" not in tex:
        return tex
    marker = re.compile(rf"(?:[ \t]*>[ \t]?){{0,{depth}}}")
    first, *rest = tex.split("\n")
    return "\n".join([first, *(marker.sub("", line, count=1) for line in rest)])


def protect_math(text: str) -> ProtectedText:
    """Replace each formula in Markdown source by a token; return the text and formulas."""
    prefix = _token_prefix(text)
    line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
    formulas: list[Formula] = []
    pieces: list[str] = []
    last = 0
    for start, end, tex, display in _Scanner(text).scan():
        line = bisect.bisect_right(line_starts, start)
        depth = _QUOTE_PREFIX.match(text, line_starts[line - 1]).group().count(">")
        tex = _strip_quote_markers(tex, depth).strip()
        formulas.append(Formula(tex, display, source=text[start:end], line=line))
        pieces.append(text[last:start])
        pieces.append(f"{prefix}{len(formulas) - 1}{'D' if display else 'I'}")
        last = end
    pieces.append(text[last:])
    return ProtectedText(text="".join(pieces), formulas=formulas, prefix=prefix)
