"""Plain text and card excerpts from an article's rendered, sanitised HTML.

One walk over the HTML (``iter_segments``) turns it into a sequence of segments: text,
block breaks, and the things an excerpt shows as placeholders (code blocks, formulas,
inline math, images). ``body_text`` and ``make_excerpt`` both normalise that sequence,
the first leaving the placeholders out and the second spelling them per language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from typing import NamedTuple

from .language import CJK_IDEOGRAPHS, is_chinese

EXCERPT_LENGTH = 350
ELLIPSIS = "..."

# Segment kinds.
TEXT = "text"
BREAK = "break"
CODE = "code"
FORMULA = "formula"
MATH = "math"
IMAGE = "image"

# (Chinese, other languages); inline math reads the same in both on purpose.
_PLACEHOLDERS = {
    CODE: ("[代码]", "[Code]"),
    FORMULA: ("[公式]", "[Formula]"),
    MATH: ("[Math]", "[Math]"),
}

# Elements whose boundaries separate words, so their text is joined with a space.
# <br> is included: a hard line break is an explicit separation by the author.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details",
        "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Elements that never have content or an end tag; they are not pushed on the stack.
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
# Elements whose content is never text of the article.
_DROPPED_TAGS = frozenset({"script", "style", "template"})
# Classes marking non-content: heading permalinks, footnote references and the
# footnotes block, render failures, and Pygments line-number columns.
_DROPPED_CLASSES = frozenset(
    {"headerlink", "footnote-ref", "footnote", "footnotes", "render-error", "linenos"}
)

# Characters written without spaces between them (Han, kana, CJK and fullwidth
# punctuation); a hard-wrap newline between two of them is not a word boundary.
# Hangul is absent because Korean separates words with spaces.
_WIDE = re.compile(
    f"[{CJK_IDEOGRAPHS}\u3001-\u303f\u3040-\u30ff\u31f0-\u31ff\ufe30-\ufe4f"
    "\uff01-\uff60\uffe0-\uffe6]"
)
# Punctuation that Chinese input methods produce but English uses too (“”‘’—…·):
# it counts as wide only when the character on the other side of the newline is.
_SHARED = re.compile("[\u00b7\u2014\u2018\u2019\u201c\u201d\u2026]")
_NEWLINE = re.compile(r"\s*\n\s*")
_SPACES = re.compile(r"\s+")


class Segment(NamedTuple):
    """One piece of an article: text, a block break or a placeholder (with alt text)."""

    kind: str
    text: str = ""


class _Walker(HTMLParser):
    """Collect the segments of a document, tolerating unclosed and stray tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segments: list[Segment] = []
        # Open elements as (tag, hides its content); end tags close up to the nearest
        # open element of the same name, so unclosed tags inside it cannot leak.
        self._stack: list[tuple[str, bool]] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in _VOID_TAGS:
            if self._hidden:
                return
            if tag == "img":
                alt = " ".join((attributes.get("alt") or "").split())
                if alt:
                    self.segments.append(Segment(IMAGE, alt))
            elif tag in _BLOCK_TAGS:
                self.segments.append(Segment(BREAK))
            return
        replaced = _replacement(tag, attributes)
        if not self._hidden:
            if tag in _BLOCK_TAGS:
                self.segments.append(Segment(BREAK))
            if replaced in _PLACEHOLDERS:
                self.segments.append(Segment(replaced))
            elif replaced == IMAGE:
                # A missing image's stand-in reads like the image: [ALT], or nothing.
                alt = " ".join((attributes.get("aria-label") or "").split())
                if alt:
                    self.segments.append(Segment(IMAGE, alt))
        hides = replaced is not None
        self._stack.append((tag, hides))
        self._hidden += hides

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                self._hidden -= sum(hides for _, hides in self._stack[index:])
                del self._stack[index:]
                break
        if not self._hidden and tag in _BLOCK_TAGS:
            self.segments.append(Segment(BREAK))

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.segments.append(Segment(TEXT, data))

    def close(self) -> None:
        # Unparsed input that starts with "<" is a tag or comment cut off by the end of
        # the document; browsers drop it, html.parser (3.11) would emit it as text.
        if len(self.rawdata) > 1 and self.rawdata.startswith("<"):
            self.rawdata = ""
        super().close()

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        # The standard library raises AssertionError on "<![junk[": skip it up to the
        # next ">" the way browsers treat a bogus comment, instead of failing the walk.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i)
            return -1 if end < 0 else end + 1


def _replacement(tag: str, attributes: dict[str, str | None]) -> str | None:
    """Return what replaces an element's content: a placeholder kind, image, "drop" or None."""
    classes = set((attributes.get("class") or "").split())
    if tag in _DROPPED_TAGS or classes & _DROPPED_CLASSES:
        return "drop"
    if tag == "sup" and (attributes.get("id") or "").startswith("fnref"):
        return "drop"
    # render.py's stand-in for a missing image: its text is the alt text (or file name).
    if "missing-image" in classes:
        return IMAGE
    # Every <pre> is a code block, fenced or indented, highlighted or bare.
    if tag == "pre":
        return CODE
    # A bare MathML element, should one get through without the KaTeX wrapper.
    if tag == "math":
        return FORMULA if attributes.get("display") == "block" else MATH
    # math-error elements keep the math classes, so they get the same placeholders.
    if "math" in classes:
        display = "math-display" in classes or ("math-inline" not in classes and tag == "div")
        return FORMULA if display else MATH
    return None


_KATEX_HTML = re.compile(r'<span class="katex-html" aria-hidden="true">')
_SPAN_TAG = re.compile(r"<(/?)span\b")


def without_katex_html(html: str) -> str:
    """Drop KaTeX's visual HTML (aria-hidden; the MathML beside it keeps the source).

    It is most of a math-heavy article's bytes (a 190 KB page is 80 % spans of glyph
    layout) and holds no text: every walk over article HTML (excerpt, body text, search
    fields) cuts it first, which makes the walk several times faster.
    """
    kept: list[str] = []
    position = 0
    for start in _KATEX_HTML.finditer(html):
        if start.start() < position:
            continue  # nested inside a part already dropped
        depth = 0
        for tag in _SPAN_TAG.finditer(html, start.start()):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                end = html.find(">", tag.end())
                break
        else:
            end = -1
        if end < 0:
            break  # unbalanced: keep the rest as it is
        kept.append(html[position : start.start()])
        position = end + 1
    kept.append(html[position:])
    return "".join(kept)


def iter_segments(html: str) -> Iterator[Segment]:
    """Yield the segments of an article's HTML in document order."""
    walker = _Walker()
    walker.feed(without_katex_html(html))
    walker.close()
    yield from walker.segments


def _join_cjk_lines(text: str) -> str:
    """Remove newlines (and the blanks around them) between two wide characters."""

    def join(match: re.Match[str]) -> str:
        before = text[match.start() - 1 : match.start()]
        after = text[match.end() : match.end() + 1]
        if before and after:
            wide_before, wide_after = _WIDE.match(before), _WIDE.match(after)
            if (wide_before and (wide_after or _SHARED.match(after))) or (
                wide_after and _SHARED.match(before)
            ):
                return ""
        return match.group()

    return _NEWLINE.sub(join, text)


def _pieces(
    segments: Iterable[Segment], render: Callable[[Segment], str]
) -> list[tuple[str, bool]]:
    """Normalise segments into (text, is_placeholder) pieces with single spaces, stripped."""
    raw: list[tuple[str, bool]] = []
    buffer: list[str] = []
    for segment in segments:
        if segment.kind == TEXT:
            # Inline elements split text nodes; join them before looking at newlines.
            buffer.append(segment.text)
            continue
        if buffer:
            raw.append((_join_cjk_lines("".join(buffer)), False))
            buffer = []
        raw.append((" ", False) if segment.kind == BREAK else (render(segment), True))
    if buffer:
        raw.append((_join_cjk_lines("".join(buffer)), False))

    pieces: list[tuple[str, bool]] = []
    pending_space = False
    for text, atomic in raw:
        if not atomic:
            text = _SPACES.sub(" ", text)
            pending_space = pending_space or text.startswith(" ")
        core = text if atomic else text.strip(" ")
        if not core:
            continue
        if pending_space and pieces:
            pieces.append((" ", False))
        pieces.append((core, atomic))
        pending_space = not atomic and text.endswith(" ")
    return pieces


def _placeholder(segment: Segment, chinese: bool) -> str:
    """Return the excerpt text standing for a code block, formula, math or image."""
    if segment.kind == IMAGE:
        return f"[{segment.text}]"
    chinese_text, other_text = _PLACEHOLDERS[segment.kind]
    return chinese_text if chinese else other_text


def body_text(html: str) -> str:
    """Return the article's plain text without code, math or images, blocks space-joined."""
    # Placeholders render as nothing here but still end the text run before them, so a
    # hard-wrap newline next to a removed formula or image becomes a space, not a join.
    return "".join(text for text, _ in _pieces(iter_segments(html), lambda _: ""))


def make_excerpt(html: str, lang: str, length: int = EXCERPT_LENGTH) -> str:
    """Return the card excerpt: at most `length` code points of text, then "..." if cut."""
    if length < 1:
        raise ValueError("excerpt length must be positive")
    chinese = is_chinese(lang)
    pieces = _pieces(iter_segments(html), lambda segment: _placeholder(segment, chinese))
    if sum(len(text) for text, _ in pieces) <= length:
        return "".join(text for text, _ in pieces)
    kept: list[str] = []
    room = length
    for text, atomic in pieces:
        if len(text) <= room:
            kept.append(text)
            room -= len(text)
            continue
        # A placeholder is never cut: if it does not fit, the excerpt ends before it.
        if not atomic:
            kept.append(text[:room])
        break
    return "".join(kept).rstrip() + ELLIPSIS
