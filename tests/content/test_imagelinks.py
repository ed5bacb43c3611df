"""Image paths found in a Markdown source, rewritten and put back byte for byte."""

from __future__ import annotations

from webapp.content.imagelinks import (
    EMBED,
    HTML,
    MARKDOWN,
    image_links,
    rewrite,
    safe_name,
    undo_rewrite,
)

SOURCE = """---
cover: front.png
---
![a](img/a.png "t") ![b [x]](<my pic.png>) `![c](code.png)`

~~~~
![d](fenced.png)
~~~~

<img width=300 src='./e.png'> ![[f.png|300]] ![g][Logo]

[logo]: img/logo.png "Logo"
[site]: https://example.com
[^note]: A footnote, not a path.
"""


def test_every_image_path_outside_code_and_front_matter_is_found():
    found = [(link.kind, link.path) for link in image_links(SOURCE)]
    assert found == [
        (MARKDOWN, "img/a.png"),
        (MARKDOWN, "my pic.png"),
        (HTML, "./e.png"),
        (EMBED, "f.png"),
        (MARKDOWN, "img/logo.png"),
    ]


def test_a_rewrite_changes_only_the_paths_and_undoes_exactly():
    links = image_links(SOURCE)
    new, undo = rewrite(SOURCE, [(link, f"n{i}.png") for i, link in enumerate(links)])
    assert '![a](n0.png "t") ![b [x]](n1.png) `![c](code.png)`' in new
    assert "<img width=300 src='n2.png'> ![[n3.png|300]]" in new
    assert '[logo]: n4.png "Logo"' in new and "cover: front.png" in new
    assert undo_rewrite(new, undo) == SOURCE


def test_safe_names_work_everywhere():
    assert safe_name("img/my pic (1).png") == "my-pic-1.png"
    assert safe_name("图片/截图 2024.PNG") == "截图-2024.PNG"
    assert safe_name("diagram", "svg") == "diagram.svg"
    assert safe_name("x/con.png") == "_con.png"
    assert safe_name("../..") == "image"
