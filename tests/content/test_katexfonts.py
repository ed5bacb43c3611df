"""Which KaTeX fonts a rendered body needs, so that the article page can ask for them early."""

from __future__ import annotations

import re

import pytest

from webapp import vendor
from webapp.content.katexfonts import _RULES, used_fonts
from webapp.content.render import render_markdown

MAIN = ["KaTeX_Main-Regular", "KaTeX_Math-Italic"]


def fonts_of(markdown: str) -> list[str]:
    """Render Markdown as articles are rendered; return the fonts its formulas use."""
    return used_fonts(render_markdown(markdown).html)


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ('Just words, and `class="katex"` in code.', []),
        ("Inline $x^2$ here.", MAIN),
        ("Digits only: $1+2$.", ["KaTeX_Main-Regular"]),
        ("Reals $X \\in \\mathbb{R}$.", [*MAIN, "KaTeX_AMS-Regular"]),
        ("$$\n\\sum_{i=1}^{n} a_i\n$$", [*MAIN, "KaTeX_Size2-Regular"]),
        ("Small $\\sum_i a_i$ inline.", [*MAIN, "KaTeX_Size1-Regular"]),
        (
            "$\\bigl( x \\bigr)$ and $\\Bigl( x \\Bigr)$",
            [*MAIN, "KaTeX_Size1-Regular", "KaTeX_Size2-Regular"],
        ),
        ("$\\biggl( x \\biggr)$", [*MAIN, "KaTeX_Size3-Regular"]),
        ("$\\Biggl( x \\Biggr)$", [*MAIN, "KaTeX_Size4-Regular"]),
        (
            "$\\mathcal{L} = \\mathbf{w}$",
            ["KaTeX_Main-Regular", "KaTeX_Main-Bold", "KaTeX_Caligraphic-Regular"],
        ),
        ("$\\mathtt{id}$", ["KaTeX_Main-Regular", "KaTeX_Typewriter-Regular"]),
    ],
)
def test_fonts_follow_what_the_formulas_draw(markdown, expected):
    assert fonts_of(markdown) == expected


def test_every_named_font_is_one_the_katex_stylesheet_declares():
    css = (vendor.VENDOR_DIR / vendor.package_dir_name("katex") / "katex.min.css").read_text()
    declared = set(re.findall(r"url\(fonts/(KaTeX_[\w-]+)\.woff2\)", css))
    assert {font for font, _ in _RULES} <= declared
