"""Search text: tokens, the fields taken from rendered HTML, query parsing, snippets."""

from __future__ import annotations

import random

import pytest

from webapp.content.excerpt import body_text
from webapp.content.render import render_markdown
from webapp.content.searchtext import (
    MAX_QUERY_CHARS,
    MAX_TERM_TOKENS,
    MAX_TERMS,
    MAX_TOKEN_CHARS,
    SearchFields,
    Term,
    fields_from_html,
    parse_query,
    prepare,
    tokens,
)
from webapp.content.snippet import make_snippet, mark


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FlashAttention", "flashattention"),
        ("use_rmpad", "use rmpad"),
        ("nn.Module", "nn module"),
        ("functools.partial(f, 1)", "functools partial f 1"),
        ("梯度检查点", "梯 度 检 查 点"),
        ("梯度检\n查点", "梯 度 检 查 点"),
        ("DDP原理", "ddp 原 理"),
        ("ＡＢＣ１２３", "abc123"),  # full-width letters and digits
        ("Straße", "strasse"),
        ("ﬁle", "file"),
        ("Flash\u00adAttention", "flashattention"),  # a soft hyphen is invisible
        ("かな カナ 한국어", "か な カ ナ 한 국 어"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),  # composed first
        ("\u0915\u093f\u0924\u093e\u092c", "\u0915\u093f\u0924\u093e\u092c"),  # marks stay in words
        ("🚀 ❤️ — …!?", ""),
        ("\x00\t\r\n", ""),
    ],
)
def test_prepare(text, expected):
    assert prepare(text) == expected


def test_long_tokens_are_cut():
    assert tokens("a" * 500) == ["a" * MAX_TOKEN_CHARS]


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("卷", [("卷",)]),
        ("卷积", [("卷", "积")]),
        ("梯度检查点", [("梯", "度", "检", "查", "点")]),
        ("FlashAttention", [("flashattention",)]),
        ("DDP 原理", [("ddp",), ("原", "理")]),
        ("DDP原理", [("ddp",), ("原", "理")]),  # split where Chinese meets Latin
        ("use_rmpad", [("use", "rmpad")]),
        ("functools.partial", [("functools", "partial")]),
        ('"gradient descent"', [("gradient", "descent")]),
        ("gradient descent", [("gradient",), ("descent",)]),
        ("“梯度 检查点”", [("梯", "度", "检", "查", "点")]),  # Chinese quotes work too
        ('"卷积', [("卷", "积")]),  # an unbalanced quote closes at the end
        ('"DDP原理"', [("ddp", "原", "理")]),  # quoted: one phrase, not split
        ("卷积 卷积", [("卷", "积")]),
        ("AND OR NOT", [("and",), ("or",), ("not",)]),  # words, not operators
        ("title:卷积", [("title",), ("卷", "积")]),
        ("-卷积*", [("卷", "积")]),
    ],
)
def test_parse_query(query, terms):
    assert parse_query(query) == [Term(term) for term in terms]


@pytest.mark.parametrize("query", ["", " ", '"', '""', "*", ":", "()", "-", "!!!", "\x00", "🚀"])
def test_queries_without_tokens_have_no_terms(query):
    assert parse_query(query) == []


def test_query_limits():
    assert len(parse_query(" ".join(f"w{n}" for n in range(100)))) == MAX_TERMS
    (term,) = parse_query("卷" * 1000)
    assert len(term.tokens) == MAX_TERM_TOKENS
    assert parse_query("x" * (MAX_QUERY_CHARS + 10) + " tail") == [Term(("x" * MAX_TOKEN_CHARS,))]
    assert parse_query(None) == []


def test_fields_from_rendered_html():
    html = render_markdown(
        "# 标题\n\n正文有 `use_rmpad` 和 $E=mc^2$。\n\n"
        "$$\\mathrm{softplus}(x)$$\n\n"
        "```python\nx = functools.partial(f)\n```\n\n    indented_code()\n\n"
        "坏公式 $\\frac{$ 结束。\n"
    ).html
    fields = fields_from_html("标题", html)
    assert fields.title == "标题"
    assert "use_rmpad" in fields.prose and "正文有" in fields.prose
    assert "mc" not in fields.prose and "softplus" not in fields.prose
    assert "functools.partial" not in fields.prose
    assert fields.code == "x = functools.partial(f)\nindented_code()"
    assert fields.math.split("\n") == ["E=mc^2", "\\mathrm{softplus}(x)", "\\frac{"]


def test_katex_layout_is_skipped_without_changing_any_field():
    html = render_markdown(
        "前文 $\\sum_{i=1}^n x_i^2$ 中间\n\n$$\n\\begin{aligned} a &= b \\\\ c &= d\\end{aligned}\n$$\n\n后文"
    ).html
    assert 'class="katex-html"' in html
    assert body_text(html) == "前文 中间 后文"
    fields = fields_from_html("t", html)
    assert fields.math.split("\n") == [
        "\\sum_{i=1}^n x_i^2",
        "\\begin{aligned} a &= b \\\\ c &= d\\end{aligned}",
    ]


def test_fields_from_odd_html_do_not_fail():
    assert fields_from_html("t", "<pre>unclosed <b>code").code == "unclosed code"
    assert fields_from_html("t", "<p>a<![junk[ b</p>").title == "t"
    assert fields_from_html("t", "") == SearchFields("t", "", "", "")


def snippet_text(parts) -> str:
    return "".join(f"[{text}]" if hit else text for text, hit in parts)


def test_snippet_around_the_first_match_with_every_match_marked():
    prose = "前言。" * 60 + "这里讲卷积，然后再讲一次卷积和池化。" + "后记。" * 60
    snippet = make_snippet(SearchFields("", prose, "", ""), parse_query("卷积 池化"))
    text = snippet_text(snippet.parts)
    assert snippet.field == "prose"
    assert text.startswith("…") and text.endswith("…")
    assert "这里讲[卷积]，然后再讲一次[卷积]和[池化]。" in text
    width = sum(2 if "\u4e00" <= char <= "\u9fff" or char in "。，…" else 1 for char in text)
    assert width <= 150


def test_snippet_does_not_cut_latin_words():
    prose = " ".join(["alpha", "beta", "gamma", "delta"] * 30) + " target " + "omega " * 40
    text = snippet_text(make_snippet(SearchFields("", prose, "", ""), parse_query("target")).parts)
    words = text.strip("…").split()
    assert all(word in {"alpha", "beta", "gamma", "delta", "[target]", "omega"} for word in words)


def test_snippet_falls_back_to_code_then_math():
    fields = SearchFields("", "prose only", "x = use_rmpad", "\\mathrm{softplus}")
    assert make_snippet(fields, parse_query("use_rmpad")).field == "code"
    assert make_snippet(fields, parse_query("softplus")).field == "math"
    assert make_snippet(fields, parse_query("nothing")) is None
    assert make_snippet(fields, parse_query("use_rmpad"), ["prose"]) is None


def test_mark_title():
    assert mark("FlashAttention 原理浅析", parse_query("flashattention 原理")) == [
        ("FlashAttention", True),
        (" ", False),
        ("原理", True),
        ("浅析", False),
    ]
    assert mark("No match", parse_query("卷积")) is None


def test_snippet_marks_exactly_what_the_tokens_match():
    generator = random.Random(3)
    pieces = ["ab", "a", "b", " ", "卷", "积", "_", ".", "ＡＢ", "\n", "ﬁ", "é", "\u00ad"]
    for _ in range(2000):
        # Up to about 3,500 characters: past the opening a snippet looks at first.
        size = generator.choice((40, 400, 2600))
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(1, size)))
        words = tokens(text)
        if not words:
            continue
        start = generator.randrange(len(words))
        term = Term(tuple(words[start : start + generator.randint(1, 3)]))
        snippet = make_snippet(SearchFields("", text, "", ""), [term])
        assert snippet is not None
        first = next(text for text, hit in snippet.parts if hit)
        marked = tokens(first)
        assert any(
            marked[n : n + len(term.tokens)] == list(term.tokens) for n in range(len(marked))
        )
        absent = Term(("zz",))
        assert make_snippet(SearchFields("", text, "", ""), [absent]) is None


def prose_of(markdown: str) -> SearchFields:
    """Return the search fields of Markdown as publishing stores them."""
    return fields_from_html("", render_markdown(markdown).html)


TABLE_ARTICLE = (
    "## 复杂度\n\n下面比较三种算法的复杂度。\n\n"
    "| 算法 | 时间 |\n|---|---|\n| 快速排序 | n log n |\n| 冒泡排序 | n² |\n\n"
    "由此可见快速排序更快。\n"
)


def test_a_table_in_a_snippet_is_one_placeholder_and_its_words_stay_searchable():
    fields = prose_of(TABLE_ARTICLE)
    text = snippet_text(make_snippet(fields, parse_query("可见"), chinese=True).parts)
    assert text == "…比较三种算法的复杂度。 [表格] 由此[可见]快速排序更快。"
    english = snippet_text(make_snippet(fields, parse_query("可见"), chinese=False).parts)
    assert english == "…比较三种算法的复杂度。 [Table] 由此[可见]快速排序更快。"
    # A word only in a cell still finds the article; the snippet shows that table's words.
    in_cell = snippet_text(make_snippet(fields, parse_query("冒泡"), chinese=True).parts)
    assert in_cell.startswith("[表格] ")
    assert "[冒泡]排序" in in_cell
    assert "由此可见" not in in_cell


def test_a_snippet_never_marks_its_own_placeholder():
    fields = prose_of("比较如下。\n\n| 算法 | 时间 |\n|---|---|\n| 快排 | n |\n\n表格说明。\n")
    text = snippet_text(make_snippet(fields, parse_query("表格"), chinese=True).parts)
    assert text == "比较如下。 [表格] [表格]说明。"  # the placeholder, then the marked word


def test_a_heading_stays_apart_from_the_text_after_it_in_a_snippet():
    fields = prose_of("# Setup\n\nInstall the package first.\n\n## Done?\n\nYes.\n")
    text = snippet_text(make_snippet(fields, parse_query("package")).parts)
    assert text == "Setup. Install the [package] first. Done? Yes."
    chinese = prose_of("## 安装\n\n先安装依赖包。\n")
    assert snippet_text(make_snippet(chinese, parse_query("依赖"), chinese=True).parts) == (
        "安装。先安装[依赖]包。"
    )


def test_table_marks_do_not_change_what_is_found():
    fields = prose_of(TABLE_ARTICLE)
    assert "\ue000" in fields.prose  # stored for snippets ...
    unmarked = fields.prose.translate(dict.fromkeys((0xE000, 0xE001, 0xE002), " "))
    assert tokens(fields.prose) == tokens(unmarked)
    assert body_text(render_markdown(TABLE_ARTICLE).html).count("\ue000") == 0  # ... not in text
