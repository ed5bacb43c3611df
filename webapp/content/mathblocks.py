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
# A lone math symbol between dollars: "$n $", "$ x$", "$A'$".
_SINGLE_SYMBOL = re.compile(r"[A-Za-z]'*")


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
            close = _find_fence_close(lines, index + 1, fence.group(1))
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


def _find_fence_close(lines: list[str], start: int, fence: str) -> int | None:
    """Return the index of the line closing a fence opened with `fence`, or None."""
    closing = re.compile(re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
    for index in range(start, len(lines)):
        if closing.match(_unquote(lines[index]).strip()):
            return index
    return None


class _Scanner:
    """One left-to-right pass over the source that collects formulas outside code."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.code = code_ranges(text)
        self.code_starts = {start: end for start, end in self.code}
        # Nothing inline, and no formula, runs past a blank line (one holding only quote
        # markers counts too) or into a code block.
        blanks = {m.end() for m in _BLANK_LINE.finditer(text)}
        self.barriers = sorted(blanks | {start for start, _ in self.code})
        self.found: list[tuple[int, int, str, bool]] = []  # start, end, tex, display

    def limit(self, position: int) -> int:
        """Return the first barrier after position (or the end of the text)."""
        index = bisect.bisect_right(self.barriers, position)
        return self.barriers[index] if index < len(self.barriers) else len(self.text)

    def find_unescaped(self, needle: str, start: int, stop: int) -> int:
        """Return the offset of needle in [start, stop), skipping backslash escapes, or -1."""
        text, position = self.text, start
        while position < stop:
            if text.startswith(needle, position):
                return position if position + len(needle) <= stop else -1
            position += 2 if text[position] == "\\" else 1
        return -1

    def scan(self) -> list[tuple[int, int, str, bool]]:
        """Collect (start, end, tex, display) of every formula, in source order."""
        text, position, length = self.text, 0, len(self.text)
        while position < length:
            if position in self.code_starts:
                position = self.code_starts[position] + 1
                continue
            char = text[position]
            if char == "`":
                position = self.skip_code_span(position)
            elif char == "\\":
                position = self.backslash(position)
            elif char == "$":
                position = self.dollar(position)
            elif char == "<":
                position = self.skip_raw_html(position)
            else:
                position += 1
        return self.found

    def skip_code_span(self, position: int) -> int:
        """Return the offset after a code span starting here, or after its opening run."""
        run = _BACKTICKS.match(self.text, position).group()
        closing = re.compile(f"(?<!`){run}(?!`)")
        match = closing.search(self.text, position + len(run), self.limit(position))
        return match.end() if match else position + len(run)

    def skip_raw_html(self, position: int) -> int:
        """Skip HTML comments and raw <pre>, <code> etc., where dollars are not math."""
        text = self.text
        if text.startswith("<!--", position):
            end = text.find("-->", position + 4)
            return end + 3 if end >= 0 else position + 4
        match = _RAW_SKIP.match(text, position)
        if match:
            name = match.group(1).lower()
            closing = re.compile(f"</{name}\\s*>", re.IGNORECASE)
            # Inline elements end within their paragraph; a stray "<code>" must not hide
            # the math of the rest of the article.
            stop = len(text) if name in ("pre", "script", "style") else self.limit(position)
            end = closing.search(text, match.end(), stop)
            if end:
                return end.end()
        return position + 1

    def backslash(self, position: int) -> int:
        """Handle \\( \\[ and bare \\begin{env}; skip any other escaped character."""
        text = self.text
        following = text[position + 1 : position + 2]
        if following in ("(", "["):
            closing = "\\)" if following == "(" else "\\]"
            stop = self.limit(position)
            end = self.find_unescaped(closing, position + 2, stop)
            if end < 0:
                return position + 2
            content = text[position + 2 : end]
            in_link_text = _LINK_TEXT_TAIL.match(text, end + 2)
            if not content.strip() or in_link_text or _looks_like_prose(content):
                return position + 2
            self.found.append((position, end + 2, content, following == "["))
            return end + 2
        env = _ENV_START.match(text, position)
        # Only at the start of a line: after indentation, quote markers or a list marker.
        line_start = text.rfind("\n", 0, position) + 1
        at_line_start = _BLOCK_LEAD.match(text, line_start).end() == position
        if env and env.group(1) in BLOCK_ENVIRONMENTS and at_line_start:
            end = self.find_env_end(env.group(1), env.end(), self.limit(position))
            if end >= 0:
                self.found.append((position, end, text[position:end], True))
                return end
        return position + 2

    def find_env_end(self, name: str, start: int, stop: int) -> int:
        """Return the offset after the \\end{name} matching a \\begin{name}, or -1."""
        pattern = re.compile(r"\\(begin|end)\{" + re.escape(name) + r"\}")
        depth = 1
        for match in pattern.finditer(self.text, start, stop):
            depth += 1 if match.group(1) == "begin" else -1
            if depth == 0:
                return match.end()
        return -1

    def dollar(self, position: int) -> int:
        """Handle $$...$$ and $...$ (pandoc's rules for the latter)."""
        text, stop = self.text, self.limit(position)
        if text.startswith("$$", position):
            end = self.find_unescaped("$$", position + 2, stop)
            if end < 0 or not text[position + 2 : end].strip():
                return position + 2
            self.found.append((position, end + 2, text[position + 2 : end], True))
            return end + 2
        # An opening $ is followed by a non-space; a closing $ follows a non-space and is
        # not followed by a digit. So "costs $5 and $10 per day" holds no math.
        if position + 1 >= len(text) or text[position + 1].isspace():
            return self.padded_dollar(position)
        search = position + 1
        line_end = self.line_end(position, stop)
        while True:
            end = self.find_unescaped("$", search, stop)
            if end < 0:
                return position + 1
            after = text[end + 1 : end + 2]
            if not text[end - 1].isspace() and not after.isdigit() and end > position + 1:
                self.found.append((position, end + 1, text[position + 1 : end], False))
                return end + 1
            if end < line_end and self.closes_padded(position, end):
                # "$n $位大臣": MathJax pairs it, and passing it by would pair every later
                # dollar of the paragraph with the wrong partner.
                self.found.append((position, end + 1, text[position + 1 : end], False))
                return end + 1
            search = end + 1

    def line_end(self, position: int, stop: int) -> int:
        """Return the offset of the end of position's line, at most stop."""
        end = self.text.find("\n", position, stop)
        return stop if end < 0 else end

    def closes_padded(self, start: int, end: int) -> bool:
        """Tell whether a $ on the opening's line, with a space inside it, closes a formula.

        Authors who preview with MathJax write "$ y_3 = x^3$" and "$n $": accepted when
        the content reads as TeX and the closing $ does not run into a word or a number,
        so "$ 7 $", "$5 and $10" and "$ export PATH=$HOME" stay text.
        """
        text = self.text
        after = text[end + 1 : end + 2]
        # A Latin letter or digit right after it: "$HOME", "$10". CJK text may follow.
        if (after.isascii() and after.isalnum()) or after.isdigit() or after in ("$", "_"):
            return False
        content = text[start + 1 : end].strip()
        return bool(content) and bool(
            _TEX_SIGNS.search(content) or _SINGLE_SYMBOL.fullmatch(content)
        )

    def padded_dollar(self, position: int) -> int:
        """Handle "$ x^2$": an opening $ followed by a space, closed on the same line."""
        text = self.text
        stop = self.line_end(position, self.limit(position))
        if text[position + 1 : position + 2] in ("", "\n"):
            return position + 1
        end = self.find_unescaped("$", position + 1, stop)
        if end < 0 or text[end - 1].isspace() or not self.closes_padded(position, end):
            return position + 1
        self.found.append((position, end + 1, text[position + 1 : end], False))
        return end + 1


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
