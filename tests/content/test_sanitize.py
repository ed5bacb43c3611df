"""The allow-list keeps what the pipeline produces and removes what an attacker would add."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from webapp.content import katex
from webapp.content.render import render_markdown
from webapp.content.sanitize import formula_marks, sanitize_html


class _Structure(HTMLParser):
    """Records tags with their classes, attribute names and style declarations."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        style = attributes.pop("style", None) or ""
        declarations = tuple(sorted("".join(d.split()) for d in style.split(";") if d.strip()))
        classes = tuple(sorted((attributes.pop("class", None) or "").split()))
        self.elements.append((tag, classes, tuple(sorted(attributes)), declarations))


def structure(html: str) -> list[tuple]:
    """Return the element sequence of html: tag, classes, attribute names, declarations."""
    parser = _Structure()
    parser.feed(html)
    return parser.elements


KATEX_CORPUS = [
    "\\sqrt{x^2 + 1} + \\sqrt[3]{y}",
    "\\frac{a}{b} + \\dfrac{\\frac{1}{2}}{c}",
    "\\overrightarrow{AB} + \\widehat{xyz} + \\underbrace{a+b}_{n}",
    "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix} \\begin{vmatrix} a \\end{vmatrix}",
    "f(x) = \\begin{cases} 1 & x > 0 \\\\ 0 & \\text{否则} \\end{cases}",
    "\\begin{array}{c|c} a & b \\\\ \\hline c & d \\end{array}",
    "\\color{red}{x} + \\boxed{y} + \\cancel{z} + \\xrightarrow[a]{b}",
    # The constructs that write position, left, bottom and negative margins.
    "\\Bigg( \\int_0^1 \\sum_{i=1}^n \\vec{v} \\hat{x} \\tilde{y}",
    "\\raisebox{-2em}{r} \\rlap{x}\\llap{y} \\mathclap{z} \\not= \\kern-2em x \\hspace{-1em} y",
    "\\colorbox{red}{a} \\fcolorbox{red}{blue}{b} \\rule{2em}{1em} \\sout{a} \\xcancel{q}",
]


def katex_part(html: str, length: int) -> list[tuple]:
    """Return the elements of the first formula in html, from its .katex or .katex-display."""
    elements = structure(html)
    start = next(i for i, e in enumerate(elements) if {"katex", "katex-display"} & set(e[1]))
    return elements[start : start + length]


@pytest.mark.parametrize("tex", KATEX_CORPUS)
@pytest.mark.parametrize("display", [False, True])
def test_katex_output_survives_unchanged(tex, display):
    rendered = katex.render_tex(tex, display=display)
    before = structure(rendered)
    start, end = formula_marks()
    after = structure(sanitize_html(f"{start}{rendered}{end}", (start, end)))
    assert after == before
    tags = {tag for tag, *_ in after}
    assert {"math", "semantics", "annotation", "span"} <= tags


@pytest.mark.parametrize("tex", KATEX_CORPUS)
@pytest.mark.parametrize("display", [False, True])
def test_formulas_in_an_article_keep_every_style_katex_wrote(tex, display):
    source = f"$$\n{tex}\n$$\n" if display else f"Inline ${tex}$ here.\n"
    before = structure(katex.render_tex(tex, display=display))
    html = render_markdown(source).html
    assert katex_part(html, len(before)) == before
    assert "katexstart" not in html and "katexend" not in html


def test_katex_svg_keeps_its_geometry():
    html = sanitize_html(katex.render_tex("\\sqrt{x} \\overrightarrow{AB}"))
    assert "<svg" in html and "viewBox=" in html and "preserveAspectRatio=" in html
    assert '<path d="M' in html


def test_highlighted_code_keeps_pygments_classes():
    code = "def f(x):\n    return x + 1  # one\n"
    highlighted = highlight(code, PythonLexer(), HtmlFormatter(cssclass="highlight"))
    assert structure(sanitize_html(highlighted)) == structure(highlighted)
    assert '<span class="k">def</span>' in sanitize_html(highlighted)


def test_rendered_article_features_survive():
    source = (
        "# T\n\nA[^1] ~~b~~ ==c== <kbd>K</kbd>\n\n- [x] done\n\n| a |\n|:-:|\n| 1 |\n\n"
        '??? note "S"\n    x\n\nT\n:   D\n\n![i](p.png "t")\n\n[^1]: n\n'
    )
    html = render_markdown(source).html
    for fragment in (
        'id="fnref:1"', 'class="footnote-ref" href="#fn:1"', "<del>b</del>", "<mark>c</mark>",
        'type="checkbox"', "checked", 'style="text-align:center"', "<details", "<summary>S",
        "<dt>T</dt>", 'src="p.png"', 'title="t"', 'class="headerlink" href="#t"',
    ):  # fmt: skip
        assert fragment in html


@pytest.mark.parametrize(
    ("dirty", "gone"),
    [
        ("<p>a<script>alert(1)</script>b</p>", ["<script", "alert"]),
        ('<img src="x.png" onerror="alert(1)">', ["onerror", "alert"]),
        ('<a href="javascript:alert(1)">x</a>', ["javascript", "alert"]),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', ["alert"]),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', ["data:"]),
        ('<img src="data:image/png;base64,iVBORw0KGgo=">', ["data:"]),
        ('<iframe src="https://evil.example"></iframe>', ["<iframe", "evil"]),
        ("<style>body{display:none}</style><p>x</p>", ["<style", "display:none"]),
        ('<object data="x.swf"></object><embed src="y.swf">', ["<object", "<embed", ".swf"]),
        ('<form action="/steal"><input type="text" name="q"></form>', ["<form", 'type="text"']),
        ("<p>a<!-- secret --></p>", ["<!--", "secret"]),
        ('<div onclick="x()" onmouseover="y()">d</div>', ["onclick", "onmouseover"]),
        ('<span style="position:fixed;top:0;background:url(x)">s</span>', ["fixed", "url("]),
        ("<svg><script>alert(1)</script></svg>", ["<script", "alert"]),
    ],
)
def test_dangerous_markup_is_removed(dirty, gone):
    clean = sanitize_html(dirty)
    for fragment in gone:
        assert fragment.lower() not in clean.lower()


def test_links_keep_safe_urls_and_external_ones_get_noopener():
    clean = sanitize_html(
        '<a href="https://example.org/a?b=1&amp;c=2">e</a> <a href="mailto:me@example.org">m</a>'
        ' <a href="../notes/x.html">r</a> <a href="#fn:1">f</a>'
    )
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener">e</a>' in clean
    assert '<a href="mailto:me@example.org" rel="noopener">m</a>' in clean
    assert '<a href="../notes/x.html">r</a>' in clean and '<a href="#fn:1">f</a>' in clean


def test_style_keeps_only_known_properties():
    clean = sanitize_html('<span style="color:red; height: 1em; behavior: x; z-index: 9">s</span>')
    assert structure(clean) == [("span", (), (), ("color:red", "height:1em"))]


# The overlay from the security review: it covered the header and the search box.
COVERING_DIV = (
    '<div style="position:absolute;top:0;left:0;width:100vw;height:100vh;z-index:9999;'
    'background-color:white">Covered</div>'
)


def declarations(html: str) -> list[tuple[str, ...]]:
    """Return the style declarations of each element of html."""
    return [element[3] for element in structure(html)]


def test_the_page_covering_div_keeps_only_its_colour():
    assert declarations(sanitize_html(COVERING_DIV)) == [("background-color:white",)]
    rendered = render_markdown(f"Before.\n\n{COVERING_DIV}\n\nAfter.\n").html
    assert 'style="background-color:white"' in rendered
    for word in ("position", "top:", "left:", "100v", "z-index"):
        assert word not in rendered


@pytest.mark.parametrize(
    "declaration",
    [
        "position:relative", "position:absolute", "top:-40em", "right:0", "bottom:0", "left:0",
        "inset:0", "inset-block-start:0", "z-index:10", "transform:translateY(-200px)",
        "translate:0 -200px", "float:left", "width:100vw", "height:100vh", "min-height:100dvh",
        "height:100svh", "max-width:100lvw", "width:50vmin", "height:10cqh", "width:5000px",
        "height:200em", "width:150%", "min-width:99in", "width:calc(100% + 400px)",
        "height:var(--x)", "width:max(10px, 100vw)", "margin-top:-300px", "margin:0 0 0 -1em",
        "margin-left:-.5em", "padding-top:100vh", "text-shadow:0 -5000px red",
        "border-top-width:1e4px",
    ],
)  # fmt: skip
def test_author_styles_cannot_position_or_outgrow_the_article(declaration):
    html = f'<div style="{declaration};color:red">x</div><span style="{declaration}">y</span>'
    assert declarations(sanitize_html(html)) == [("color:red",), ()]


@pytest.mark.parametrize(
    "declaration",
    [
        "color:red", "background-color:rgb(255 0 0 / 50%)", "color:hsl(120deg 50% 50%)",
        "color:#1e2", "width:50%", "height:20em", "max-width:600px", "margin:0 auto",
        "margin-top:1.5em", "padding-left:2em", "border:1px solid #ccc", "text-align:center",
        "vertical-align:-0.2em", "text-shadow:0 -1px 2px #000",
    ],
)  # fmt: skip
def test_ordinary_author_styles_are_kept(declaration):
    clean = sanitize_html(f'<div style="{declaration}">x</div>')
    assert declarations(clean) == [("".join(declaration.split()),)]


def test_katex_classes_written_by_an_author_get_no_offsets():
    forged = (
        '<span class="katex"><span class="vlist" style="height:1em;top:-40em;'
        'position:relative;margin-left:-30em">x</span></span>'
    )
    rendered = render_markdown(f"Text $x$ and {forged}.\n").html
    assert 'style="height:1em">x</span>' in rendered and "-40em" not in rendered


def test_formula_marks_are_fresh_for_every_render():
    assert formula_marks() != formula_marks()
    start, end = formula_marks()
    # Marks the author guessed wrong are text; a lone mark trusts nothing after it.
    clean = sanitize_html(f'{start}<span style="top:-9em">a</span>', (start, end))
    assert clean == "<span>a</span>"


def test_text_about_styles_is_left_alone():
    prose = '<p>Write style="position:fixed" to pin it; <code>style="top:0"</code>.</p>'
    assert sanitize_html(prose) == prose
    # A title that ends in " style=" is a title; the real style attribute is still held.
    titled = '<span title="a style=" style="top:0;color:red">x</span>'
    assert sanitize_html(titled) == '<span title="a style=" style="color:red">x</span>'
