"""Obsidian's callouts, > [!note] Title, rendered like the admonitions of `!!! note`.

A callout is a blockquote whose first line is [!type], with an optional + or - (foldable,
open or closed) and a title. It ends where its blockquote ends: at a blank line, as in
Obsidian. Its content is Markdown like any other (lists, code, math, callouts).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension

# Obsidian's types and their aliases: each alias is shown as the type it stands for.
CALLOUT_TYPES = {
    "note": "note",
    "abstract": "abstract", "summary": "abstract", "tldr": "abstract",
    "info": "info",
    "todo": "todo",
    "tip": "tip", "hint": "tip", "important": "tip",
    "success": "success", "check": "success", "done": "success",
    "question": "question", "help": "question", "faq": "question",
    "warning": "warning", "caution": "warning", "attention": "warning",
    "failure": "failure", "fail": "failure", "missing": "failure",
    "danger": "danger", "error": "danger",
    "bug": "bug",
    "example": "example",
    "quote": "quote", "cite": "quote",
}  # fmt: skip
# The first line of a callout: up to three spaces, ">", then [!type], the fold sign, a title.
_START = re.compile(
    r"^[ ]{0,3}>[ ]?\[!(?P<type>[^\]\s]+)\](?P<fold>[+-]?)(?:[ \t]+(?P<title>.*))?$"
)
_QUOTE_MARKER = re.compile(r"^[ ]{0,3}>[ ]?")


class CalloutProcessor(BlockProcessor):
    """Turn a blockquote that starts with [!type] into an admonition or a <details>."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(_START.match(block.split("\n", 1)[0]))

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        lines = blocks.pop(0).split("\n")
        head = _START.match(lines[0])
        written = head.group("type")
        kind = CALLOUT_TYPES.get(written.lower(), "note")
        # Obsidian titles a callout without one after its type: [!tldr] is "Tldr".
        title = (head.group("title") or "").strip() or written[:1].upper() + written[1:].lower()
        # Lines without ">" continue the callout's last paragraph (lazy continuation).
        body = "\n".join(_QUOTE_MARKER.sub("", line, count=1) for line in lines[1:])
        fold = head.group("fold")
        if fold:
            box = etree.SubElement(parent, "details", {"class": f"callout {kind}"})
            if fold == "+":
                box.set("open", "open")
            heading = etree.SubElement(box, "summary")
        else:
            box = etree.SubElement(parent, "div", {"class": f"admonition callout {kind}"})
            heading = etree.SubElement(box, "p", {"class": "admonition-title"})
        heading.text = title
        if body.strip():
            self.parser.parseChunk(box, body)


class CalloutExtension(Extension):
    """Reads Obsidian callouts."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Markdown's API
        # Before the blockquote processor (20), which would take the block otherwise.
        md.parser.blockprocessors.register(CalloutProcessor(md.parser), "obsidian_callout", 21)
