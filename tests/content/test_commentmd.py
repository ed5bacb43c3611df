"""The comment pipeline: article Markdown with math and code, under a stricter allow-list."""

from __future__ import annotations

import re

import pytest

from webapp.content.commentmd import (
    MAX_COMMENT_CHARS,
    MAX_COMMENT_FORMULAS,
    MAX_COMMENT_LINES,
    CommentRefused,
    render_comment,
)


def html_of(text: str) -> str:
    return render_comment(text).html


def test_markdown_math_and_code_render():
    html = html_of(
        "Nice **post**: $x_1^2$ and\n\n$$\\sum_i a_i$$\n\n```python\nprint('<b>')\n```\n"
    )
    assert "<strong>post</strong>" in html
    assert 'class="math math-inline"' in html and 'class="math math-display"' in html
    assert '<annotation encoding="application/x-tex">x_1^2</annotation>' in html
    assert 'class="language-python highlight"' in html
    assert "&lt;b&gt;" in html  # the code shows its text


def test_raw_html_shows_as_text():
    html = html_of('<b>bold</b> <script>alert(1)</script> <div style="position:fixed">x</div>')
    assert "<b>" not in html and "<script" not in html and "<div" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_images_and_no_headings():
    html = html_of("# Big\n\nSub\n===\n\n![cat](https://example.com/cat.png)")
    assert "<img" not in html and not re.search(r"<h\d", html)
    assert "# Big" in html


def test_commenter_cannot_set_class_style_or_id():
    html = html_of('para\n{: .overlay #top style="position:fixed" }\n\n[a](https://e.com){: .x}')
    assert "overlay" not in html.replace("{: .overlay", "")
    assert ' id="' not in html and "style=" not in html.replace('style="position', "")
    assert "<p" in html and 'class="x"' not in html


def test_links_are_nofollow_ugc_and_scripts_are_dropped():
    html = html_of("[site](https://example.com) [bad](javascript:alert(1)) <https://a.example>")
    assert html.count('rel="nofollow ugc noopener"') == 3
    assert 'href="https://example.com"' in html
    assert "javascript" not in html


def test_formula_styles_stay_but_cannot_place_boxes_over_the_page():
    html = html_of("$\\int f$")
    assert 'style="' in html  # KaTeX's own offsets
    assert "fixed" not in html


def test_limits_refuse_before_rendering():
    with pytest.raises(CommentRefused, match="longer than"):
        render_comment("x" * (MAX_COMMENT_CHARS + 1))
    with pytest.raises(CommentRefused, match="empty"):
        render_comment("  \n ")
    with pytest.raises(CommentRefused, match="formulas"):
        render_comment("$a$ " * (MAX_COMMENT_FORMULAS + 1))
    with pytest.raises(CommentRefused, match="more than 1,000 lines"):
        render_comment("a\n---\n" * (MAX_COMMENT_LINES // 2))
    assert "<hr" in html_of("a\n---\n" * (MAX_COMMENT_LINES // 2 - 1))
    assert "math" in html_of("$a$ " * MAX_COMMENT_FORMULAS)


@pytest.mark.parametrize(
    "text",
    [
        ("$5 " * 20_000)[:MAX_COMMENT_CHARS],
        "[" * MAX_COMMENT_CHARS,
        "```\n" + ("x" * 9 + "\n") * (MAX_COMMENT_LINES - 2),
        ("[a](" * 5_000)[:MAX_COMMENT_CHARS],
        "<" * MAX_COMMENT_CHARS,
    ],
    ids=["dollars", "brackets", "unclosed-fence", "open-links", "angles"],
)
def test_hostile_text_renders_as_text(text):
    html = html_of(text)
    # Everything the reader wrote is still there, as text (bench/comments.py times these).
    assert len(html) >= len(text.strip()) // 2
    assert "<script" not in html
