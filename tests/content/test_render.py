"""The Markdown pipeline as a reader meets it: blocks, headings, images, CJK text, failures."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from webapp.content.render import RenderResult, render_markdown

from .test_math import read

# The shared test documents sit beside the project folder: ../shared/corpus/realworld.
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "realworld"
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def test_result_shape():
    result = render_markdown("Hello *world*.")
    assert isinstance(result, RenderResult)
    assert result.html == "<p>Hello <em>world</em>.</p>"
    assert (result.toc_html, result.heading_count, result.math_errors) == ("", 0, [])
    assert result.image_sources == []


# --- code ----------------------------------------------------------------------------


def test_fenced_code_is_highlighted_with_css_classes():
    html = render_markdown("```python\ndef f(x):\n    return x  # done\n```").html
    assert html.startswith(
        '<div class="language-python highlight"><span class="code-lang">Python</span><pre tabindex="0">'
    )
    assert '<span class="k">def</span>' in html and '<span class="c1"># done</span>' in html
    assert "style=" not in html and "linenos" not in html


def test_indented_code_and_unknown_languages_render_as_plain_code():
    html = render_markdown("```nosuchlanguage\nx <- 1\n```\n\nText.\n\n    plain = 1\n").html
    assert html.count('<div class="language-text highlight"><pre tabindex="0">') == 2
    assert "x &lt;- 1" in html and "plain = 1" in html


# --- block extensions ------------------------------------------------------------------


def test_footnotes():
    html = render_markdown("Claim[^1].\n\n[^1]: Source.").html
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>' in html
    assert '<div class="footnote">' in html and 'id="fn:1"' in html and "Source." in html


def test_task_list_has_disabled_checkboxes():
    html = render_markdown("- [ ] todo\n- [x] done").html
    assert '<input type="checkbox" disabled="disabled">' in html.replace(" checked", "")
    assert html.count("<input") == 2 and html.count("checked") == 1


def test_admonition_details_and_definition_list():
    source = (
        '!!! note "注意"\n    Body text.\n\n'
        '??? tip "More"\n    Hidden text.\n\n'
        "Term\n:   Definition.\n"
    )
    html = render_markdown(source).html
    assert (
        '<div class="admonition note">' in html and '<p class="admonition-title">注意</p>' in html
    )
    assert '<details class="tip">' in html and "<summary>More</summary>" in html
    assert "<dl>" in html and "<dt>Term</dt>" in html and "<dd>Definition.</dd>" in html


def test_inline_extensions():
    html = render_markdown("~~gone~~ ==marked== <kbd>Ctrl</kbd> HTML\n\n*[HTML]: HyperText").html
    assert "<del>gone</del>" in html and "<mark>marked</mark>" in html
    assert "<kbd>Ctrl</kbd>" in html and '<abbr title="HyperText">HTML</abbr>' in html


def test_tables_keep_alignment():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |").html
    assert '<td style="text-align:left">1</td>' in html
    assert '<td style="text-align:right">2</td>' in html


# --- headings ------------------------------------------------------------------------


def test_headings_get_ids_permalinks_and_a_toc_from_three():
    result = render_markdown("## 树状数组\n\n### 单点修改\n\n## Range Query\n\ntext")
    assert result.heading_count == 3
    assert (
        '<h2 id="树状数组">树状数组<a class="headerlink" href="#树状数组">#</a></h2>' in result.html
    )
    assert 'id="range-query"' in result.html
    toc = result.toc_html
    assert toc.startswith("<ul>") and toc.endswith("</ul>")
    assert '<a href="#单点修改">单点修改</a>' in toc
    # Nested: the h3 sits in a list inside the first h2's item.
    assert re.search(r"树状数组</a>\s*<ul>\s*<li><a href=\"#单点修改\">", toc)


def test_no_toc_below_three_headings():
    result = render_markdown("## One\n\n## Two\n")
    assert result.heading_count == 2 and result.toc_html == ""


# --- CJK line breaks -------------------------------------------------------------------


def test_newline_between_chinese_characters_disappears():
    html = render_markdown("这是第一行，\n这是第二行\n**加粗**的文字\nand English\n继续。").html
    assert "这是第一行，这是第二行<strong>加粗</strong>的文字\nand English\n继续。" in html


def test_newlines_in_code_stay():
    html = render_markdown("```\n中文\n中文\n```\n\n`中\n文`").html
    assert "中文\n中文" in html and "中\n文" in html


def test_chinese_next_to_inline_math_keeps_structure():
    found, text = read(render_markdown("设\n$x$\n为整数，\n则成立。").html)
    assert found == [("inline", "x")]
    assert "为整数，则成立。" in text


# --- images --------------------------------------------------------------------------


def test_resolve_image_applies_to_markdown_and_html_images():
    source = (
        "![a](../images/a.svg)\n\n<img src='./img/a%20b.png' alt=\"b\">\n\n"
        '![kept](https://example.org/c.png "title")'
    )
    mapping = {"../images/a.svg": "/media/1.svg", "./img/a%20b.png": "/media/2.png"}
    result = render_markdown(source, resolve_image=mapping.get)
    assert result.image_sources == [
        "../images/a.svg",
        "./img/a%20b.png",
        "https://example.org/c.png",
    ]
    assert 'src="/media/1.svg"' in result.html and 'src="/media/2.png"' in result.html
    assert 'src="https://example.org/c.png"' in result.html
    assert "../images" not in result.html


def test_images_without_resolver_are_listed_and_left_alone():
    result = render_markdown("![x](pic.png) and ![y](pic.png)")
    assert result.image_sources == ["pic.png", "pic.png"]
    assert result.html.count('src="pic.png"') == 2


# --- failure -------------------------------------------------------------------------


def test_markdown_failure_becomes_a_visible_error_block(monkeypatch):
    def explode(self, source):
        raise RuntimeError("boom")

    monkeypatch.setattr(markdown.Markdown, "convert", explode)
    result = render_markdown("# Title\n\n<b>x</b> & y")
    assert result.html.startswith('<div class="render-error">')
    assert "<pre># Title\n\n&lt;b&gt;x&lt;/b&gt; &amp; y</pre>" in result.html
    assert result.toc_html == "" and result.math_errors == []


# --- real documents ------------------------------------------------------------------


class _LooseText(HTMLParser):
    """Text outside <code>, <pre> and rendered formulas."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth, self.stack, self.parts = 0, [], []

    def handle_starttag(self, tag, attrs):
        hidden = tag in ("code", "pre") or "math" in (dict(attrs).get("class") or "").split()
        if tag not in ("img", "br", "hr", "input"):
            self.stack.append(hidden)
            self.depth += hidden

    def handle_endtag(self, tag):
        if self.stack:
            self.depth -= self.stack.pop()

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def _corpus_documents() -> list[Path]:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{CORPUS} is missing; CI must render the real-world corpus")
        pytest.skip(f"{CORPUS} is not available")
    return sorted(CORPUS.rglob("*.md"))


def test_realworld_corpus_renders_without_raw_math():
    documents = _corpus_documents()
    assert documents
    leftovers = []
    for path in documents:
        body = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8").replace("\r\n", "\n"))
        result = render_markdown(body)
        assert not result.html.startswith('<div class="render-error">'), path
        parser = _LooseText()
        parser.feed(result.html)
        text = "".join(parser.parts)
        leftovers += [f"{path.name}: {mark!r}" for mark in ("$$", "\\[") if mark in text]
    assert leftovers == []


def test_a_rule_right_after_a_closing_fence_is_a_rule_not_a_heading_of_the_code():
    # As in Hexo posts: "```" then "---" on the next line. CommonMark reads a rule there;
    # the code block must not become an <h2> (nor a table of contents entry of its code).
    result = render_markdown("# A\n\n## B\n\n```mermaid\ngraph TB\n  a-->b\n```\n---\n## C\n")
    assert not re.search(r"<h2[^>]*>(?:(?!</h2>).)*<pre", result.html, re.DOTALL)
    assert '<pre class="mermaid">' in result.html and "<hr>" in result.html
    assert "graph" not in result.toc_html
    equals = render_markdown("```\na\n```\n===\n").html
    assert "<h1" not in equals and "<p>===</p>" in equals


def test_code_block_is_labelled_focusable_and_numbered_only_when_asked():
    html = render_markdown('```python linenums="1"\nx = 1\ny = 2\n```\n\n```js\na()\n```\n').html
    python, script = html.split("</div>")[:2]
    assert '<span class="code-lang">Python</span><pre tabindex="0">' in python
    assert python.count('class="linenos"') == 2 and 'data-linenos="2 "' in python
    # The numbers are drawn by CSS from an attribute: the code's text holds none.
    assert '<span class="code-lang">JavaScript</span>' in script and "linenos" not in script


def test_plain_code_has_no_label_and_display_math_is_focusable():
    html = render_markdown("```\nplain\n```\n\n$$x^2$$\n").html
    assert "code-lang" not in html and '<pre tabindex="0">' in html
    assert '<div class="math math-display" tabindex="0">' in html
