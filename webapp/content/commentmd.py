"""A reader's comment as HTML: the article pipeline with a stricter reader and allow-list.

The same math protection, KaTeX, code highlighting and linear-time readers as articles,
but the converter reads no raw HTML (it shows as text), no images (`![a](b)` stays a
link) and no headings ("# a" stays a line of text), and has no attribute lists, footnotes,
tables of contents or Obsidian syntax. The allow-list then keeps no style outside KaTeX's
formulas, no ids and no images, and marks every link nofollow ugc.
"""

from __future__ import annotations

import markdown

from .blocktests import LazyBlockTestExtension
from .brackets import LinearLinkExtension
from .mathblocks import protect_math
from .messages import N_
from .render import (
    _HIGHLIGHT,
    RenderResult,
    _Document,
    _FenceExtension,
    _MathExtension,
    render_with,
)
from .sanitize import sanitize_comment_html

# The longest comment, in characters (the limit).
MAX_COMMENT_CHARS = 10_000
# More formulas than any discussion needs; each one is a call into KaTeX.
MAX_COMMENT_FORMULAS = 200
# Lines: each one can open a block (a rule, a list item), and blocks cost far more than
# characters: 10,000 characters of "a\n---\n" took 110 ms, the same in 1,000 lines 25 ms.
MAX_COMMENT_LINES = 1_000

_EXTENSIONS = [
    "tables", "pymdownx.tilde", "pymdownx.mark", "sane_lists", "pymdownx.superfences",
    "pymdownx.highlight", "pymdownx.inlinehilite",
]  # fmt: skip
# Registered parts of Python-Markdown a comment goes without, by name.
_NO_PREPROCESSORS = ("html_block",)
_NO_INLINE = ("html", "image_link", "image_reference", "short_image_ref")
_NO_BLOCKS = ("hashheader", "setextheader")


class CommentRefused(ValueError):
    """A comment the pipeline will not render; str() is a report template (N_)."""


def _make_comment_markdown(document: _Document) -> markdown.Markdown:
    """Build the comments' converter: the article one without HTML, images and headings."""
    extensions = [
        *_EXTENSIONS,
        _MathExtension(document),
        _FenceExtension(),
        LinearLinkExtension(),
        LazyBlockTestExtension(),
    ]
    md = markdown.Markdown(
        extensions=extensions,
        extension_configs={"pymdownx.highlight": _HIGHLIGHT},
        output_format="html",
    )
    for name in _NO_PREPROCESSORS:
        md.preprocessors.deregister(name)
    for name in _NO_INLINE:
        md.inlinePatterns.deregister(name)
    for name in _NO_BLOCKS:
        md.parser.blockprocessors.deregister(name)
    return md


def check_comment_text(text: str) -> None:
    """Raise CommentRefused for a comment that is empty or past the length limit."""
    if not text.strip():
        raise CommentRefused(N_("the comment is empty"))
    if len(text) > MAX_COMMENT_CHARS:
        raise CommentRefused(
            N_("the comment is longer than %(limit)s characters") % {"limit": MAX_COMMENT_CHARS}
        )
    if text.count("\n") >= MAX_COMMENT_LINES:
        raise CommentRefused(
            N_("the comment has more than %(limit)s lines") % {"limit": f"{MAX_COMMENT_LINES:,}"}
        )


def render_comment(text: str) -> RenderResult:
    """Render a comment's Markdown to sanitized HTML; raise CommentRefused when it cannot be.

    Text over MAX_COMMENT_CHARS or MAX_COMMENT_LINES, or with more than MAX_COMMENT_FORMULAS
    formulas, is refused before anything else: the render's cost is bounded by these three.
    """
    check_comment_text(text)
    # Read once more by render_with; protecting the math is linear and cheap beside KaTeX.
    if len(protect_math(text).formulas) > MAX_COMMENT_FORMULAS:
        raise CommentRefused(
            N_("the comment has more than %(limit)s formulas") % {"limit": MAX_COMMENT_FORMULAS}
        )
    return render_with(text, _make_comment_markdown, sanitize_comment_html)
