"""Article HTML as it leaves the site: for feed readers (MathML only, absolute links) and shares.

Feed readers run no CSS and no scripts. KaTeX's stored output holds each formula twice: a
MathML copy (`.katex-mathml`, hidden by katex.css) and a visual copy (`.katex-html`, spans
laid out by katex.css). Without the stylesheet a reader would show both, the visual copy as
a jumble of letters. feed_html() keeps each formula's <math> element alone, inside its
`math-inline`/`math-display` wrapper; it runs once, at publish time, on the same walk of the
HTML as the text and excerpt (htmlwalk). absolutize() runs when a feed is built, because
the site's address is only known then.

The input is the sanitizer's output (nh3): attributes are double-quoted, and `<` in text
is always escaped, so every `<` outside an attribute value starts a tag.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urljoin

from .htmlwalk import walk_html

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


def feed_html(html: str) -> str:
    """Return stored article HTML with each formula reduced to its MathML and no permalinks."""
    return walk_html(html, feed=True).feed_html or ""


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


def rebase(html: str, prefix: str, base: str) -> str:
    """Return html with every href and src that starts with prefix starting with base instead.

    "/media/a.png" becomes "https://cdn.example.org/media/a.png" for prefix "/media/";
    text that merely reads src="/media/…" is left alone (its "<" is escaped, not a tag).
    """

    def moved(attribute: re.Match[str]) -> str:
        value = attribute.group(2)
        if not value.startswith(prefix):
            return attribute.group()
        return f'{attribute.group(1)}{html_lib.escape(base)}{value[len(prefix) :]}"'

    def in_tag(tag: re.Match[str]) -> str:
        return _URL_ATTRIBUTE.sub(moved, tag.group())

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
