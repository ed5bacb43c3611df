"""Feed HTML: formulas as MathML alone, absolute links, moved images, the first image, XML-safe text."""

from __future__ import annotations

import re

from webapp.content.feedhtml import absolutize, feed_html, first_image, rebase, xml_safe
from webapp.content.render import render_markdown

DOCUMENT = """## Heading

Inline $a<b$ and $\\overbrace{a+b}^{n}$, broken $\\frac{1}{$ here.[^1]

$$
\\begin{aligned} x &= 1 \\\\ y &= 2 \\end{aligned}
$$

![figure](/media/abc.png) [next](/posts/next/) [out](https://example.org/x?a=1&b=2)

`<a href="/not-a-link">` stays code.

[^1]: A note.
"""


def rendered() -> str:
    return render_markdown(DOCUMENT).html


def test_each_formula_keeps_only_its_mathml():
    html = feed_html(rendered())
    assert "katex-html" not in html and "katex-mathml" not in html and 'class="katex' not in html
    assert "<svg" not in html  # the stretchy brace's drawing belongs to the visual copy
    assert html.count("<math") == 3 and html.count("</math>") == 3
    assert html.count('display="block"') == 1
    assert (
        '<span class="math math-inline"><math xmlns="http://www.w3.org/1998/Math/MathML">' in html
    )
    assert re.search(
        r'<div class="math math-display" tabindex="0"><math [^>]*display="block"', html
    )
    assert "</math></span>" in html and "</math></div>" in html


def test_a_formula_katex_rejected_keeps_its_visible_source():
    html = feed_html(rendered())
    assert 'math-error" title=' in html and "<code>\\frac{1}{</code>" in html


def test_the_rest_of_the_article_is_untouched():
    html = feed_html(rendered())
    for piece in ("<p>Inline ", " and ", ", broken ", 'href="#fn:1"', "A note.", "&lt;a href="):
        assert piece in html
    # Without formulas, only the heading permalinks go.
    plain = render_markdown(re.sub(r"\$\$.*?\$\$|\$[^$]*\$", "", DOCUMENT, flags=re.S)).html
    assert "math" not in plain and "headerlink" in plain
    assert feed_html(plain) == re.sub(r'<a class="headerlink" href="[^"]*">#</a>', "", plain)


def test_heading_permalinks_are_dropped():
    html = feed_html(rendered())
    assert 'class="headerlink"' not in html
    assert '<h2 id="heading">Heading</h2>' in html


def test_html_without_formulas_passes_through():
    assert feed_html("<p>Plain <em>text</em>.</p>") == "<p>Plain <em>text</em>.</p>"
    assert feed_html("") == ""


def test_an_unexpected_formula_shape_is_left_as_it_is():
    odd = '<p><span class="math math-inline"><span>no mathml here</span></span></p>'
    assert feed_html(odd) == odd


def test_a_formula_cut_off_by_the_end_of_the_html_still_loses_its_visual_copy():
    # The end of the document closes what is open (as in any HTML parser), so the wrapper
    # is a formula like any other. (The regex version left it whole, visual copy and all.)
    unclosed = (
        '<p><span class="math math-inline"><span class="katex"><span class="katex-mathml">'
        '<math><mi>x</mi></math></span><span class="katex-html" aria-hidden="true">jumble'
    )
    assert (
        feed_html(unclosed)
        == '<p><span class="math math-inline"><math><mi>x</mi></math></span></p>'
    )


def test_absolutize_resolves_site_paths_fragments_and_relative_links():
    base = "https://blog.test/posts/a%20b/"
    html = absolutize(feed_html(rendered()), base)
    assert 'src="https://blog.test/media/abc.png"' in html
    assert 'href="https://blog.test/posts/next/"' in html
    assert 'href="https://blog.test/posts/a%20b/#fn:1"' in html
    assert 'href="https://example.org/x?a=1&amp;b=2"' in html  # untouched
    assert '&lt;a href="/not-a-link"&gt;' in html  # code text is not a tag
    assert not re.search(r'<[^>]*\s(?:href|src)="[/#]', html)
    # The MathML namespace is an attribute value, not a link.
    assert 'xmlns="http://www.w3.org/1998/Math/MathML"' in html


def test_absolutize_leaves_schemes_alone():
    html = '<a href="mailto:a@b.c">m</a><img src="https://cdn.example/x.png">'
    assert absolutize(html, "https://blog.test/posts/x/") == html


def test_first_image_is_the_first_img_src_unescaped():
    assert first_image(rendered()) == "/media/abc.png"
    assert (
        first_image('<p><img alt="a" src="/media/x.png?a=1&amp;b=2"></p>') == "/media/x.png?a=1&b=2"
    )
    assert first_image("<p>no images</p>") is None
    assert first_image('<p><code>&lt;img src="x.png"&gt;</code></p>') is None


def test_xml_safe_drops_only_characters_xml_cannot_carry():
    assert xml_safe("a\x00b\x0bc\x1fd\ufffe\tline\nnext\r中文 😀") == "abcd\tline\nnext\r中文 😀"


def test_rebase_moves_stored_images_only():
    html = render_markdown(
        "![a](/media/abc.png) [file](/media/abc.png) ![b](/posts/x/b.png)\n\n"
        '`<img src="/media/abc.png">` in code\n'
    ).html
    moved = rebase(html, "/media/", "https://cdn.example.org/m/")
    assert '<img alt="a" src="https://cdn.example.org/m/abc.png"' in moved
    assert 'href="https://cdn.example.org/m/abc.png"' in moved
    assert 'src="/posts/x/b.png"' in moved
    # Text about an image is not an image: its "<" is escaped, so it is not a tag.
    assert "&lt;img src=\"/media/abc.png\"&gt;" in moved
