"""derive(): everything publishing stores beside the HTML, from one parse of it."""

from __future__ import annotations

import pytest

from webapp.content.derive import DerivedText, derive
from webapp.content.excerpt import HEADING_STOP, TABLE_CLOSE, TABLE_OPEN, body_text, make_excerpt
from webapp.content.feedhtml import feed_html
from webapp.content.language import reading_stats
from webapp.content.render import MISSING_IMAGE, render_markdown
from webapp.content.searchtext import SearchFields, fields_from_html

ARTICLE = """## 背景

作者习惯在八十列处
换行，正文有 `use_rmpad` 和行内公式 $E=mc^2$，还有 $\\overbrace{a+b}^{n}$。[^1]

$$
\\begin{aligned} x &= 1 \\\\ y &= 2 \\end{aligned}
$$

坏公式 $\\frac{$ 不影响后文。

```python
def step(x, lr=0.1):
    return x - lr * grad(x)
```

    indented_code()

| 名称 | 类型 |
| ---- | ---- |
| id   | int  |

![请求流程](/media/flow.png) and ![丢失的图](missing.png)

> 引用一段话。

- 第一项
- 第二项

[^1]: 脚注不进正文。
"""


def rendered() -> str:
    resolve = {"/media/flow.png": None, "missing.png": MISSING_IMAGE}
    return render_markdown(ARTICLE, resolve_image=resolve.get).html


def unmarked(prose: str) -> str:
    """Return search prose without its snippet marks, spaced as plain text is."""
    for mark in (TABLE_OPEN, TABLE_CLOSE, HEADING_STOP):
        prose = prose.replace(f" {mark} ", " ").replace(f"{mark} ", " ").replace(mark, "")
    return prose


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_fields_equal_the_separate_functions(lang):
    html = rendered()
    derived = derive(html, title="标题", lang=lang)
    assert derived.text == body_text(html)
    assert derived.lang == lang
    assert derived.excerpt == make_excerpt(html, lang)
    assert (derived.word_count, derived.reading_minutes) == reading_stats(derived.text)
    assert derived.search == fields_from_html("标题", html)
    assert derived.feed_html == feed_html(html)


def test_what_the_fields_hold():
    derived = derive(rendered(), title="标题", lang="zh-CN")
    assert derived.text.startswith("背景 作者习惯在八十列处换行，正文有 use_rmpad 和行内公式")
    assert "脚注" not in derived.text and "grad" not in derived.text and "mc" not in derived.text
    assert "名称 类型 id int" in derived.text and "引用一段话。 第一项 第二项" in derived.text
    assert (
        "[Math]" in derived.excerpt and "[公式]" in derived.excerpt and "[代码]" in derived.excerpt
    )
    assert "[请求流程]" in derived.excerpt and "[丢失的图]" in derived.excerpt
    # The search prose is the text, with tables and heading ends marked for snippets.
    assert derived.search.title == "标题" and unmarked(derived.search.prose) == derived.text
    assert derived.search.code == (
        "def step(x, lr=0.1):\n    return x - lr * grad(x)\nindented_code()"
    )
    assert derived.search.math.split("\n") == [
        "E=mc^2",
        "\\overbrace{a+b}^{n}",
        "\\begin{aligned} x &= 1 \\\\ y &= 2 \\end{aligned}",
        "\\frac{",
    ]
    feed = derived.feed_html
    assert feed.count("<math") == 3 and "katex-html" not in feed and "<svg" not in feed
    assert 'class="headerlink"' not in feed and '<h2 id="背景">背景</h2>' in feed
    assert "<table>" in feed and 'src="/media/flow.png"' in feed and 'id="fn:1"' in feed


def test_language_is_detected_when_none_is_declared():
    html = rendered()
    assert derive(html, title="t").lang == "zh-CN"
    assert derive(html, title="t", lang="no such tag!").lang == "zh-CN"
    english = derive("<p>Plain English words.</p><pre>code</pre>", title="t")
    assert english.lang == "en" and english.excerpt == "Plain English words. [Code]"
    assert derive(html, title="t", lang="zh_cn").lang == "zh-CN"  # declared tags normalised


def test_excerpt_length():
    derived = derive("<p>hello world</p>", title="t", lang="en", excerpt_length=5)
    assert derived.excerpt == "hello..."
    with pytest.raises(ValueError):
        derive("<p>hello</p>", title="t", lang="en", excerpt_length=0)


def test_empty_html():
    assert derive("", title="t", lang="en") == DerivedText(
        text="",
        lang="en",
        excerpt="",
        word_count=0,
        reading_minutes=1,
        search=SearchFields("t", "", "", ""),
        feed_html="",
    )
