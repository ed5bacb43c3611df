"""Obsidian's syntax as a vault's notes use it: callouts, [[wikilinks]], %%comments%%, marks."""

from __future__ import annotations

import pytest

from webapp.content.callouts import CALLOUT_TYPES
from webapp.content.excerpt import body_text, make_excerpt
from webapp.content.render import render_markdown
from webapp.content.wikilinks import link_targets, note_key

# --- callouts ------------------------------------------------------------------------


def test_a_callout_renders_as_an_admonition_with_its_title():
    html = render_markdown("> [!warning] 注意事项\n> 先备份数据。").html
    assert html == (
        '<div class="admonition callout warning">\n'
        '<p class="admonition-title">注意事项</p>\n<p>先备份数据。</p>\n</div>'
    )


@pytest.mark.parametrize(("written", "shown"), sorted(CALLOUT_TYPES.items()))
def test_every_standard_type_and_alias_gets_its_class_and_a_default_title(written, shown):
    html = render_markdown(f"> [!{written}]\n> Body.").html
    assert f'class="admonition callout {shown}"' in html
    assert f'<p class="admonition-title">{written.capitalize()}</p>' in html


def test_types_are_case_insensitive_and_unknown_types_look_like_notes():
    assert 'class="admonition callout tip"' in render_markdown("> [!TIP] Hint").html
    assert 'class="admonition callout warning"' in render_markdown("> [!Caution]\n> x").html
    html = render_markdown("> [!recipe] Pancakes\n> Flour.").html
    assert 'class="admonition callout note"' in html and ">Pancakes</p>" in html


def test_foldable_callouts_are_details_open_with_plus_and_closed_with_minus():
    opened = render_markdown("> [!faq]+ Why?\n> Because.").html
    closed = render_markdown("> [!faq]- Why?\n> Because.").html
    assert opened.startswith('<details class="callout question" open="">')
    assert "<summary>Why?</summary>" in opened and "<p>Because.</p>" in opened
    assert closed.startswith('<details class="callout question">')
    assert "open" not in closed.split(">", 1)[0]


def test_a_callout_holds_lists_code_math_and_nested_callouts():
    text = (
        "> [!example] 例子\n"
        "> - 第一项 $x^2$\n"
        "> - second\n"
        ">\n"
        "> ```python\n"
        "> print('[[not a link]]')\n"
        "> ```\n"
        ">\n"
        "> $$\\sum_i a_i$$\n"
        ">\n"
        "> > [!tip] Inner\n"
        "> > Nested **text**."
    )
    html = render_markdown(text).html
    assert html.startswith('<div class="admonition callout example">')
    assert '<li>第一项 <span class="math math-inline">' in html
    assert 'highlight"><span class="code-lang">' in html and "[[not a link]]" in html
    assert '<div class="math math-display" tabindex="0">' in html
    assert '<div class="admonition callout tip">' in html
    assert "Nested <strong>text</strong>." in html


def test_a_blank_line_ends_a_callout_and_a_plain_quote_stays_a_quote():
    html = render_markdown("> [!note]\n> one\n\n> quoted\n\n> [!note] no\n").html
    assert html.count('class="admonition callout note"') == 2
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert render_markdown("> [!note] in a quote? no: not on the first line").html.startswith(
        '<div class="admonition callout note">'
    )
    assert "<blockquote>" in render_markdown("> text\n> [!note] later").html


def test_a_callout_in_code_stays_code():
    html = render_markdown("```markdown\n> [!note] Title\n```").html
    assert "admonition" not in html and "[!note]" in html


def test_the_excerpt_reads_a_callout_as_text():
    html = render_markdown("> [!info] 说明\n> 这是正文。").html
    assert make_excerpt(html, "zh-CN") == "说明 这是正文。"


# --- wikilinks -------------------------------------------------------------------------


def resolver(known: dict[str, str]):
    return known.get


def test_wikilinks_link_to_the_resolved_address_with_the_heading_fragment():
    known = {"Note": "/_notes/Note", "树状数组": "/posts/fenwick/"}
    result = render_markdown(
        "See [[Note]], [[Note|this one]], [[树状数组#单点修改 区间查询]] and [[#Local Part]].",
        resolve_link=resolver(known),
    )
    assert result.html == (
        '<p>See <a class="wikilink" href="/_notes/Note">Note</a>, '
        '<a class="wikilink" href="/_notes/Note">this one</a>, '
        '<a class="wikilink" href="/posts/fenwick/#单点修改-区间查询">树状数组 &gt; 单点修改 区间查询</a>'
        ' and <a class="wikilink" href="#local-part">Local Part</a>.</p>'
    )
    assert result.unresolved_links == []


def test_the_fragment_is_the_id_the_heading_gets():
    result = render_markdown("## 单点修改 区间查询\n\n[[#单点修改 区间查询]]")
    heading_id = result.html.split('id="', 1)[1].split('"', 1)[0]
    assert f'href="#{heading_id}"' in result.html


def test_unresolved_links_show_their_text_and_are_listed_once():
    result = render_markdown(
        "[[Missing]] and [[Missing]] and [[Gone|别名]] and [[Lost#Part]]",
        resolve_link=resolver({}),
    )
    assert result.html == "<p>Missing and Missing and 别名 and Lost &gt; Part</p>"
    assert result.unresolved_links == ["[[Missing]]", "[[Gone|别名]]", "[[Lost#Part]]"]


def test_without_a_resolver_every_note_link_is_unresolved():
    result = render_markdown("[[A]]")
    assert (result.html, result.unresolved_links) == ("<p>A</p>", ["[[A]]"])


def test_wikilinks_in_code_and_math_stay_literal_and_transclusions_stay_as_written():
    text = (
        "`[[inline]]` and $[[a]]$\n\n```python\nx = [[1, 2], [3, 4]]\n```\n\n"
        "    [[indented]]\n\n![[Some note]]"
    )
    result = render_markdown(text, resolve_link=resolver({}))
    assert "<code>[[inline]]</code>" in result.html
    python_block = result.html.split('highlight"', 1)[1]
    assert '<span class="p">[[</span>' in python_block
    assert '<annotation encoding="application/x-tex">[[a]]</annotation>' in result.html
    assert "[[indented]]" in result.html and "![[Some note]]" in result.html
    assert 'class="wikilink"' not in result.html
    assert result.unresolved_links == []


def test_link_text_is_literal_and_escaped():
    result = render_markdown("[[a_b_c|<b>x</b> *y*]]", resolve_link=resolver({"a_b_c": "/n/a"}))
    assert result.html == ('<p><a class="wikilink" href="/n/a">&lt;b&gt;x&lt;/b&gt; *y*</a></p>')


def test_image_embeds_keep_their_width_and_are_not_wikilinks():
    result = render_markdown("![[图/figure 1.png|300]] ![[a.png|300x200]]")
    assert '<img alt="figure 1.png" src="%E5%9B%BE/figure%201.png" width="300">' in result.html
    assert '<img alt="a.png" height="200" src="a.png" width="300">' in result.html
    assert result.unresolved_links == []


def test_link_targets_and_note_keys():
    assert link_targets("[[A]] [[B|x]] [[A#h]] [[#local]] ![[C]] [[folder/D.md]]") == [
        "A",
        "B",
        "folder/D.md",
    ]
    assert note_key(" Folder/My  Note.md ") == "folder/my note"
    assert note_key("读书笔记") == "读书笔记"


# --- highlights and comments -----------------------------------------------------------


def test_highlight_marks_cjk_and_latin_text():
    html = render_markdown("这是==重点内容==，and ==this== too; 中==间==字").html
    assert html == (
        "<p>这是<mark>重点内容</mark>，and <mark>this</mark> too; 中<mark>间</mark>字</p>"
    )
    assert "<mark>" not in render_markdown("`==code==`").html


def test_comments_are_hidden_inline_and_as_blocks():
    text = "前文%%私下的备注%%后文 and %%note%% more.\n\n%%\n整段\n\n注释 $x$\n%%\n\nEnd."
    result = render_markdown(text)
    assert result.html == "<p>前文后文 and  more.</p>\n<p>End.</p>"
    assert "备注" not in body_text(result.html)


def test_a_comment_alone_on_a_line_does_not_split_its_paragraph():
    assert render_markdown("one\n%%hidden%%\ntwo").html == "<p>one\ntwo</p>"


def test_comments_stay_literal_inside_code_and_an_unclosed_one_stays_text():
    text = "`a %%b%% c`\n\n```\n%%kept%%\n```\n\n    %% indented %%\n\n100%% sure"
    html = render_markdown(text).html
    assert "<code>a %%b%% c</code>" in html
    assert "%%kept%%" in html and "%% indented %%" in html
    assert "<p>100%% sure</p>" in html


def test_a_comment_can_hold_a_code_block():
    html = render_markdown("%%\n```\nsecret()\n```\n%%\n\nshown").html
    assert html == "<p>shown</p>"
