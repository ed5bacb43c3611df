"""One parse and one walk over an article's rendered HTML, for everything derived from it.

Publishing derives four things from the sanitised HTML: the plain text, the card excerpt,
the search fields (prose, code, formula sources) and the feed HTML. ``walk_html`` parses
the HTML once with lexbor (through selectolax) and walks the tree once, collecting:

* segments: text, block breaks and the things an excerpt shows as placeholders (code
  blocks, formulas, inline math, images), which excerpt.py normalises;
* the text of every code block and the TeX source of every formula, for search;
* on request, the feed HTML: each KaTeX formula reduced to its MathML, permalinks dropped.

Why lexbor: it implements the HTML5 parsing algorithm, like html5ever inside nh3, so it
builds exactly the tree the sanitiser meant (MathML and SVG included), and serialising that
tree gives back nh3's output byte for byte, which is what lets the feed HTML be cut out of
the same tree. It parses a typical article about 2.5 times faster than lxml, whose
libxml2 parser is not HTML5 (it lower-cases SVG's viewBox and escapes URLs on output).
"""

from __future__ import annotations

from typing import NamedTuple

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .htmldepth import VOID_TAGS, limit_depth

# Segment kinds.
TEXT = "text"
BREAK = "break"
CODE = "code"
DIAGRAM = "diagram"
FORMULA = "formula"
MATH = "math"
IMAGE = "image"
# A table's start and end: its cell text stays in the plain text (searched, counted), while
# an excerpt shows one placeholder for all of it.
TABLE_START = "table-start"
TABLE_END = "table-end"
# The end of a heading: an excerpt keeps it apart from the text after it.
HEADING_END = "heading-end"
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_DROP = "drop"

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
# Elements whose content is never text of the article.
_DROPPED_TAGS = frozenset({"script", "style", "template"})
# Classes marking non-content: heading permalinks, footnote references and the
# footnotes block, render failures, Pygments line-number columns, and a table of
# contents placed by [toc] (the headings it repeats are in the text already).
_DROPPED_CLASSES = frozenset(
    {
        "headerlink",
        "footnote-ref",
        "footnote",
        "footnotes",
        "render-error",
        "linenos",
        "toc-inline",
        "code-lang",
    }
)
# KaTeX's visual copy of a formula: most of a math-heavy article's bytes (spans of glyph
# layout) and no text, since the MathML beside it keeps the source. The walk skips it.
_KATEX_HTML = [("class", "katex-html"), ("aria-hidden", "true")]
# A rendered formula's wrapper, exactly as render.py writes it; math-error wrappers (class
# "… math-error") hold the formula's TeX source, which is what a feed reader should show.
# A display formula's box takes focus (it scrolls sideways), hence its tabindex.
_FORMULA_WRAPPERS = (
    [("class", "math math-inline")],
    [("class", "math math-display")],
    [("class", "math math-display"), ("tabindex", "0")],
)
# Tags that matter inside hidden content (a formula's MathML, a code block), where only search
# sources and feed cuts are noted; other elements there are passed without reading attributes,
# unless some element has the class math-error (a formula source whatever its tag).
_NOTED_WHEN_HIDDEN = frozenset({"a", "annotation", "div", "math", "pre", "span"})
_FEED_TAGS = frozenset({"a", "div", "math", "span"})
_PASSED = (False, False, False, False)  # the frame of an element passed that way


class Segment(NamedTuple):
    """One piece of an article: text, a block break or a placeholder (with alt text)."""

    kind: str
    text: str = ""


class HtmlWalk(NamedTuple):
    """What one walk over article HTML collects."""

    segments: list[Segment]
    code: list[str]  # the text of each code block, in order
    math: list[str]  # the TeX source of each formula, in order
    feed_html: str | None  # None unless asked for


def walk_html(html: str, *, feed: bool = False) -> HtmlWalk:
    """Parse article HTML once and collect its segments, code, formulas and (if asked) feed HTML."""
    parser = LexborHTMLParser(limit_depth(html), is_fragment=True)
    walker = _Walker(feed, math_errors="math-error" in html)
    walker.walk(parser.root)
    feed_html = walker.feed_html(parser, html) if feed else None
    return HtmlWalk(walker.segments, walker.code, walker.math, feed_html)


class _Walker:
    """Visit a parsed fragment's nodes in document order, keeping three views of them."""

    def __init__(self, feed: bool, math_errors: bool) -> None:
        self.segments: list[Segment] = []
        self.code: list[str] = []
        self.math: list[str] = []
        self._feed = feed
        self._math_errors = math_errors
        # One frame per open element: (is a block, hides its text, collects search text,
        # is the formula wrapper being reduced).
        self._frames: list[tuple[bool, bool, bool, bool]] = []
        self._hidden = 0
        self._into: tuple[list[str], list[str]] | None = None  # (code or math, chunks)
        self._wrapper: list[LexborNode | None] | None = None  # [wrapper, its first <math>]
        self._reductions: list[tuple[LexborNode, LexborNode]] = []
        self._permalinks: list[LexborNode] = []
        self._tags: list[str | None] = []  # the tag of each frame (None: passed unread)

    def walk(self, node: LexborNode | None) -> None:
        """Walk `node`, its following siblings and all their descendants, without recursion."""
        depth = 0
        while node is not None:
            tag = node.tag
            if tag == "-text":
                if not self._hidden or self._into is not None:
                    self._text(node.text_content)
            elif tag[0] != "-" and self._enter(node, tag):  # not a comment
                child = node.first_child
                if child is not None:
                    node, depth = child, depth + 1
                    continue
                self._leave()
            while True:
                following = node.next
                if following is not None:
                    node = following
                    break
                if depth == 0:
                    return
                node, depth = node.parent, depth - 1
                self._leave()

    def _enter(self, node: LexborNode, tag: str) -> bool:
        """Handle an element's start; return False if its content is not to be walked."""
        if self._hidden and tag not in _NOTED_WHEN_HIDDEN and not self._math_errors:
            self._frames.append(_PASSED)
            self._tags.append(None)
            return True
        attributes = node.attributes
        if tag in VOID_TAGS:
            self._void(tag, attributes)
            return False
        if (
            tag == "span"
            and attributes.get("aria-hidden") == "true"
            and list(attributes.items()) == _KATEX_HTML
        ):
            return False
        classes = attributes.get("class")
        classes = set(classes.split()) if classes else set()
        replaced = _replacement(tag, attributes, classes)
        block = tag in _BLOCK_TAGS
        if not self._hidden:
            if block:
                self.segments.append(Segment(BREAK))
            if tag == "table":
                self.segments.append(Segment(TABLE_START))
            if replaced in (CODE, DIAGRAM, FORMULA, MATH):
                self.segments.append(Segment(replaced))
            elif replaced == IMAGE:
                # A missing image's stand-in reads like the image: [ALT], or nothing.
                alt = " ".join((attributes.get("aria-label") or "").split())
                if alt:
                    self.segments.append(Segment(IMAGE, alt))
        hides = replaced is not None
        self._hidden += hides
        collects = self._into is None and _source_kind(tag, attributes, classes) is not None
        if collects:
            target = self.code if tag == "pre" else self.math
            self._into = (target, [])
        wraps = self._feed and tag in _FEED_TAGS and self._feed_rules(node, tag, attributes)
        self._frames.append((block, hides, collects, wraps))
        self._tags.append(tag)
        return True

    def _leave(self) -> None:
        """Handle the end of the innermost open element."""
        block, hides, collects, wraps = self._frames.pop()
        tag = self._tags.pop()
        self._hidden -= hides
        if not self._hidden:
            if tag in _HEADING_TAGS:
                self.segments.append(Segment(HEADING_END))
            elif tag == "table":
                self.segments.append(Segment(TABLE_END))
            if block:
                self.segments.append(Segment(BREAK))
        if collects:
            target, chunks = self._into
            target.append("".join(chunks))
            self._into = None
        if wraps:
            wrapper, math = self._wrapper
            if math is not None:
                self._reductions.append((wrapper, math))
            self._wrapper = None

    def _void(self, tag: str, attributes: dict[str, str | None]) -> None:
        """Handle an element that has no content: an image's alt text, or a break."""
        if self._hidden:
            return
        if tag == "img":
            alt = " ".join((attributes.get("alt") or "").split())
            if alt:
                self.segments.append(Segment(IMAGE, alt))
        elif tag in _BLOCK_TAGS:
            self.segments.append(Segment(BREAK))

    def _text(self, data: str) -> None:
        if not self._hidden:
            self.segments.append(Segment(TEXT, data))
        if self._into is not None:
            self._into[1].append(data)

    def _feed_rules(self, node: LexborNode, tag: str, attributes: dict[str, str | None]) -> bool:
        """Note permalinks and formulas to cut for the feed; return True for a formula wrapper."""
        if tag == "a":
            first = next(iter(attributes.items()), None)
            link = node.first_child
            if (
                first == ("class", "headerlink")
                and link is not None
                and link.next is None
                and link.text_content == "#"
            ):
                self._permalinks.append(node)
        elif tag in ("span", "div") and self._wrapper is None:
            if list(attributes.items()) in _FORMULA_WRAPPERS:
                self._wrapper = [node, None]
                return True
        elif tag == "math" and self._wrapper is not None and self._wrapper[1] is None:
            self._wrapper[1] = node
        return False

    def feed_html(self, parser: LexborHTMLParser, html: str) -> str:
        """Return the fragment with permalinks dropped and each formula reduced to its MathML."""
        if not self._permalinks and not self._reductions:
            return html
        # Permalinks first: one inside a formula's discarded part must not be freed twice.
        for link in self._permalinks:
            link.decompose()
        for wrapper, math in self._reductions:
            children = []
            child = wrapper.first_child
            while child is not None:
                children.append(child)
                child = child.next
            wrapper.insert_child(math, move=True)
            for child in children:
                if child.mem_id != math.mem_id:
                    child.decompose()
        return parser.html or ""


def _replacement(tag: str, attributes: dict[str, str | None], classes: set[str]) -> str | None:
    """Return what replaces an element's text: a placeholder kind, image, "drop" or None."""
    if tag in _DROPPED_TAGS or classes & _DROPPED_CLASSES:
        return _DROP
    if tag == "sup" and (attributes.get("id") or "").startswith("fnref"):
        return _DROP
    # render.py's stand-in for a missing image: its text is the alt text (or file name).
    if "missing-image" in classes:
        return IMAGE
    # Every <pre> is a code block, fenced or indented, highlighted or bare; a ```mermaid
    # block is a diagram's source.
    if tag == "pre":
        return DIAGRAM if "mermaid" in classes else CODE
    # A bare MathML element, should one get through without the KaTeX wrapper.
    if tag == "math":
        return FORMULA if attributes.get("display") == "block" else MATH
    # math-error elements keep the math classes, so they get the same placeholders.
    if "math" in classes:
        display = "math-display" in classes or ("math-inline" not in classes and tag == "div")
        return FORMULA if display else MATH
    return None


def _source_kind(tag: str, attributes: dict[str, str | None], classes: set[str]) -> str | None:
    """Return whether an element's text is searched as code, as a formula's source, or neither.

    KaTeX keeps a formula's source in <annotation encoding="application/x-tex">; a formula
    KaTeX could not render shows its source in the math-error element instead.
    """
    if tag == "pre":
        return CODE
    if tag == "annotation" and attributes.get("encoding") == "application/x-tex":
        return MATH
    if "math-error" in classes:
        return MATH
    return None
