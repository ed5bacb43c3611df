"""Typora's (and GitHub's) syntax: [toc] in place, centring, raw <img width>; mermaid diagrams."""

from __future__ import annotations

from webapp.content.excerpt import HEADING_STOP, make_excerpt
from webapp.content.feedhtml import feed_html
from webapp.content.htmlwalk import walk_html
from webapp.content.render import render_markdown
from webapp.content.sanitize import sanitize_html
from webapp.content.searchtext import fields_from_html

from .test_render import CORPUS

MERMAID = "```mermaid\ngraph TD\n  A[开始] --> B{判断}\n  B -->|是| C[结束]\n```"

# --- [toc] ---------------------------------------------------------------------------


def test_toc_marker_places_the_contents_where_it_stands_in_any_case():
    for marker in ("[toc]", "[TOC]", "[Toc]"):
        result = render_markdown(f"Intro.\n\n{marker}\n\n## 第一节\n\n## Second\n\ntext")
        html = result.html
        assert html.startswith('<p>Intro.</p>\n<div class="toc toc-inline"><details open="">')
        assert "<summary>Contents</summary>" in html
        assert '<a href="#第一节">第一节</a>' in html and '<a href="#second">Second</a>' in html
        assert html.index("toc-inline") < html.index('<h2 id="第一节">')
        assert marker not in html


def test_toc_marker_without_headings_leaves_nothing_and_in_code_stays_literal():
    assert render_markdown("[toc]\n\nJust text.").html == "<p>Just text.</p>"
    html = render_markdown("```\n[toc]\n```\n\n`[toc]`\n\n## A\n\nsee [toc] inline").html
    assert "toc-inline" not in html
    assert "[toc]\n</code>" in html and "<code>[toc]</code>" in html
    assert "see [toc] inline" in html


def test_toc_marker_is_left_out_of_excerpt_and_search_text():
    html = render_markdown("[TOC]\n\n## 背景\n\n正文开始。").html
    assert make_excerpt(html, "zh-CN") == "背景。正文开始。"
    assert fields_from_html("t", html).prose == f"背景{HEADING_STOP} 正文开始。"


def test_toc_marker_works_with_fewer_headings_than_the_page_toc_needs():
    result = render_markdown("[toc]\n\n## Only one")
    assert result.toc_html == "" and "toc-inline" in result.html


# --- centring and raw images -----------------------------------------------------------


def test_align_attributes_become_classes():
    html = render_markdown(
        '<p align="center">居中</p>\n\n<h1 align=right class="big">T</h1>\n\n'
        "<center>图 1：结构</center>\n\n<p align='left'>l</p>"
    ).html
    assert '<p class="align-center">居中</p>' in html
    assert '<h1 class="big align-right">T</h1>' in html
    assert '<div class="align-center">图 1：结构</div>' in html
    assert '<p class="align-left">l</p>' in html
    assert "align=" not in html.replace("align-", "")


def test_unknown_align_values_are_dropped_and_other_tags_keep_nothing():
    assert sanitize_html('<p align="javascript:x">a</p>') == "<p>a</p>"
    assert sanitize_html('<span align="center">a</span>') == "<span>a</span>"
    assert sanitize_html('<p align="center" onclick="x()">a</p>') == '<p class="align-center">a</p>'


def test_a_centred_div_followed_by_a_blank_line_holds_markdown():
    html = render_markdown(
        '<div align="center">\n\n![logo](logo.png)\n\n**项目** $x$\n\n</div>\n\nAfter.'
    ).html
    assert html.startswith('<div class="align-center">\n<p><img alt="logo" src="logo.png"></p>')
    assert "<strong>项目</strong>" in html and "math-inline" in html
    assert html.endswith("</div>\n<p>After.</p>")


def test_a_div_with_html_right_after_it_stays_raw():
    html = render_markdown("<div>\nraw *text*\n</div>").html
    assert html == "<div>\nraw *text*\n</div>"


def test_raw_img_width_and_height_are_kept():
    html = render_markdown('<img src="a.png" width=300 height="200" style="zoom:50%">').html
    assert '<img src="a.png" width="300" height="200">' in html


# --- mermaid ---------------------------------------------------------------------------


def test_mermaid_fence_is_stored_as_its_source_in_a_pre():
    html = render_markdown(MERMAID).html
    assert html == (
        '<pre class="mermaid"><code>graph TD\n  A[开始] --&gt; B{判断}\n'
        "  B --&gt;|是| C[结束]</code></pre>"
    )


def test_mermaid_keeps_dollars_percents_and_brackets_literal():
    html = render_markdown("```mermaid\ngraph LR\n  A[$x$ %%c%%] --> B[[sub]]\n```").html
    assert "A[$x$ %%c%%] --&gt; B[[sub]]" in html and "katex" not in html


def test_a_diagram_is_a_placeholder_in_excerpts_and_code_in_feeds_and_search():
    html = render_markdown(f"流程如下：\n\n{MERMAID}\n\n完。").html
    assert make_excerpt(html, "zh-CN") == "流程如下： [图表] 完。"
    assert make_excerpt(html, "en") == "流程如下： [Diagram] 完。"
    assert "A[开始]" in fields_from_html("t", html).code
    assert '<pre class="mermaid"><code>graph TD' in feed_html(html)
    assert walk_html(html).code[0].startswith("graph TD")


def test_the_corpus_flowchart_post_renders_each_diagram_as_source():
    text = (
        CORPUS / "weiyouwozuiku__weiyouwozuiku.github.io/source/_posts/经验总结/Markdown流程图.md"
    )
    source = text.read_text(encoding="utf-8")
    html = render_markdown(source.split("---\n", 2)[2]).html
    assert html.count('<pre class="mermaid">') == source.count("```mermaid")
    assert "graph" in html.split('<pre class="mermaid">', 1)[1]
