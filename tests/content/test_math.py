"""Math in Markdown: which text becomes a formula, what KaTeX receives, how failures look."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser

import pytest

from webapp import vendor
from webapp.content import katex
from webapp.content.render import render_markdown


class _Reader(HTMLParser):
    """Collects the formulas of rendered HTML and the text a reader sees outside them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.formulas: list[tuple[str, str]] = []  # (kind, TeX KaTeX got or source shown)
        self.text: list[str] = []
        self._stack: list[tuple[str, str | None]] = []  # (tag, formula kind if it opens one)
        self._capture: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        kind = None
        if "math" in classes and not any(k for _, k in self._stack):
            display = "display" if "math-display" in classes else "inline"
            kind = f"error-{display}" if "math-error" in classes else display
            self._capture = []
        if tag == "annotation" or (tag == "code" and self._in_error()):
            self._capture = []
        self._stack.append((tag, kind))

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, kind = self._stack.pop()
            if open_tag in ("annotation", "code") and self._capture is not None:
                current = self._current_kind()
                if current and (open_tag == "annotation" or current.startswith("error")):
                    self.formulas.append((current, "".join(self._capture)))
                    self._capture = None
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._capture is not None:
            self._capture.append(data)
        elif not self._current_kind():
            self.text.append(data)

    def _current_kind(self) -> str | None:
        return next((k for _, k in reversed(self._stack) if k), None)

    def _in_error(self) -> bool:
        return (self._current_kind() or "").startswith("error")


def read(html: str) -> tuple[list[tuple[str, str]], str]:
    """Return the formulas of rendered HTML and its text outside formulas."""
    reader = _Reader()
    reader.feed(html)
    return reader.formulas, "".join(reader.text)


def formulas_of(markdown_text: str) -> list[tuple[str, str]]:
    """Render Markdown and return its formulas as (kind, TeX)."""
    return read(render_markdown(markdown_text).html)[0]


def text_of(markdown_text: str) -> str:
    """Render Markdown and return what a reader sees outside formulas."""
    return read(render_markdown(markdown_text).html)[1]


# --- syntaxes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Euler: $e^{i\\pi} + 1 = 0$.", [("inline", "e^{i\\pi} + 1 = 0")]),
        ("Paren: \\(a_1 + b_2\\) end.", [("inline", "a_1 + b_2")]),
        ("$$x^2$$", [("display", "x^2")]),
        ("$$\n\\int_0^1 f(x)\\,dx\n$$", [("display", "\\int_0^1 f(x)\\,dx")]),
        ("\\[ \\sum_{k=1}^n k \\]", [("display", "\\sum_{k=1}^n k")]),
        ("\\[\n\\frac{a}{b}\n\\]", [("display", "\\frac{a}{b}")]),
        ("中文$x_i$中文，再来$y$。", [("inline", "x_i"), ("inline", "y")]),
    ],
)
def test_math_syntaxes(source, expected):
    assert formulas_of(source) == expected


def test_display_math_alone_in_a_paragraph_replaces_it():
    html = render_markdown("Before.\n\n$$a = b$$\n\nAfter.").html
    assert '<div class="math math-display" tabindex="0">' in html
    assert "<p><div" not in html and "<p></p>" not in html
    assert "<p>Before.</p>" in html and "<p>After.</p>" in html


def test_display_math_inside_a_paragraph_splits_it():
    html = render_markdown("由此可得\n$$\nx = 1\n$$\n所以成立。").html
    assert (
        html.index("<p>由此可得</p>") < html.index("math-display") < html.index("<p>所以成立。</p>")
    )
    assert "<p><div" not in html


def test_display_math_in_list_items_and_blockquotes():
    source = (
        "- first\n\n    $$\n    a \\\\\n    b\n    $$\n\n- second $$c_1$$\n\n"
        "> 引用\n> $$\n> d_1 \\\\\n> e_2\n> $$\n"
    )
    found = formulas_of(source)
    assert [kind for kind, _ in found] == ["display"] * 3
    assert found[0][1].split() == ["a", "\\\\", "b"]
    assert found[1][1] == "c_1"
    # The quote markers of the inner lines are not part of the formula.
    assert found[2][1].split() == ["d_1", "\\\\", "e_2"]


@pytest.mark.parametrize(
    "environment",
    [
        "aligned", "align", "align*", "equation", "equation*", "gather", "cases", "pmatrix",
        "bmatrix", "matrix", "vmatrix", "Bmatrix", "split", "multline",
    ],
)  # fmt: skip
def test_bare_environments_are_display_math(environment):
    body = "a \\\\ b" if environment in {"gather", "multline"} else "a & b \\\\ c & d"
    if environment in {"equation", "equation*"}:
        body = "a = b"
    source = f"Text before.\n\n\\begin{{{environment}}}\n{body}\n\\end{{{environment}}}\n\nAfter."
    result = render_markdown(source)
    assert result.math_errors == []
    found, text = read(result.html)
    assert len(found) == 1 and found[0][0] == "display"
    assert "\\begin" not in text and "Text before." in text and "After." in text


def test_bare_array_environment_and_one_inside_a_list():
    source = "- item\n\n    \\begin{array}{c|c}\n    1 & 2\n    \\end{array}\n"
    [(kind, tex)] = formulas_of(source)
    assert kind == "display"
    assert " ".join(tex.split()) == "\\begin{array}{c|c} 1 & 2 \\end{array}"


def test_environment_inside_double_dollars_is_one_formula():
    source = "$$\n\\begin{cases}\n1 & x > 0 \\\\\n0 & \\text{otherwise}\n\\end{cases}\n$$"
    found = formulas_of(source)
    assert len(found) == 1 and found[0][1].startswith("\\begin{cases}")


# --- what must reach KaTeX intact ----------------------------------------------------


def test_markdown_characters_inside_math_arrive_intact():
    tex = "a_1 * b_2 * c_{3} < d > e \\& f \\{g\\} \\| h"
    assert formulas_of(f"Look: ${tex}$ done.") == [("inline", tex)]


def test_row_breaks_and_escaped_braces_survive():
    source = "$$\n\\begin{aligned} x &= \\{1, 2\\} \\\\ y &= \\{3\\} \\end{aligned}\n$$"
    assert formulas_of(source) == [
        ("display", "\\begin{aligned} x &= \\{1, 2\\} \\\\ y &= \\{3\\} \\end{aligned}")
    ]


def test_math_in_table_cells_keeps_pipes_and_underscores():
    source = "| 记号 | 含义 |\n|---|---|\n| $\\|x\\|_2$ | $|a_i - b_j|$ |\n| $x_1$ | plain |"
    html = render_markdown(source).html
    found, text = read(html)
    assert [tex for _, tex in found] == ["\\|x\\|_2", "|a_i - b_j|", "x_1"]
    assert html.count("<td>") == 4 and "plain" in text


# --- what is not math ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "visible"),
    [
        ("It costs $5 and $10 per day.", "It costs $5 and $10 per day."),
        ("Between $20 and $30, roughly.", "Between $20 and $30, roughly."),
        ("Escaped \\$x\\$ stays.", "Escaped $x$ stays."),
        ("Price \\$5, total $ 7 $.", "Price $5, total $ 7 $."),
        ("One $x\n\ny$ across a blank line.", "One $x\ny$ across a blank line."),
        ("[\\[1\\]](https://example.org) cites.", "[1] cites."),
        ("多播\\(multicast\\)，模式\\(Singleton\\)", "多播(multicast)，模式(Singleton)"),
        (
            "[Luogu P2522 \\[HAOI 2011\\] Problem b](https://x.org/)",
            "Luogu P2522 [HAOI 2011] Problem b",
        ),
    ],
)
def test_dollars_and_brackets_that_are_not_math(source, visible):
    result = render_markdown(source)
    found, text = read(result.html)
    assert found == []
    assert " ".join(text.split()) == " ".join(visible.split())


@pytest.mark.parametrize(
    "source",
    [
        "Use `$HOME` and `echo $x$`.",
        "Double ``a `$x$` b`` ticks.",
        "```bash\necho $HOME $PATH\nprice=$5$\n```",
        "~~~\n$$x$$ and $y$\n~~~",
        "Para.\n\n    indented $x$ code $$y$$\n",
        "- item\n\n    ```sh\n    export A=$HOME/$USER\n    ```\n",
        "> ```\n> $z$\n> ```",
    ],
)
def test_code_keeps_its_dollars(source):
    result = render_markdown(source)
    assert read(result.html)[0] == []
    assert "$" in result.html


def test_indented_lines_in_a_list_are_not_code():
    source = "1. step one\n\n    continued $x_1$ here\n"
    assert formulas_of(source) == [("inline", "x_1")]


def test_math_in_headings_tables_and_footnotes():
    source = "## 关于 $x^2$ 的讨论\n\nText[^n].\n\n[^n]: Note $y_1$."
    result = render_markdown(source)
    assert [tex for _, tex in read(result.html)[0]] == ["x^2", "y_1"]
    assert 'id="关于-x2-的讨论"' in result.html


def test_formula_in_image_alt_text_stays_as_written():
    html = render_markdown("![面积 $\\pi r^2$](disc.png)").html
    assert 'alt="面积 $\\pi r^2$"' in html


# --- failures ------------------------------------------------------------------------


@pytest.mark.parametrize("tex", ["\\frac{1}{", "\\undefinedmacro"])
def test_broken_formula_shows_its_source_and_the_rest_renders(tex):
    result = render_markdown(f"Before **bold**.\n\nBad ${tex}$ here, good $y$.\n\n## After")
    assert len(result.math_errors) == 1
    assert "line 3" in result.math_errors[0]
    found, text = read(result.html)
    assert found == [("error-inline", tex), ("inline", "y")]
    assert '<span class="math math-inline math-error" title="KaTeX parse error' in result.html
    assert "<strong>bold</strong>" in result.html and "After" in text


def test_broken_display_formula_uses_the_display_wrapper():
    result = render_markdown("$$\n\\begin{aligned} a \\end{cases}\n$$")
    assert read(result.html)[0] == [("error-display", "\\begin{aligned} a \\end{cases}")]
    assert '<div class="math math-display math-error" title="' in result.html


# --- KaTeX itself --------------------------------------------------------------------


def test_katex_output_modes():
    both = katex.render_tex("x^2")
    assert "katex-mathml" in both and "katex-html" in both
    mathml = katex.render_tex("x^2", output="mathml")
    assert "<math" in mathml and "katex-html" not in mathml
    assert 'class="katex-display"' in katex.render_tex("x", display=True)


def test_katex_rejects_with_a_readable_message():
    with pytest.raises(katex.KatexError, match="Undefined control sequence"):
        katex.render_tex("\\nosuchmacro")


def test_katex_limits_expansion():
    with pytest.raises(katex.KatexError, match="Too many expansions"):
        katex.render_tex("\\def\\a{\\a\\a}\\a")


def test_missing_katex_script_says_how_to_fetch_it(monkeypatch, tmp_path):
    monkeypatch.setattr(vendor, "katex_script_path", lambda: tmp_path / "katex.min.js")
    monkeypatch.setattr(katex, "_engine", None)
    with pytest.raises(katex.KatexUnavailableError, match="python -m webapp.vendor"):
        katex.warm_up()


def test_katex_renders_a_batch_with_one_verdict_per_formula():
    verdicts = katex.render_many([("x^2", False), ("\\nosuchmacro", False), ("x^2", False)])
    assert verdicts[0] == verdicts[2] and verdicts[0][0] is True and "katex" in verdicts[0][1]
    assert verdicts[1][0] is False and "Undefined control sequence" in verdicts[1][1]
    assert katex.render_many([]) == []


def test_a_failed_batch_call_falls_back_to_one_formula_at_a_time(monkeypatch):
    # A batch that V8 cannot finish (one formula too slow) must not cost the others theirs.
    real_call = katex._call

    def call(method, *args):
        if method == "render_many":
            raise katex.KatexError("rendering took longer than 5 s")
        if args[0] == "\\slow":
            raise katex.KatexError("rendering took longer than 5 s")
        return real_call(method, *args)

    monkeypatch.setattr(katex, "_call", call)
    katex.cache_clear()
    fast, slow = katex.render_many([("a+b", False), ("\\slow", False)])
    assert fast[0] is True and "katex" in fast[1]
    assert isinstance(slow, katex.KatexError)
    # An engine failure is not a verdict: it is not remembered, the next call tries again.
    monkeypatch.setattr(katex, "_call", real_call)
    assert katex.render_many([("\\slow", False)])[0][0] is False  # now KaTeX's own verdict


def test_a_formula_over_the_length_limit_is_refused_without_v8():
    verdict = katex.render_many([("x" * (katex.MAX_TEX_LENGTH + 1), False)])[0]
    assert verdict == (False, f"formula longer than {katex.MAX_TEX_LENGTH} characters")


@pytest.mark.parametrize("first_use", ["a thread that has ended", "a running asyncio loop"])
def test_a_process_exits_cleanly_whichever_thread_used_katex_first(first_use):
    # A web server's request thread or a test's helper thread may be the first to render;
    # freeing the context at exit must not crash the process (exit status 139) nor hang.
    script = """
import asyncio, sys, threading
from webapp.content import katex

def render():
    assert katex.render_many([("x^2", False)])[0][0] is True

if sys.argv[1] == "a thread that has ended":
    thread = threading.Thread(target=render)
    thread.start()
    thread.join()
else:
    async def main():
        render()
    asyncio.run(main())
render()
print("rendered")
"""
    done = subprocess.run(
        [sys.executable, "-c", script, first_use], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout.strip()) == (0, "rendered"), done.stderr
