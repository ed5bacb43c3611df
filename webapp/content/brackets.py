"""Link text found in linear time: Python-Markdown's bracket matching made not quadratic.

For each "[" its link processors read ahead to the matching "]" one character at a time
(LinkInlineProcessor.getText). When none matches, that read runs to the end of the
paragraph, and it is done again for every "[": 5,000 "[" took 6 s. Here the brackets of
a paragraph are paired once, with a stack, and each "[" then finds its partner at once.
The pairs are the ones the original reading finds, so the output is the same.

The link's destination, "(" to ")", was read the same way (LinkInlineProcessor.getLink),
from every "(" to the end of the paragraph when nothing closes it: "[a](" x 5,000 took
15 s. Its reading is worked out here from the paragraph's parentheses and quotes, listed
once, so each link finds its end by bisection, with the original's exact result.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import dequote

# The processors that read link text, by their registered names.
_LINK_PROCESSORS = (
    "link", "image_link", "reference", "short_reference", "image_reference", "short_image_ref",
)  # fmt: skip


def bracket_pairs(data: str) -> dict[int, int]:
    """Return, for each "[" that has one, the offset of the "]" that closes it."""
    pairs: dict[int, int] = {}
    opened: list[int] = []
    for index, char in enumerate(data):
        if char == "[":
            opened.append(index)
        elif char == "]" and opened:
            pairs[opened.pop()] = index
    return pairs


# A quote, then spaces, then ")": where the original reading may end a titled link.
_QUOTE_CLOSE = re.compile(r"""(['"]) *\)""")


@dataclass
class _Parens:
    """A paragraph's parentheses and quotes, listed once for every link in it."""

    close_of: dict[int, int]  # "(" offset -> offset of the ")" that closes it
    opens: list[int]
    closes: list[int]
    parens: list[int]  # both kinds, in order
    quotes: dict[str, list[int]]  # "'" and '"' -> their offsets
    first_quotes: list[int]  # both kinds, in order
    quote_closes: list[tuple[int, int]]  # (offset of ")", offset of the quote before it)


def paren_facts(data: str) -> _Parens:
    """List the parentheses, their pairs and the quotes of a text, in one pass each."""
    close_of: dict[int, int] = {}
    opened: list[int] = []
    opens, closes, parens = [], [], []
    quotes: dict[str, list[int]] = {"'": [], '"': []}
    for index, char in enumerate(data):
        if char == "(":
            opened.append(index)
            opens.append(index)
            parens.append(index)
        elif char == ")":
            if opened:
                close_of[opened.pop()] = index
            closes.append(index)
            parens.append(index)
        elif char in quotes:
            quotes[char].append(index)
    return _Parens(
        close_of, opens, closes, parens, quotes,
        sorted(quotes["'"] + quotes['"']),
        [(m.end() - 1, m.start()) for m in _QUOTE_CLOSE.finditer(data)],
    )  # fmt: skip


def _after(offsets: list[int], index: int) -> int | None:
    """Return the first offset in the sorted list that is greater than index, or None."""
    found = bisect.bisect_right(offsets, index)
    return offsets[found] if found < len(offsets) else None


def link_end(facts: _Parens, data: str, index: int, start: int):
    """Return (href, title, index, handled) as getLink's reading loop leaves them.

    index is the "(" and start where the destination begins (after "(" and blanks). Before
    the first quote the loop counts parentheses, so the "(" closes at its pair. From the
    first quote on it is in a title: it ends at a ")" right after (blanks aside) a later
    quote of the first kind, or a second one of the other kind; failing that, at the
    paren that brings its backup count, the depth at the quote, to zero; failing that,
    nowhere.
    """
    first = facts.first_quotes
    found = bisect.bisect_left(first, start)
    quote_at = first[found] if found < len(first) else None
    close = facts.close_of.get(index)
    if close is not None and (quote_at is None or close < quote_at):
        return data[start:close], None, close + 1, True
    if quote_at is None:
        return "", None, len(data), False
    quote = data[quote_at]
    other = "'" if quote == '"' else '"'
    other_at = _after(facts.quotes[other], quote_at)
    ends = facts.quote_closes
    for close, before in ends[bisect.bisect_left(ends, (quote_at + 1, -1)) :]:
        if before in (quote_at, other_at):
            continue  # an opening quote does not end the title
        if data[before] == quote:
            return data[start:quote_at], data[quote_at + 1 : before], close + 1, True
        return data[start:other_at], data[other_at + 1 : before], close + 1, True
    depth = (
        1
        + bisect.bisect_left(facts.opens, quote_at) - bisect.bisect_left(facts.opens, start)
        - bisect.bisect_left(facts.closes, quote_at) + bisect.bisect_left(facts.closes, start)
    )  # fmt: skip
    found = bisect.bisect_right(facts.parens, quote_at) + depth - 1
    if found < len(facts.parens):
        paren = facts.parens[found]
        # The original's backup end is only set at a ")"; at a "(" it is left at -1.
        last = paren + 1 if data[paren] == ")" else -1
        return data[start : last - 1], None, last, True
    return "", None, len(data), False


class _PairedText:
    """Mixin: getText answered from the paragraph's bracket pairs, worked out once per text."""

    _paired: tuple[str, dict[int, int]] | None = None

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802
        """Return the text up to the "]" matching the "[" before index, as the original."""
        if index == 0 or data[index - 1] != "[":
            return super().getText(data, index)  # not called so by Markdown; keep its reading
        if self._paired is None or self._paired[0] is not data:
            self._paired = (data, bracket_pairs(data))
        close = self._paired[1].get(index - 1)
        if close is None:
            # The original returns the rest of the text, which no caller reads when unmatched.
            return "", len(data), False
        return data[index:close], close + 1, True

    _parens: tuple[str, _Parens] | None = None

    def getLink(self, data: str, index: int):  # noqa: N802 - Markdown's API
        """Return (href, title, index, handled) as the original, without reading ahead."""
        match = self.RE_LINK.match(data, pos=index)
        if not match or match.group(1):
            return super().getLink(data, index)  # no "(", or an <href>: read in place
        if self._parens is None or self._parens[0] is not data:
            self._parens = (data, paren_facts(data))
        href, title, index, handled = link_end(self._parens[1], data, index, match.end())
        # The original's last steps, on what its loop found.
        if title is not None:
            title = self.RE_TITLE_CLEAN.sub(" ", dequote(self.unescape(title.strip())))
        return self.unescape(href).strip(), title, index, handled


class LinearLinkExtension(Extension):
    """Swaps Markdown's link and image processors for ones that pair brackets once."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Markdown's API
        for name in _LINK_PROCESSORS:
            if name in md.inlinePatterns:
                processor = md.inlinePatterns[name]
                kind = type(processor)
                # The same processor, where it was registered, with getText replaced.
                processor.__class__ = type(f"Paired{kind.__name__}", (_PairedText, kind), {})
