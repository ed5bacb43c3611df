"""Keep hostile HTML from nesting deep enough to make an HTML5 parser quadratic.

The HTML5 tree builder scans the stack of open elements for many tags (a <div> start looks
for an open <p>, a stray end tag for its element), so a document nested tens of thousands
deep takes seconds to parse: 100,000 nested <div> take 15 s in lexbor (and in html5ever).
Real articles nest a few dozen deep. limit_depth drops the tags of elements nested deeper
than MAX_DEPTH, keeping their text, before the document is parsed.
"""

from __future__ import annotations

import re
from collections import Counter

# Elements that never have content or an end tag.
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
MAX_DEPTH = 256
# With fewer tags than this even the worst nesting parses in about 0.2 s, so the nesting is
# only measured (in Python, at about the cost of the parse) for documents with more.
_MEASURE_DEPTH_ABOVE = 6000
# The name of a start tag, "/" and the name of an end tag, or "" for a comment. In the
# sanitiser's output every other "<" is escaped (nh3 escapes it in attribute values too), so
# on that output the depth measured is the parser's; on other input it is an estimate.
_TAG_NAME = re.compile(r"<!--.*?(?:-->|\Z)|<(/?[a-zA-Z][a-zA-Z0-9]*)", re.DOTALL)
# A comment, or a start or end tag with quoted attribute values (which may hold ">") whole.
_TAG = re.compile(
    r"""<!--.*?(?:-->|\Z)|<(/?)([a-zA-Z][^\t\n\f\r />]*)(?:[^>"']|"[^"]*"|'[^']*')*>""", re.DOTALL
)


def limit_depth(html: str) -> str:
    """Return html, or for a hostile document nested deeper than MAX_DEPTH, a flattened copy."""
    if html.count("<") <= _MEASURE_DEPTH_ABOVE or not _too_deep(html):
        return html
    return _flatten(html)


def _too_deep(html: str) -> bool:
    """Tell whether elements may nest deeper than MAX_DEPTH, closing tags like an HTML parser.

    Names are compared as written: a mismatched case only overestimates the depth.
    """
    stack: list[str] = []
    for token in _TAG_NAME.findall(html):
        if not token:
            continue  # a comment
        if token[0] != "/":
            if token not in VOID_TAGS:
                stack.append(token)
                if len(stack) > MAX_DEPTH:
                    return True
        elif stack and stack[-1] == token[1:]:
            stack.pop()
        elif token[1:] in stack:  # an end tag closes the elements left open inside it
            del stack[len(stack) - 1 - stack[::-1].index(token[1:]) :]
    return False


def _flatten(html: str) -> str:
    """Return html without the tags of elements nested deeper than MAX_DEPTH (text kept)."""
    kept: list[str] = []
    position = 0
    stack: list[tuple[str, bool]] = []  # open elements: (name, tags kept)
    open_names: Counter[str] = Counter()
    for tag in _TAG.finditer(html):
        name = (tag.group(2) or "").lower()
        if not name or name in VOID_TAGS:
            continue  # a comment, or an element without content
        if not tag.group(1):
            keep = len(stack) < MAX_DEPTH
            stack.append((name, keep))
            open_names[name] += 1
        elif open_names[name]:
            # Pop up to the matching element: amortised over the pushes, so never quadratic.
            while True:
                top, keep = stack.pop()
                open_names[top] -= 1
                if top == name:
                    break
        else:
            continue  # a stray end tag, which the parser ignores
        if not keep:
            kept.append(html[position : tag.start()])
            position = tag.end()
    kept.append(html[position:])
    return "".join(kept)
