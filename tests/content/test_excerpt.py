"""Tests for the plain text and card excerpt built from rendered article HTML."""

import pytest

from webapp.content.excerpt import (
    BREAK,
    EXCERPT_LENGTH,
    FORMULA,
    IMAGE,
    MATH,
    TEXT,
    body_text,
    make_excerpt,
)
from webapp.content.htmlwalk import walk_html
from webapp.content.render import render_markdown

# Trimmed KaTeX output: the whole element is replaced, so its inside does not matter.
INLINE_MATH = (
    '<span class="math math-inline"><span class="katex"><span class="katex-mathml">'
    "<math><semantics><mi>x</mi><annotation>x</annotation></semantics></math></span>"
    '<span class="katex-html" aria-hidden="true"><span class="mord mathnormal">x</span>'
    "</span></span></span>"
)
DISPLAY_MATH = (
    '<div class="math math-display"><span class="katex-display"><span class="katex">'
    '<span class="katex-html">E=mc<sup>2</sup></span></span></span></div>'
)
FAILED_DISPLAY_MATH = (
    '<div class="math math-display math-error"><span class="katex-error">\\frac{</span></div>'
)
HIGHLIGHTED_CODE = (
    '<div class="highlight"><pre><span></span><code><span class="n">print</span>'
    '<span class="p">(</span><span class="s2">"hi"</span><span class="p">)</span>\n'
    "</code></pre></div>"
)
BARE_CODE = "<pre><code>indented code\n</code></pre>"


def test_headings_are_plain_words_without_permalink_anchor():
    html = (
        '<h1 id="intro">Intro<a class="headerlink" href="#intro">#</a></h1>\n'
        '<h2 id="why"><em>Why</em> it matters<a class="headerlink" href="#why">#</a></h2>\n'
        "<p>Because.</p>"
    )
    assert make_excerpt(html, "en") == "Intro. Why it matters. Because."


def test_markdown_syntax_and_tags_are_removed():
    html = "<p>Some <strong>bold</strong>, <em>italic</em> and <del>gone</del> text.</p>"
    assert make_excerpt(html, "en") == "Some bold, italic and gone text."


def test_list_items_and_task_checkboxes_joined_by_spaces():
    html = (
        '<ul>\n<li>first</li>\n<li><input type="checkbox" disabled> second</li>\n</ul>\n'
        "<ol><li>third<ul><li>nested</li></ul></li></ol>"
    )
    assert make_excerpt(html, "en") == "first second third nested"


_TABLE = (
    "<table><thead><tr><th>Name</th><th>Type</th></tr></thead>"
    "<tbody><tr><td>id</td><td>int</td></tr></tbody></table>"
)


def test_table_is_one_placeholder_in_the_excerpt_and_words_in_the_text():
    html = f"<p>Columns:</p>{_TABLE}<p>Then more.</p>"
    assert make_excerpt(html, "en") == "Columns: [Table] Then more."
    # Its cells are still the article's text: searched and counted.
    assert body_text(html) == "Columns: Name Type id int Then more."


def test_table_placeholder_follows_the_article_language():
    html = f"<p>字段如下</p>{_TABLE}<p>完。</p>"
    assert make_excerpt(html, "zh-CN") == "字段如下 [表格] 完。"
    assert make_excerpt(html, "en") == "字段如下 [Table] 完。"


def test_table_with_math_and_nested_table_is_one_placeholder():
    html = render_markdown("| $i$ | 0 | 1 | 2 |\n|---|---|---|---|\n| $s_i$ | a | b | a |\n").html
    assert make_excerpt(html, "en") == "[Table]"
    nested = "<table><tr><td><table><tr><td>x</td></tr></table></td></tr></table><p>y</p>"
    assert make_excerpt(nested, "zh") == "[表格] y"


def test_table_placeholder_is_never_cut():
    html = f"<p>{'word ' * 3}</p>{_TABLE}"
    assert make_excerpt(html, "en", 16) == "word word word..."


def test_heading_is_kept_apart_from_the_text_after_it():
    assert make_excerpt("<h2>Setup</h2><p>Install it.</p>", "en") == "Setup. Install it."
    assert make_excerpt("<h2>背景</h2><p>正文。</p>", "zh-CN") == "背景。正文。"
    # A heading that ends a sentence itself gets no second stop.
    assert make_excerpt("<h2>Why?</h2><p>Because.</p>", "en") == "Why? Because."
    assert make_excerpt("<h3>为什么？</h3><p>因为。</p>", "zh-CN") == "为什么？ 因为。"
    # Plain text (search, word count) is unchanged: no stop added.
    assert body_text("<h2>Setup</h2><p>Install it.</p>") == "Setup Install it."


def test_quotes_definitions_summary_and_admonitions_are_blocks():
    html = (
        "<blockquote><p>Quoted</p></blockquote>"
        "<dl><dt>Term</dt><dd>Meaning</dd></dl>"
        "<details><summary>More</summary><p>Hidden</p></details>"
        '<div class="admonition note"><p class="admonition-title">Note</p><p>Body</p></div>'
        "<p>end<br>line</p><hr><p>after</p>"
    )
    assert make_excerpt(html, "en") == "Quoted Term Meaning More Hidden Note Body end line after"


def test_footnote_references_and_footnote_block_are_absent():
    html = (
        '<p>Claim<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup> here.</p>'
        '<div class="footnote"><hr><ol><li id="fn:1"><p>Source. '
        '<a class="footnote-backref" href="#fnref:1">&#8617;</a></p></li></ol></div>'
    )
    assert make_excerpt(html, "en") == "Claim here."
    assert body_text(html) == "Claim here."


def test_render_error_block_is_absent():
    html = '<div class="render-error"><p>Could not render</p></div><p>Text</p>'
    assert make_excerpt(html, "en") == "Text"


def test_whitespace_runs_collapsed_and_text_stripped():
    html = "\n\n<p>  a \t b&nbsp;&nbsp; c  </p>\n\n<p>\n d </p>\n"
    assert make_excerpt(html, "en") == "a b c d"


def test_entities_are_decoded():
    assert make_excerpt("<p>a &lt;b&gt; &amp; &quot;c&quot;</p>", "en") == 'a <b> & "c"'


@pytest.mark.parametrize("code", [HIGHLIGHTED_CODE, BARE_CODE])
@pytest.mark.parametrize(("lang", "placeholder"), [("zh-CN", "[代码]"), ("en", "[Code]")])
def test_code_block_placeholder_depends_on_language(code, lang, placeholder):
    html = f"<p>Before</p>\n{code}\n<p>after</p>"
    assert make_excerpt(html, lang) == f"Before {placeholder} after"


@pytest.mark.parametrize("formula", [DISPLAY_MATH, FAILED_DISPLAY_MATH])
@pytest.mark.parametrize(("lang", "placeholder"), [("zh-CN", "[公式]"), ("en", "[Formula]")])
def test_display_formula_placeholder_depends_on_language(formula, lang, placeholder):
    html = f"<p>Before</p>\n{formula}\n<p>after</p>"
    assert make_excerpt(html, lang) == f"Before {placeholder} after"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_inline_math_is_the_same_placeholder_in_both_languages(lang):
    failed = '<span class="math math-inline math-error">\\foo</span>'
    html = f"<p>Let {INLINE_MATH} be small and {failed} fail.</p>"
    assert make_excerpt(html, lang) == "Let [Math] be small and [Math] fail."


def test_image_with_alt_becomes_bracketed_alt():
    html = '<p>See <img src="/a.png" alt="the  request\nflow"> below.</p>'
    assert make_excerpt(html, "en") == "See [the request flow] below."


@pytest.mark.parametrize("image", ['<img src="/a.png">', '<img src="/a.png" alt="">'])
def test_image_without_alt_disappears(image):
    assert make_excerpt(f"<p>See {image} below.</p>", "en") == "See below."


def test_inline_code_keeps_its_text():
    html = "<p>Call <code>render()</code> once.</p>"
    assert make_excerpt(html, "en") == "Call render() once."


def test_links_keep_their_text():
    html = '<p>Read <a href="https://example.com/">the <em>docs</em></a>.</p>'
    assert make_excerpt(html, "en") == "Read the docs."


def test_body_text_leaves_out_code_math_and_images():
    html = (
        f"<p>Intro {INLINE_MATH} text <img src='/a.png' alt='diagram'> end.</p>"
        f"{HIGHLIGHTED_CODE}{DISPLAY_MATH}<p>Outro</p>"
    )
    assert body_text(html) == "Intro text end. Outro"


def test_segments_are_shared_by_both_functions():
    html = f"<p>a{INLINE_MATH}</p>{DISPLAY_MATH}<p><img alt='x'></p>"
    kinds = [segment.kind for segment in walk_html(html).segments if segment.kind != BREAK]
    assert kinds == [TEXT, MATH, FORMULA, IMAGE]


def test_long_text_is_cut_at_exactly_350_code_points():
    text = "".join(chr(ord("a") + i % 26) for i in range(1000))
    excerpt = make_excerpt(f"<p>{text}</p>", "en")
    assert EXCERPT_LENGTH == 350
    assert excerpt == text[:350] + "..."
    assert len(excerpt) == 353


def test_long_english_prose_is_cut_and_ends_with_ellipsis():
    text = "The quick brown fox jumps over the lazy dog. " * 20
    excerpt = make_excerpt(f"<p>{text}</p>", "en")
    assert excerpt == text[:350].rstrip() + "..."


@pytest.mark.parametrize("char", ["汉", "\U00020bb7"])  # 𠮷 lies outside the BMP
def test_exactly_350_chinese_characters_fit_without_ellipsis(char):
    assert make_excerpt(f"<p>{char * 350}</p>", "zh-CN") == char * 350
    assert make_excerpt(f"<p>{char * 351}</p>", "zh-CN") == char * 350 + "..."


def test_trailing_whitespace_is_stripped_before_ellipsis():
    # Character 350 is the space between the two paragraphs.
    html = f"<p>{'a' * 349}</p><p>{'b' * 10}</p>"
    assert make_excerpt(html, "en") == "a" * 349 + "..."


def test_cut_never_falls_inside_formula_placeholder():
    # "中" * 348, a space, then "[公式]" would span characters 350-353.
    html = f"<p>{'中' * 348}</p>{DISPLAY_MATH}<p>后文</p>"
    assert make_excerpt(html, "zh-CN") == "中" * 348 + "..."


def test_cut_never_falls_inside_long_image_alt():
    html = f'<p>{"x" * 330} <img src="/a.png" alt="a rather long description"> tail</p>'
    assert make_excerpt(html, "en") == "x" * 330 + "..."


def test_placeholder_ending_exactly_at_the_limit_is_kept():
    html = f"<p>{'中' * 345}</p>{DISPLAY_MATH}<p>后文</p>"
    assert make_excerpt(html, "zh-CN") == "中" * 345 + " [公式]..."


def test_custom_length():
    assert make_excerpt("<p>hello world</p>", "en", length=5) == "hello..."
    with pytest.raises(ValueError):
        make_excerpt("<p>hello</p>", "en", length=0)


def test_newline_between_cjk_characters_is_removed():
    html = "<p>中文作者习惯\n在八十列处换行，\n句子不应\n<strong>被空格</strong>打断。</p>"
    assert make_excerpt(html, "zh-CN") == "中文作者习惯在八十列处换行，句子不应被空格打断。"


def test_newline_in_english_becomes_space():
    assert make_excerpt("<p>hard\nwrapped\n  text</p>", "en") == "hard wrapped text"


def test_newline_between_cjk_and_latin_becomes_space():
    html = "<p>使用\nFlask\n框架，“引号”\n之后</p>"
    assert make_excerpt(html, "zh-CN") == "使用 Flask 框架，“引号”之后"


def test_paragraphs_of_chinese_are_still_joined_by_a_space():
    assert make_excerpt("<p>第一段。</p>\n<p>第二段。</p>", "zh-CN") == "第一段。 第二段。"


@pytest.mark.parametrize("lang", ["zh", "zh-CN", "zh-Hans", "zh-TW", "zh_cn", "ZH-cn"])
def test_any_zh_tag_gets_chinese_placeholders(lang):
    assert make_excerpt(BARE_CODE + DISPLAY_MATH, lang) == "[代码] [公式]"


@pytest.mark.parametrize("lang", ["en", "en-US", "fr", "zha", ""])
def test_other_tags_get_english_placeholders(lang):
    assert make_excerpt(BARE_CODE + DISPLAY_MATH, lang) == "[Code] [Formula]"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>unclosed <b>bold <i>italic", "unclosed bold italic"),
        ("<ul><li>one<li>two</ul><p>after", "one two after"),
        ("</div></p>stray end tags</span>", "stray end tags"),
        ("<p>text<pre><code>never closed", "text [Code]"),
        ('<div class="math math-display">E<p>still math', "[Formula]"),
        ('<p>a <img alt="broken', "a"),
        ("<p>a <![junk[ b ]]> c</p>", "a c"),
        ("<p>a <!-- unterminated comment", "a"),
        ("<p>1 < 2 and 3 > 2</p>", "1 < 2 and 3 > 2"),
        ("<p>x</p></div></div></body></html>", "x"),
        ("", ""),
    ],
)
def test_malformed_html_does_not_raise(html, expected):
    assert make_excerpt(html, "en") == expected
    body_text(html)
