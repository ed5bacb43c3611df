"""The HTML allow-list every rendered article passes through before it is stored."""

from __future__ import annotations

import html as html_lib
import re
import secrets
from collections.abc import Callable
from functools import cache

import nh3

_TEXT_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "a", "em", "strong", "b", "i",
    "u", "s", "del", "ins", "mark", "code", "pre", "kbd", "samp", "var", "sup", "sub",
    "small", "abbr", "cite", "q", "dfn", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
    "img", "figure", "figcaption", "details", "summary", "div", "span", "input",
}  # fmt: skip
# What KaTeX emits: MathML for assistive technology, SVG for stretchy glyphs.
_MATHML_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace",
    "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover",
    "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "mlabeledtr",
}  # fmt: skip
_SVG_TAGS = {"svg", "path", "line"}

_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href", "id"},
    "img": {"src", "alt", "width", "height"},
    "input": {"checked", "disabled"},  # type is pinned to checkbox below
    "details": {"open"},
    "ol": {"start", "reversed"},
    "th": {"align", "style", "colspan", "rowspan", "scope"},
    "td": {"align", "style", "colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
    # Footnotes, headings and attr_list targets are linked to by id.
    **{tag: {"id"} for tag in ("h1", "h2", "h3", "h4", "h5", "h6", "li", "sup", "dt", "p")},
    "div": {"id", "style"},
    # data-linenos: a code line's number, drawn by CSS (never copied with the code).
    "span": {"id", "style", "aria-hidden", "data-linenos"},
    "math": {"xmlns", "display"},
    "annotation": {"encoding"},
    "mi": {"mathvariant"},
    "mn": {"mathvariant"},
    "ms": {"mathvariant"},
    "mtext": {"mathvariant"},
    "mo": {"fence", "lspace", "rspace", "stretchy", "minsize", "maxsize", "separator",
           "movablelimits", "mathvariant", "accent"},
    "mspace": {"width", "height", "depth", "mathbackground", "linebreak"},
    "mfrac": {"linethickness"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "munderover": {"accent", "accentunder"},
    "mtable": {"columnalign", "rowalign", "columnlines", "rowlines", "columnspacing",
               "rowspacing", "width", "frame"},
    "mtr": {"columnalign", "rowalign"},
    "mtd": {"columnalign", "rowalign", "width", "style"},
    "mstyle": {"displaystyle", "scriptlevel", "mathcolor", "mathbackground", "mathvariant",
               "style"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset", "mathbackground", "style"},
    "menclose": {"notation", "mathcolor", "mathbackground"},
    "svg": {"xmlns", "width", "height", "viewBox", "preserveAspectRatio", "style"},
    "path": {"d"},
    "line": {"x1", "y1", "x2", "y2", "stroke-width"},
}  # fmt: skip

# CSS properties KaTeX writes into style attributes, plus table cell alignment.
STYLE_PROPERTIES = frozenset(
    {
        "height", "width", "min-width", "max-width", "vertical-align", "top", "bottom",
        "left", "right", "position", "margin", "margin-left", "margin-right", "margin-top",
        "margin-bottom", "padding-left", "padding-right", "padding-top", "padding-bottom",
        "border", "border-width", "border-style", "border-color", "border-bottom-width",
        "border-top-width", "border-right-width", "border-right-style", "border-left-width",
        "border-left-style", "border-top-style", "border-bottom-style", "color",
        "background-color", "text-align", "text-shadow",
    }
)  # fmt: skip
# Properties only KaTeX's own markup may take (it places glyphs with relative offsets):
# in an author's style they would lift a box out of the flow and over the page's header.
_POSITIONING = frozenset({"position", "top", "right", "bottom", "left"})
AUTHOR_STYLE_PROPERTIES = STYLE_PROPERTIES - _POSITIONING
# Values that could fetch, run or escape the article box: url(), expressions, escapes,
# and fixed or sticky positioning (a page-covering overlay).
_UNSAFE_STYLE_VALUE = re.compile(r"url\s*\(|expression|javascript|\\|@|fixed|sticky", re.I)
# The largest length an author's style may give anything, in CSS pixels: wide enough for
# any box inside an article, far short of one that could reach over the rest of the page.
MAX_AUTHOR_LENGTH_PX = 1200
# CSS pixels per unit an author's length may use. Anything else is refused, among them the
# viewport units (vw, vh, dvh, svh, lvh, vmin, cqw, ...): sized to the window, not the article.
_PX_PER_UNIT = {
    "": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54,
    "mm": 96 / 25.4, "q": 96 / 101.6, "em": 16.0, "rem": 16.0, "ex": 8.0, "ch": 8.0,
}  # fmt: skip
_ANGLE_UNITS = frozenset({"deg", "grad", "rad", "turn"})  # hue in hsl() and friends
# A number with its unit, not part of a word or a #rrggbb colour.
_CSS_NUMBER = re.compile(r"(?<![\w.#-])(-?(?:\d+\.?\d*|\.\d+))([a-z%]*)", re.I)
# Functions an author's value may call: colours only (no calc(), var(), max(), env()...).
_CSS_FUNCTION = re.compile(r"([\w-]*)\s*\(")
_COLOUR_FUNCTIONS = frozenset(
    {"rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color"}
)
_NEGATIVE = re.compile(r"(?<![\w.#-])-")
# An opening <a> of nh3's output (attributes double-quoted) whose href leaves the site;
# in-page links (#fn:1, headerlinks) stay bare.
_EXTERNAL_LINK = re.compile(r'(<a\b[^>]*?\shref="(?:https?:|mailto:|//)[^"]*"[^>]*?)(?=/?>)', re.I)
# Centring as Typora and GitHub READMEs write it: <p align="center">, <div align=center>,
# <h1 align="center">, <center>. nh3 would drop the attribute (and the tag); it becomes an
# allowed class instead (align-center, align-right, ...), which the site's CSS styles.
_ALIGNABLE_TAG = re.compile(
    r"""<(?P<name>div|p|h[1-6]|figure)(?P<attributes>(?:\s(?:[^>"']|"[^"]*"|'[^']*')*)?)>""", re.I
)
_ALIGN_ATTRIBUTE = re.compile(
    r"""\salign\s*=\s*(?:"\s*(?P<q>[a-z]+)\s*"|'\s*(?P<s>[a-z]+)\s*'|(?P<b>[a-z]+)(?=[\s/>]|$))""",
    re.I,
)
_CLASS_ATTRIBUTE = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_CENTER_TAG = re.compile(r"<(/?)center\b[^>]*>", re.I)
_HAS_ALIGN = re.compile(r"\salign\s*=|<center\b", re.I)
ALIGNMENTS = frozenset({"left", "center", "right", "justify"})
_CONTENT_DROPPED = {"script", "style", "iframe", "object", "embed", "template", "noscript",
                    "textarea", "select", "title", "frameset", "frame", "applet"}  # fmt: skip


def _clean_style(value: str) -> str | None:
    """Keep the allowed declarations of a style attribute; None when none is left."""
    kept = []
    for declaration in value.split(";"):
        name, colon, css = declaration.partition(":")
        name, css = name.strip().lower(), css.strip()
        if colon and name in STYLE_PROPERTIES and css and not _UNSAFE_STYLE_VALUE.search(css):
            kept.append(f"{name}:{css}")
    return ";".join(kept) or None


def _fits_the_article(name: str, css: str) -> bool:
    """Tell whether an author's declaration stays inside the article's box."""
    if _UNSAFE_STYLE_VALUE.search(css):
        return False
    if any(f.group(1).lower() not in _COLOUR_FUNCTIONS for f in _CSS_FUNCTION.finditer(css)):
        return False
    # A negative margin pulls a box over whatever is above or beside it.
    if name.startswith("margin") and _NEGATIVE.search(css):
        return False
    for number in _CSS_NUMBER.finditer(css):
        amount, unit = abs(float(number.group(1))), number.group(2).lower()
        if unit == "%":
            if amount > 100:
                return False
        elif unit in _PX_PER_UNIT:
            if amount * _PX_PER_UNIT[unit] > MAX_AUTHOR_LENGTH_PX:
                return False
        elif unit not in _ANGLE_UNITS:
            return False
    return True


def _author_style(value: str) -> str | None:
    """Keep the declarations of an author's style attribute that cannot leave the article."""
    kept = []
    for declaration in value.split(";"):
        name, colon, css = declaration.partition(":")
        name, css = name.strip().lower(), css.strip()
        if colon and name in AUTHOR_STYLE_PROPERTIES and css and _fits_the_article(name, css):
            kept.append(f"{name}:{css}")
    return ";".join(kept) or None


# A style attribute of nh3's output (double-quoted) with a value _UNSAFE_STYLE_VALUE refuses.
_RISKY_STYLE = re.compile(
    r'\sstyle="(?=[^"]*(?:url\s*\(|expression|javascript|\\|@|fixed|sticky))([^"]*)"', re.I
)
# In nh3's output "<" and ">" are escaped everywhere but in tags, and every attribute value
# is double-quoted with its quotes escaped. A start tag with a style attribute somewhere in
# it (the candidates); then its attributes one by one, so a value ending in " style=" is
# never taken for the attribute.
_STYLED_TAG = re.compile(r'<[a-zA-Z][^>]*\sstyle="[^>]*>')
_TAG_PARTS = re.compile(r'(\s+)([^\s"=<>/]+)(?:="([^"]*)")?')


def _drop_unsafe_values(html: str) -> str:
    """Remove style declarations with unsafe values from sanitised KaTeX output."""

    def clean(match: re.Match[str]) -> str:
        kept = _clean_style(html_lib.unescape(match.group(1)))
        return f' style="{html_lib.escape(kept, quote=True)}"' if kept else ""

    return _RISKY_STYLE.sub(clean, html)


def _hold_author_styles(html: str) -> str:
    """Hold every style attribute of sanitised author HTML to the author's allow-list."""

    def attribute(part: re.Match[str]) -> str:
        if part.group(2).lower() != "style" or part.group(3) is None:
            return part.group()
        kept = _author_style(html_lib.unescape(part.group(3)))
        return f' style="{html_lib.escape(kept, quote=True)}"' if kept else ""

    def tag(match: re.Match[str]) -> str:
        return _TAG_PARTS.sub(attribute, match.group())

    return _STYLED_TAG.sub(tag, html) if ' style="' in html else html


def formula_marks() -> tuple[str, str]:
    """Return a fresh pair of words to put around KaTeX's output before sanitising.

    They are random, so an author cannot write them (not even as character references)
    to pass their own styles off as KaTeX's.
    """
    nonce = secrets.token_hex(12)
    return f"katexstart{nonce}", f"katexend{nonce}"


def _hold_styles(
    html: str,
    marks: tuple[str, str] | None,
    outside: Callable[[str], str] = _hold_author_styles,
) -> str:
    """Apply `outside` (the author's style rules) outside the marked formulas, KaTeX's inside."""
    if marks is None:
        return outside(html)
    start, end = marks
    pieces, last = [], 0
    # An unpaired mark (its partner dropped with the element around it) trusts nothing.
    while (opening := html.find(start, last)) >= 0:
        closing = html.find(end, opening)
        if closing < 0:
            break
        pieces.append(outside(html[last:opening]))
        pieces.append(_drop_unsafe_values(html[opening + len(start) : closing]))
        last = closing + len(end)
    pieces.append(outside(html[last:]))
    return "".join(pieces).replace(start, "").replace(end, "")


def _alignment_classes(html: str) -> str:
    """Turn align attributes (and <center>) into align-* classes before nh3 sees them."""
    if not _HAS_ALIGN.search(html):
        return html

    def tag(match: re.Match[str]) -> str:
        attributes = match.group("attributes")
        found = _ALIGN_ATTRIBUTE.search(attributes)
        if found is None:
            return match.group()
        value = (found.group("q") or found.group("s") or found.group("b")).lower()
        attributes = attributes[: found.start()] + attributes[found.end() :]
        if value not in ALIGNMENTS:
            return f"<{match.group('name')}{attributes}>"
        existing = _CLASS_ATTRIBUTE.search(attributes)
        if existing is None:
            return f'<{match.group("name")} class="align-{value}"{attributes}>'
        classes = next(group for group in existing.groups() if group is not None)
        merged = html_lib.escape(f"{html_lib.unescape(classes)} align-{value}".strip(), quote=True)
        attributes = attributes[: existing.start()] + attributes[existing.end() :]
        return f'<{match.group("name")} class="{merged}"{attributes}>'

    html = _ALIGNABLE_TAG.sub(tag, html)
    return _CENTER_TAG.sub(lambda m: "</div>" if m.group(1) else '<div class="align-center">', html)


@cache
def _cleaner() -> nh3.Cleaner:
    """Return the allow-list, built once per process (building it costs a call's worth)."""
    # Style properties are filtered by nh3 itself: a Python attribute_filter would be called
    # for each of the thousands of attributes KaTeX writes (a third of the time).
    return nh3.Cleaner(
        tags=_TEXT_TAGS | _MATHML_TAGS | _SVG_TAGS,
        clean_content_tags=_CONTENT_DROPPED,
        attributes=_ATTRIBUTES,
        filter_style_properties=STYLE_PROPERTIES,
        tag_attribute_values={
            "input": {"type": {"checkbox"}},
            # Only the values the renderer writes: a remote image never sends a Referer.
            "img": {
                "loading": {"lazy", "eager"},
                "decoding": {"async", "sync", "auto"},
                "referrerpolicy": {"no-referrer"},
            },
        },
        set_tag_attribute_values={"input": {"type": "checkbox", "disabled": "disabled"}},
        url_schemes={"http", "https", "mailto"},
        strip_comments=True,
        link_rel=None,
    )


def sanitize_html(html: str, marks: tuple[str, str] | None = None) -> str:
    """Return html reduced to the tags, attributes and URLs the article pipeline produces.

    Styles between a pair of marks (formula_marks()) are KaTeX's and keep their offsets; every other
    style is the author's and may not position, overlap or outgrow the article.
    """
    cleaned = _cleaner().clean(_alignment_classes(html))
    return _EXTERNAL_LINK.sub(r'\1 rel="noopener"', _hold_styles(cleaned, marks))


# A comment keeps text, links, lists, quotes, tables, code and formulas: no images,
# headings, ids, forms or anything a commenter could place over the page.
_COMMENT_TAGS = {
    "p", "br", "hr", "a", "em", "strong", "b", "i", "s", "del", "mark", "code", "pre",
    "kbd", "sup", "sub", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr",
    "th", "td", "div", "span",
}  # fmt: skip
# Classes come from the pipeline alone (highlighted code, KaTeX): a comment's Markdown has
# no raw HTML and no attribute lists, so no commenter writes one.
_COMMENT_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href"},
    "ol": {"start"},
    "code": {"class"},
    "pre": {"class"},
    "div": {"class", "style"},
    "span": {"class", "style", "aria-hidden"},
    **{tag: attributes for tag, attributes in _ATTRIBUTES.items() if tag in _MATHML_TAGS},
    **{tag: attributes for tag, attributes in _ATTRIBUTES.items() if tag in _SVG_TAGS},
}
COMMENT_LINK_REL = "nofollow ugc noopener"


def _drop_styles(html: str) -> str:
    """Remove every style attribute of sanitised HTML (a comment's own text may have none)."""

    def attribute(part: re.Match[str]) -> str:
        return "" if part.group(2).lower() == "style" else part.group()

    def tag(match: re.Match[str]) -> str:
        return _TAG_PARTS.sub(attribute, match.group())

    return _STYLED_TAG.sub(tag, html) if ' style="' in html else html


@cache
def _comment_cleaner() -> nh3.Cleaner:
    """Return the comments' allow-list, built once per process."""
    return nh3.Cleaner(
        tags=_COMMENT_TAGS | _MATHML_TAGS | _SVG_TAGS,
        clean_content_tags=_CONTENT_DROPPED,
        attributes=_COMMENT_ATTRIBUTES,
        filter_style_properties=STYLE_PROPERTIES,
        url_schemes={"http", "https", "mailto"},
        strip_comments=True,
        link_rel=COMMENT_LINK_REL,
    )


def sanitize_comment_html(html: str, marks: tuple[str, str] | None = None) -> str:
    """Return a comment's HTML reduced to the comments' allow-list.

    Only KaTeX's markup between a pair of marks keeps styles; every link says
    rel="nofollow ugc noopener".
    """
    return _hold_styles(_comment_cleaner().clean(html), marks, _drop_styles)
