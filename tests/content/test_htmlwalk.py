"""The single walk over article HTML: hostile input, deep nesting, and the parse it relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from webapp.content.derive import derive
from webapp.content.frontmatter import split_front_matter
from webapp.content.htmldepth import MAX_DEPTH, limit_depth
from webapp.content.htmlwalk import walk_html
from webapp.content.render import render_markdown

DEMO = Path(__file__).resolve().parents[2] / "webapp" / "demo" / "articles"


@pytest.mark.parametrize("name", ["01-attention-complexity.md", "02-gradient-descent-contours.md"])
def test_the_parse_gives_back_the_sanitised_html_byte_for_byte(name):
    # The feed HTML is the serialised tree: it must not change what it does not cut.
    html = render_markdown(split_front_matter((DEMO / name).read_text("utf-8")).body).html
    assert "katex-html" in html and "<svg" in html
    assert LexborHTMLParser(html, is_fragment=True).html == html


@pytest.mark.parametrize("tag", ["span", "div", "blockquote", "b"])
def test_100_000_nested_elements_keep_their_text(tag):
    html = f"<p>before</p>{f'<{tag}>' * 100_000}deep text{f'</{tag}>' * 100_000}<p>after</p>"
    derived = derive(html, title="t", lang="en")
    assert derived.text in ("before deep text after", "before deep textafter")
    assert derived.excerpt == derived.text
    assert derived.feed_html == html  # nothing to cut: the input as it was


def test_deep_nesting_is_flattened_below_the_limit_and_left_alone_above_it():
    shallow = "<div>" * MAX_DEPTH + "x" + "</div>" * MAX_DEPTH
    assert limit_depth("<p>y</p>" * 4000 + shallow) == "<p>y</p>" * 4000 + shallow
    deep = "<p>y</p>" * 4000 + "<div>" * 10_000 + "x" + "</div>" * 10_000
    flat = limit_depth(deep)
    assert flat.count("<div>") == MAX_DEPTH == flat.count("</div>")
    assert flat.count("<p>y</p>") == 4000 and "x" in flat


@pytest.mark.parametrize(
    "html",
    [
        "<div></span>" * 50_000 + "text",  # end tags that close nothing
        "<span>" * 50_000 + "text" + "</b>" * 50_000,
        "<div><!-- </div> -->" * 50_000 + "text",  # end tags inside comments are no tags
        "".join(f'<em class="c{n}">' for n in range(50_000)) + "text",
        "<pre><code>" * 50_000 + "text",
    ],
)
def test_malformed_deep_nesting_degrades_to_its_text(html):
    derived = derive(html, title="t", lang="en")
    assert derived.text in ("text", "")  # the <pre> case is all code
    assert derived.search.code in ("", "text")


def test_a_10_mb_article():
    formula = '<span class="math math-inline"><math><mi>x</mi></math><span>x</span></span>'
    paragraph = f"<p>{'Long text ' * 40}长文 {formula}</p>\n"
    html = paragraph * (10_000_000 // len(paragraph))
    derived = derive(html, title="t", lang="zh-CN")
    assert len(derived.text) > 8_000_000
    assert derived.excerpt == ("Long text " * 35).rstrip() + "..."
    assert derived.feed_html == html.replace("<span>x</span>", "")
    assert len(derived.search.math) == 0  # no TeX annotation: nothing to search


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>unclosed <b>bold <i>italic", "unclosed bold italic"),
        ("</div></p>stray end tags</span>", "stray end tags"),
        ("<p>a <![junk[ b ]]> c</p>", "a c"),
        ("<p>a <![CDATA[ b ]]> c</p>", "a c"),  # a bogus comment outside SVG and MathML
        ("<p>a<!-- comment --> c <!-- unterminated", "a c"),
        ("<p>a\x00b\x00</p>", "ab"),  # NUL is dropped, as nh3 drops it
        ("<p>a\ud800b</p>", "ab"),  # a lone surrogate cannot be encoded: dropped
        ("<p>\u202eevil\u202c \u200d\U0001f469\u200d\U0001f4bb \ufffe\uffff\U0010ffff</p>", None),
        ("<p>e\u0301 \ufeff\u00a0x</p>", "e\u0301 \ufeff x"),
        ("<svg><![CDATA[drawn]]></svg><p>x</p>", "drawn x"),
        ("<p>&notin; &notit; &amp &#0; &#x110000;</p>", "\u2209 \u00acit; & \ufffd \ufffd"),
        ("<table>loose<tr><td>cell", "loose cell"),
        ("<", "<"),
        ("<<<>>>", "<<<>>>"),
    ],
)
def test_hostile_fragments_do_not_raise(html, text):
    derived = derive(html, title="t", lang="en")
    if text is not None:
        assert derived.text == text
    assert isinstance(derived.feed_html, str) and isinstance(derived.search.prose, str)


def test_walk_without_feed_skips_the_feed():
    walk = walk_html('<h2>T<a class="headerlink" href="#t">#</a></h2>')
    assert walk.feed_html is None and [s.kind for s in walk.segments] == [
        "break",
        "text",
        "heading-end",
        "break",
    ]
    assert walk_html('<h2>T<a class="headerlink" href="#t">#</a></h2>', feed=True).feed_html == (
        "<h2>T</h2>"
    )
