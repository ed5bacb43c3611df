"""Which KaTeX font files a rendered body draws with, read from its class names."""

from __future__ import annotations

import re

# Each font file (without .woff2) and the classes that select it, after the rules of
# katex.min.css: a rule applies when one element carries all of its classes. The root
# ".katex" uses KaTeX_Main, so every formula needs Main-Regular. Ordered by how often
# formulas use them, so that the first files are the ones most worth fetching early.
_RULES: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = (
    ("KaTeX_Main-Regular", (frozenset({"katex"}),)),
    ("KaTeX_Math-Italic", (frozenset({"mathnormal"}),)),
    ("KaTeX_AMS-Regular", (frozenset({"amsrm"}), frozenset({"mathbb"}), frozenset({"textbb"}))),
    (
        "KaTeX_Size1-Regular",
        (frozenset({"delimsizing", "size1"}), frozenset({"delim-size1"}), frozenset({"small-op"})),
    ),
    ("KaTeX_Size2-Regular", (frozenset({"delimsizing", "size2"}), frozenset({"large-op"}))),
    ("KaTeX_Size3-Regular", (frozenset({"delimsizing", "size3"}),)),
    ("KaTeX_Size4-Regular", (frozenset({"delimsizing", "size4"}), frozenset({"delim-size4"}))),
    ("KaTeX_Main-Bold", (frozenset({"mathbf"}), frozenset({"textbf"}))),
    ("KaTeX_Main-Italic", (frozenset({"mathit"}), frozenset({"textit"}))),
    ("KaTeX_Math-BoldItalic", (frozenset({"boldsymbol"}),)),
    ("KaTeX_Caligraphic-Regular", (frozenset({"mathcal"}),)),
    ("KaTeX_Fraktur-Regular", (frozenset({"mathfrak"}), frozenset({"textfrak"}))),
    ("KaTeX_Fraktur-Bold", (frozenset({"mathboldfrak"}), frozenset({"textboldfrak"}))),
    ("KaTeX_Script-Regular", (frozenset({"mathscr"}), frozenset({"textscr"}))),
    ("KaTeX_SansSerif-Regular", (frozenset({"mathsf"}), frozenset({"textsf"}))),
    ("KaTeX_SansSerif-Bold", (frozenset({"mathboldsf"}), frozenset({"textboldsf"}))),
    (
        "KaTeX_SansSerif-Italic",
        (frozenset({"mathitsf"}), frozenset({"mathsfit"}), frozenset({"textitsf"})),
    ),
    ("KaTeX_Typewriter-Regular", (frozenset({"mathtt"}), frozenset({"texttt"}))),
)
# Inside a tag only: text may show class="katex" too (a code span about KaTeX).
_CLASS_ATTRIBUTE = re.compile(r'<[a-z][^>]*?\sclass="([^"]*)"')


def used_fonts(html: str) -> list[str]:
    """Return the KaTeX font files (names without .woff2) that the HTML's formulas use."""
    if 'class="katex' not in html:
        return []
    # Distinct attribute values are few (a few dozen) even in a long article.
    elements = [frozenset(value.split()) for value in set(_CLASS_ATTRIBUTE.findall(html))]
    return [
        font
        for font, selectors in _RULES
        if any(selector <= classes for selector in selectors for classes in elements)
    ]
