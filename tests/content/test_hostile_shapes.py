"""The slow Markdown shapes beyond issue 11's table render in bounded work, output unchanged.

Like test_hostile_input.py: each test asserts what the reader gets and a count of the work
done, at n and at 4n where it matters, never wall time (bench/hostile.py --others prints it).
"""

from __future__ import annotations

import random

import markdown
import pytest
from markdown.inlinepatterns import LinkInlineProcessor

from webapp.content import brackets
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
    [("[a](", "[a]("), ("![a](b ", "![a](b "), ('[a](" ', '[a](&quot; ')],
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
