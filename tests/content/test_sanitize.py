"""The allow-list keeps what the pipeline produces and removes what an attacker would add."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from webapp.content import katex
from webapp.content.render import render_markdown
from webapp.content.sanitize import sanitize_html


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


@pytest.mark.parametrize(
    "tex",
    [
        "\\sqrt{x^2 + 1} + \\sqrt[3]{y}",
        "\\frac{a}{b} + \\dfrac{\\frac{1}{2}}{c}",
        "\\overrightarrow{AB} + \\widehat{xyz} + \\underbrace{a+b}_{n}",
        "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix} \\begin{vmatrix} a \\end{vmatrix}",
        "f(x) = \\begin{cases} 1 & x > 0 \\\\ 0 & \\text{否则} \\end{cases}",
        "\\begin{array}{c|c} a & b \\\\ \\hline c & d \\end{array}",
        "\\color{red}{x} + \\boxed{y} + \\cancel{z} + \\xrightarrow[a]{b}",
    ],
)
@pytest.mark.parametrize("display", [False, True])
def test_katex_output_survives_unchanged(tex, display):
    rendered = katex.render_tex(tex, display=display)
    before = structure(rendered)
    after = structure(sanitize_html(rendered))
    assert after == before
    tags = {tag for tag, *_ in after}
    assert {"math", "semantics", "annotation", "span"} <= tags


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
