"""Typora's [toc] (or [TOC]) on a line of its own: the table of contents goes there.

A tree pass marks the paragraph with a token; once the article's HTML and its table of
contents exist, place_toc puts the contents in the token's place. The article page then
shows the contents only there (Article.has_inline_toc), not above the article as well.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

# What marks the spot, any case: Typora writes [toc], Python-Markdown's marker is [TOC].
_MARKERS = frozenset({"[toc]"})
# The class of the placed contents; its text is left out of excerpts and search text.
INLINE_TOC_CLASS = "toc toc-inline"


class TocMarker(Treeprocessor):
    """Replace each [toc] paragraph by a paragraph holding only the document's toc token."""

    def __init__(self, md: Markdown, token) -> None:
        super().__init__(md)
        self.token = token  # called per document: the text that marks the spot

    def run(self, root: etree.Element) -> None:
        for paragraph in root.iter("p"):
            text = (paragraph.text or "").strip().lower()
            if len(paragraph) == 0 and text in _MARKERS:
                paragraph.text = self.token()


def place_toc(html: str, token: str, toc_list: str) -> str:
    """Put the table of contents (a nested <ul>, or "") where each toc token's paragraph is."""
    marker = f"<p>{token}</p>"
    if marker not in html:
        return html
    if not toc_list.strip():
        # No headings: nothing to place, and no blank line left where the marker was.
        return html.replace(marker + "\n", "").replace(marker, "")
    placed = (
        f'<div class="{INLINE_TOC_CLASS}"><details open><summary>Contents</summary>\n'
        f"{toc_list}\n</details></div>"
    )
    return html.replace(marker, placed)
