"""Article HTML as it leaves the site: for feed readers (MathML only, absolute links) and shares.

Feed readers run no CSS and no scripts. KaTeX's stored output holds each formula twice: a
MathML copy (`.katex-mathml`, hidden by katex.css) and a visual copy (`.katex-html`, spans
laid out by katex.css). Without the stylesheet a reader would show both, the visual copy as
a jumble of letters. feed_html() keeps each formula's <math> element alone, inside its
`math-inline`/`math-display` wrapper; it runs once, at publish time. absolutize() runs when
a feed is built, because the site's address is only known then.

The input is the sanitizer's output (nh3): attributes are double-quoted, and `<` in text
is always escaped, so every `<` outside an attribute value starts a tag.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urljoin

# A start or end tag, with quoted attribute values (which may hold ">") taken whole.
_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9:-]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
# A rendered formula's wrapper; math-error wrappers (class "… math-error") are left alone:
# they hold the formula's TeX source, which is what a reader should see.
_FORMULA = re.compile(r'<(span|div) class="math math-(?:inline|display)">')
# Heading permalinks ("#" after each heading): site chrome that katex-less, css-less
# readers would show as a stray character.
_HEADERLINK = re.compile(r"""<a class="headerlink"(?:[^>"']|"[^"]*")*>#</a>""")
# The sanitizer keeps URLs only in <a href> and <img src>. The opening "<a " or "<img " is
# never inside an attribute value of another tag with an unescaped quote after "href=".
_LINKING_TAG = re.compile(r"""<(?:a|img)\s(?:[^>"']|"[^"]*"|'[^']*')*>""")
_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)"')
_HAS_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_IMG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""")
_SRC = re.compile(r'\ssrc="([^"]*)"')
# Characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE/U+FFFF): one
# of them anywhere would make a whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _formula_end(html: str, start: int, name: str) -> tuple[int, int, int] | None:
    """Return (math start, math end, wrapper end) of the formula opened before `start`."""
    depth, math_start, math_end = 1, -1, -1
    for tag in _TAG.finditer(html, start):
        closing, tag_name = tag.group(1), tag.group(2).lower()
        if tag_name == "math":
            if not closing and math_start < 0:
                math_start = tag.start()
            elif closing and math_end < 0:
                math_end = tag.end()
        elif tag_name == name:
            depth += -1 if closing else 1
            if depth == 0:
                if 0 <= math_start < math_end:
                    return math_start, math_end, tag.end()
                return None
    return None


def feed_html(html: str) -> str:
    """Return stored article HTML with each formula reduced to its MathML and no permalinks."""
    pieces: list[str] = []
    position = search_from = 0
    while True:
        match = _FORMULA.search(html, search_from)
        if match is None:
            break
        found = _formula_end(html, match.end(), match.group(1))
        if found is None:  # not KaTeX's usual shape: keep it as it is
            search_from = match.end()
            continue
        math_start, math_end, wrapper_end = found
        pieces += [html[position : match.start()], match.group(), html[math_start:math_end]]
        pieces.append(f"</{match.group(1)}>")
        position = search_from = wrapper_end
    pieces.append(html[position:])
    return _HEADERLINK.sub("", "".join(pieces))


def absolutize(html: str, base_url: str) -> str:
    """Return html with every relative href and src resolved against base_url.

    "/media/a.png" becomes "https://site/media/a.png", "#fn:1" becomes base_url + "#fn:1";
    URLs with a scheme (https:, mailto:) stay as they are.
    """

    def resolve(attribute: re.Match[str]) -> str:
        value = attribute.group(2)
        if _HAS_SCHEME.match(value):
            return attribute.group()
        # The value is HTML-escaped; urljoin only puts the base in front of it.
        return f'{attribute.group(1)}{urljoin(base_url, value)}"'

    def in_tag(tag: re.Match[str]) -> str:
        return _URL_ATTRIBUTE.sub(resolve, tag.group())

    return _LINKING_TAG.sub(in_tag, html)


def first_image(html: str) -> str | None:
    """Return the src of the first <img> in article HTML (unescaped), or None."""
    for tag in _IMG.finditer(html):
        src = _SRC.search(tag.group())
        if src and src.group(1):
            return html_lib.unescape(src.group(1))
    return None


def xml_safe(text: str) -> str:
    """Return text without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)
