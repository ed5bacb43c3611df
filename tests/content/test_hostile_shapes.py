"""The slow Markdown shapes beyond issue 11's table render in bounded work, output unchanged.

Like test_hostile_input.py: each test asserts what the reader gets and a count of the work
done, at n and at 4n where it matters, never wall time (bench/hostile.py --others prints it).
"""

from __future__ import annotations

import random

import markdown
import pytest
from markdown.extensions.md_in_html import HTMLExtractorExtra
from markdown.inlinepatterns import LinkInlineProcessor

from webapp.content import blockcap, blocktests, brackets, htmlscan
from webapp.content.blocktests import LazyBlockTestExtension
from webapp.content.brackets import LinearLinkExtension
from webapp.content.render import render_markdown


def counting(monkeypatch, module, name: str) -> list[int]:
    """Count the calls of module.name from now on; return the list that grows by one each."""
    calls: list[int] = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.mark.parametrize(
    ("shape", "kept"),
    [("[a](", "[a]("), ("![a](b ", "![a](b "), ('[a](" ', "[a](&quot; ")],
)
def test_unclosed_link_destinations_are_read_once_per_paragraph(monkeypatch, shape, kept):
    facts = counting(monkeypatch, brackets, "paren_facts")
    reads = counting(monkeypatch, LinkInlineProcessor, "getLink")
    html = render_markdown(shape * 5_000).html
    # All of it text, as before (a quote's backup end takes the first "[a" as a link).
    assert html.count(kept) >= 4_998
    # The parentheses are listed once per text, not read to the end from every "(".
    assert 1 <= len(facts) <= 4
    assert reads == []


def test_links_with_titles_and_nested_parentheses_render_as_before():
    html = render_markdown(
        '[a](/x "t") [b](/y (z)) ![c](/c.png \'d\') [e](/f(g)h) [i](<j k> "l") [m](n "o)p")'
    ).html
    assert '<a href="/x" title="t">a</a>' in html
    assert '<a href="/y (z)">b</a>' in html
    assert 'alt="c"' in html and 'title="d"' in html
    assert '<a href="/f(g)h">e</a>' in html
    assert '<a href="j k" title="l">i</a>' in html
    assert '<a href="n" title="o)p">m</a>' in html


def test_link_destinations_read_as_python_markdown_reads_them():
    md = markdown.Markdown(extensions=[LinearLinkExtension()])
    md.treeprocessors["inline"].stashed_nodes = {}
    ours = md.inlinePatterns["link"]
    chars = "()'\" a\\<>x"
    rng = random.Random(11)
    for _ in range(20_000):
        data = "".join(rng.choice(chars) for _ in range(rng.randint(1, 14)))
        for index in (i for i, char in enumerate(data) if char == "("):
            expected = LinkInlineProcessor.getLink(ours, data, index)
            assert ours.getLink(data, index) == expected, (data, index)


TABLES = [
    "| a | b |\n|---|---|\n| c | d |",
    "a | b\n--- | ---\nc | d\ne",
    "| one |\n| --- |\n| x |\n| y |\nz",
    "| one |\n|---|\nno pipe\n| y |",
    "a | b\n-- | --\n\n# h\n| x |",
    "just text\nmore text",
]


@pytest.mark.parametrize("source", TABLES)
def test_tables_are_recognised_as_python_markdown_recognises_them(source):
    plain = markdown.Markdown(extensions=["tables"]).convert(source)
    lazy = markdown.Markdown(extensions=["tables", LazyBlockTestExtension()]).convert(source)
    assert lazy == plain


def test_the_table_test_reads_two_lines_of_a_block_that_is_no_table(monkeypatch):
    read: list[int] = []
    original = blocktests._rows

    def rows(block):
        for row in original(block):
            read.append(1)
            yield row

    monkeypatch.setattr(blocktests, "_rows", rows)
    html = render_markdown("# a\n" * 40).html
    assert html.count("<h1") == 40
    assert len(read) <= 2 * 40  # not 40 * 40 / 2


@pytest.mark.parametrize(
    ("shape", "tag"),
    [("# a\n", "<h1"), ("a\n---\n", "<h2"), ("- - -\n", "<hr"), ("a\n: b\n", "<dd")],
)
def test_long_runs_of_one_line_elements_render_whole_with_a_warning(shape, tag):
    result = render_markdown(shape * 5_000)
    assert result.html.count(tag) == 5_000
    assert len(result.warnings) == 1 and "split by blank lines" in result.warnings[0]


def test_many_abbreviations_in_one_block_are_split_with_a_warning():
    result = render_markdown("*[HTML]: Hyper Text\n" * 5_000 + "\nSome HTML.")
    assert '<abbr title="Hyper Text">HTML</abbr>' in result.html
    assert "split by blank lines" in result.warnings[0]


def test_splitting_blocks_is_linear_work():
    for shape in ("# a\n", "*[a]: b\n", "a\n: b\n"):
        small, _ = blockcap.limit_line_elements(shape * 5_000)
        large, _ = blockcap.limit_line_elements(shape * 20_000)
        # Every block keeps at most MAX_LINE_ELEMENTS such lines: Markdown reads each a
        # bounded number of times.
        for text in (small, large):
            assert max(len(b.split("\n")) for b in text.split("\n\n")) <= 2 * 50


@pytest.mark.parametrize(
    "source",
    [
        "\n".join(f"## Heading {n}" for n in range(40)),
        "\n".join(f"- item {n}" for n in range(2_000)),
        "| a | b |\n|---|---|\n" + "\n".join(f"| {n} | x |" for n in range(2_000)),
        "```\n" + "# not a heading\n" * 500 + "```",
    ],
)
def test_ordinary_blocks_are_left_alone(source):
    assert blockcap.limit_line_elements(source) == (source, [])


# --- raw HTML: a "<" no ">" follows ----------------------------------------------------


def extracted(parser_class, source: str) -> str:
    """Return what Python-Markdown's raw-HTML pass makes of a source, with a given parser."""
    md = markdown.Markdown(extensions=["md_in_html"])
    parser = parser_class(md)
    parser.feed(source)
    parser.close()
    return "".join(parser.cleandoc)


@pytest.mark.parametrize(
    ("shape", "shown"),
    [("<img src=", "&lt;img src="), ("<a ", "&lt;a "), ("</a ", "&lt;/a "), ("<img src=\n", "")],
)
def test_unclosed_tags_are_text_without_a_scan_to_the_end(monkeypatch, shape, shown):
    scans = counting(monkeypatch, HTMLExtractorExtra, "check_for_whole_start_tag")
    html = render_markdown(shape * 5_000).html
    # Every one is text, none became a tag, and none was scanned for its end.
    assert "<img" not in html and "<a " not in html
    assert html.count(shown or "&lt;img src=") == 5_000
    assert scans == []


def test_a_closing_bracket_after_the_run_still_bounds_each_scan(monkeypatch):
    # The first "<a " now reaches a ">": one tag swallows the run, as Python-Markdown reads it.
    scans = counting(monkeypatch, HTMLExtractorExtra, "check_for_whole_start_tag")
    render_markdown("<a " * 5_000 + ">")
    few = len(scans)
    scans.clear()
    render_markdown("<a " * 20_000 + ">")
    assert len(scans) == few <= 2


def test_the_bounded_html_reader_reads_as_python_markdown_does():
    pieces = [
        "<img src=", "<a ", ">", "</a", "</a>", "text ", "\n", "\n\n", "<div>", "</div>",
        "'", '"', "`", "<!--", "-->", "<br/>", "&amp;", "<p markdown>", "</p>", "<?x", "<!x",
    ]  # fmt: skip
    rng = random.Random(20261206)
    for _ in range(3_000):
        source = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        assert extracted(htmlscan._BoundedExtractor, source) == extracted(
            HTMLExtractorExtra, source
        ), source
