"""Markdown inside a <div> that a blank line follows, as CommonMark (Typora, GitHub) reads it.

READMEs and Typora notes centre a block with `<div align="center">`, a blank line, then
Markdown (an image, a heading). CommonMark ends the HTML block at that blank line, so the
Markdown renders; Python-Markdown would keep it all as raw text. Such a <div> is marked for
md_in_html, which then reads its content as Markdown.
"""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

_OPENING_DIV = re.compile(r"^( {0,3}<div\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*?)\s*(/?)>\s*$", re.I)
_MARKDOWN_ATTRIBUTE = re.compile(r"\smarkdown\s*=", re.I)


class _OpenDivs(Preprocessor):
    """Add markdown="1" to an opening <div> alone on its line when a blank line follows."""

    def run(self, lines: list[str]) -> list[str]:
        for index, line in enumerate(lines[:-1]):
            match = _OPENING_DIV.match(line)
            if (
                match
                and not match.group(2)
                and not lines[index + 1].strip()
                and not _MARKDOWN_ATTRIBUTE.search(line)
            ):
                lines[index] = f'{match.group(1)} markdown="1">'
        return lines


class OpenDivExtension(Extension):
    """Reads Markdown inside <div> blocks the CommonMark way."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Markdown's API
        # After fenced code is stashed (superfences, 31), before HTML blocks are (20).
        md.preprocessors.register(_OpenDivs(md), "open_divs", 25)
