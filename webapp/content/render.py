"""Markdown to sanitized article HTML, with math rendered by KaTeX at publish time."""

from __future__ import annotations

import bisect
import html
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from pymdownx.slugs import slugify as pymdownx_slugify
from pymdownx.superfences import fence_code_format

from . import katex
from .blockcap import limit_line_elements
from .blocktests import LazyBlockTestExtension
from .brackets import LinearLinkExtension
from .callouts import CalloutExtension
from .comments import strip_comments
from .htmlblocks import OpenDivExtension
from .htmlscan import LinearHtmlExtension
from .mathblocks import WIDE_CHARS, ProtectedText, protect_math
from .messages import N_
from .nesting import limit_nesting
from .sanitize import formula_marks, sanitize_html
from .tocmarker import TocMarker, place_toc
from .wikilinks import LinkResolver, WikilinkProcessor

# Headings needed before an article gets a table of contents.
TOC_MIN_HEADINGS = 3

_EXTENSIONS = [
    "tables", "footnotes", "pymdownx.tasklist", "admonition", "pymdownx.details",
    "def_list", "toc", "attr_list", "md_in_html", "abbr", "pymdownx.tilde", "pymdownx.mark",
    "sane_lists", "pymdownx.superfences", "pymdownx.highlight", "pymdownx.inlinehilite",
]  # fmt: skip
_HIGHLIGHT = {
    "css_class": "highlight",
    "guess_lang": False,
    "use_pygments": True,
    "noclasses": False,
    # Line numbers only where a fence asks (```python linenums="1"), as empty spans whose
    # number CSS draws: copying the code never copies them.
    "linenums": None,
    "linenums_style": "pymdownx-inline",
    # The wrapper gets language-<name>, from which the block's label is written.
    "pygments_lang_class": True,
}
# ```mermaid blocks are stored as <pre class="mermaid"><code>source</code></pre>: code to
# a reader without JavaScript (and in feeds), a diagram once static/js/diagrams.js runs.
_SUPERFENCES = {
    "custom_fences": [{"name": "mermaid", "class": "mermaid", "format": fence_code_format}]
}
# Keeps Chinese (and any other letters) in heading ids: "## 树状数组" -> id="树状数组".
_SLUGIFY = pymdownx_slugify(case="lower")
# Element that carries a display formula's token out of its paragraph until the HTML
# string exists; it never survives rendering.
_DISPLAY_TAG = "x-math-display"
_INLINE_TAGS = (
    r"(?:</?(?:a|abbr|b|code|del|em|i|ins|kbd|mark|s|small|span|strong|sub|sup|u)\b[^>]*>)*"
)
# A newline between two wide characters, possibly with inline tags on either side.
_WIDE_NEWLINE = re.compile(
    f"(?<=[{WIDE_CHARS}])({_INLINE_TAGS})[ \\t]*\\n[ \\t]*(?=({_INLINE_TAGS})[{WIDE_CHARS}])"
)
# Where newlines are content, not soft breaks.
_VERBATIM_START = re.compile(r"<(pre|code|script|style|textarea)\b", re.IGNORECASE)
_VERBATIM_END = re.compile(r"</(pre|code|script|style|textarea)\s*>", re.IGNORECASE)
_IMG_TAG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_SRC_ATTR = re.compile(r"""(\ssrc\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE)
_HIGHLIGHT_START = re.compile(r'(<div class="language-([\w+#.-]*) highlight">)<pre>')
_DISPLAY_START = re.compile(r'(<div class="math math-display")>')
_TOC_WRAPPER = re.compile(r'^\s*<div class="toc">\s*(.*?)\s*</div>\s*$', re.DOTALL)
# Attributes a remote image gets: it loads when scrolled near, does not hold up the page,
# and tells the image host nothing of the page (also in feed readers, where the site's
# Referrer-Policy header does not reach).
_REMOTE_IMAGE_ATTRIBUTES = (
    ("loading", "lazy"),
    ("decoding", "async"),
    ("referrerpolicy", "no-referrer"),
)
# One attribute of a tag, its value quoted or not (an alt text may say "loading=").
_ATTRIBUTE = re.compile(r"""\s+([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_ALT_ATTR = re.compile(r"""\salt\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE)
# Obsidian's image embed: ![[a.png]], ![[folder/a.png|300]], ![[a.png|300x200]],
# ![[a.png|alt text]]. Only image files: ![[Some note]] (a note transclusion) stays text.
_EMBED_PATTERN = (
    r"!\[\[(?P<target>[^\[\]|#^\n]+?\.(?i:png|jpe?g|gif|webp|svg|avif|bmp))"
    r"(?:#[^\[\]|\n]*)?(?:\|(?P<options>[^\[\]\n]*))?\]\]"
)
_EMBED_SIZE = re.compile(r"(\d+)(?:x(\d+))?")
_PLACEHOLDER_LINE = markdown.util.HTML_PLACEHOLDER_RE
_SETEXT_UNDERLINE = re.compile(r" {0,3}(?:-+|=+)[ \t]*$")


def is_remote(src: str) -> bool:
    """Tell whether an image src is on another site: http:, https: or protocol-relative."""
    lowered = src.strip().lower()
    return lowered.startswith(("http://", "https://", "//"))


def _remote_attributes(tag: str) -> str:
    """Return an <img> tag with the attributes of a remote image in place of the author's.

    The author's loading="eager" stays (an image at the top of the article).
    """
    ours = dict(_REMOTE_IMAGE_ATTRIBUTES)
    kept = []
    for attribute in _ATTRIBUTE.finditer(tag):
        name, value = attribute.group(1).lower(), attribute.group(2) or ""
        if name == "loading" and value.strip("\"'").lower() == "eager":
            ours["loading"] = "eager"
        elif name not in ours:
            kept.append(attribute.group())
    added = "".join(f' {name}="{value}"' for name, value in ours.items())
    return "<img" + "".join(kept) + added + ">"


class MissingImage:
    """The type of MISSING_IMAGE."""

    def __repr__(self) -> str:
        return "MISSING_IMAGE"


# What resolve_image returns for a local image that does not exist (or cannot be used):
# the article then shows the image's alt text in its place instead of a broken <img>.
MISSING_IMAGE = MissingImage()
ImageResolver = Callable[[str], "str | MissingImage | None"]


@dataclass(frozen=True)
class RenderResult:
    """The rendered article and what the pipeline learned while rendering it."""

    html: str  # sanitized article body HTML
    toc_html: str  # sanitized nested <ul> of the headings; "" below TOC_MIN_HEADINGS headings
    heading_count: int
    math_errors: list[str]  # one human-readable message per formula KaTeX rejected
    image_sources: list[str]  # every image src as written in the Markdown, in order
    unresolved_links: list[str] = field(default_factory=list)  # [[links]] to unknown notes
    warnings: list[str] = field(default_factory=list)  # input reshaped so it renders in time


class _Document:
    """The document a reused converter is working on: its formulas decide its tokens."""

    protected: ProtectedText
    resolve_link: LinkResolver | None = None
    unresolved: list[str]

    def toc_token(self) -> str:
        """Return the text that marks where a [toc] was (no author's text holds it)."""
        return f"{self.protected.prefix}TOC"


class _DisplayMathSplitter(Treeprocessor):
    """Move display formulas out of paragraphs: a <div> may not sit inside a <p>."""

    def __init__(self, md: markdown.Markdown, document: _Document) -> None:
        super().__init__(md)
        self.document = document

    def run(self, root: etree.Element) -> None:
        display_token = self.document.protected.token_pattern(display_only=True)
        # Capturing group: re.split then yields text, token, text, token, ...
        self.display_token = re.compile(f"({display_token.pattern.replace('(', '(?:')})")
        for parent in list(root.iter()):
            for index in range(len(parent) - 1, -1, -1):
                child = parent[index]
                if child.tag == "p" and self._holds_display(child):
                    blocks = self._split(child)
                    blocks[-1].tail = child.tail
                    parent[index : index + 1] = blocks

    def _holds_display(self, paragraph: etree.Element) -> bool:
        texts = [paragraph.text or ""] + [child.tail or "" for child in paragraph]
        return any(self.display_token.search(text) for text in texts)

    def _split(self, paragraph: etree.Element) -> list[etree.Element]:
        """Return the paragraph as paragraphs and display-formula blocks, in order."""
        blocks: list[etree.Element] = []
        current = etree.Element("p", dict(paragraph.attrib))

        def flush() -> None:
            nonlocal current
            _trim(current)
            if (current.text or "").strip() or len(current):
                current.tail = "\n"
                blocks.append(current)
            current = etree.Element("p", dict(paragraph.attrib))

        def add_text(text: str) -> None:
            for number, part in enumerate(self.display_token.split(text)):
                if number % 2:
                    flush()
                    block = etree.Element(_DISPLAY_TAG)
                    block.text, block.tail = part, "\n"
                    blocks.append(block)
                elif len(current):
                    current[-1].tail = (current[-1].tail or "") + part
                else:
                    current.text = (current.text or "") + part

        add_text(paragraph.text or "")
        for child in list(paragraph):
            tail, child.tail = child.tail, None
            current.append(child)
            add_text(tail or "")
        flush()
        return blocks


def _trim(paragraph: etree.Element) -> None:
    """Strip the blanks and line breaks left at the edges of a split paragraph."""
    paragraph.text = (paragraph.text or "").lstrip()
    while len(paragraph) and paragraph[-1].tag == "br" and not (paragraph[-1].tail or "").strip():
        paragraph.remove(paragraph[-1])
    if len(paragraph):
        paragraph[-1].tail = (paragraph[-1].tail or "").rstrip()
    else:
        paragraph.text = paragraph.text.rstrip()


class _EmbedProcessor(InlineProcessor):
    """Turn an Obsidian embed into an <img>; runs after code spans, so never inside code."""

    def handleMatch(self, match: re.Match[str], data: str):  # noqa: N802 - Markdown's API
        target = match.group("target").strip()
        attributes = {"src": quote(target, safe="/"), "alt": PurePosixPath(target).name}
        for option in (match.group("options") or "").split("|"):
            option = option.strip()
            size = _EMBED_SIZE.fullmatch(option)
            if size:
                attributes["width"] = size.group(1)
                if size.group(2):
                    attributes["height"] = size.group(2)
            elif option:
                attributes["alt"] = option
        return etree.Element("img", attributes), match.start(0), match.end(0)


class _FenceEndsBlock(Preprocessor):
    """Keep a line of --- or === right after a closing fence from making the block a heading.

    Fences are stashed as one placeholder line; a setext underline straight after it would
    turn that line into an <h2> holding the whole code block (and a table of contents entry
    of its code). CommonMark reads `---` there as a rule and `===` as text, as a blank line
    between them makes Python-Markdown do too.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        for index, line in enumerate(lines):
            out.append(line)
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if _SETEXT_UNDERLINE.match(following) and _PLACEHOLDER_LINE.fullmatch(line.strip()):
                out.append("")
        return out


class _FenceExtension(Extension):
    """Ends a fenced block where CommonMark ends it."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        # Right after superfences stashes fenced blocks (25).
        md.preprocessors.register(_FenceEndsBlock(md), "fence_ends_block", 24.5)


class _MathExtension(Extension):
    """Makes \\$ an escape and splits paragraphs around display formulas."""

    def __init__(self, document: _Document) -> None:
        super().__init__()
        self.document = document

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        if "$" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("$")
        splitter = _DisplayMathSplitter(md, self.document)
        # After inline parsing (20), before prettify (10) and the table of contents (5).
        md.treeprocessors.register(splitter, "math_display_splitter", 15)


class _ObsidianExtension(Extension):
    """Reads Obsidian's ![[image.png]] embeds, [[wikilinks]] and Typora's [toc] marker."""

    def __init__(self, document: _Document, slugify: Callable[[str, str], str]) -> None:
        super().__init__()
        self.document = document
        self.slugify = slugify

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        # After code spans (190) and escapes (180), before links and images (160, 150).
        md.inlinePatterns.register(_EmbedProcessor(_EMBED_PATTERN, md), "obsidian_embed", 175)
        links = WikilinkProcessor(md, self.document, self.slugify)
        md.inlinePatterns.register(links, "obsidian_wikilink", 174)
        # Before the table of contents (5), after inline parsing (20).
        md.treeprocessors.register(TocMarker(md, self.document.toc_token), "toc_marker", 6)


def _make_markdown(document: _Document) -> markdown.Markdown:
    """Build a Markdown converter for the documents `document` will point at in turn."""

    def slugify(text: str, separator: str) -> str:
        # A heading's id is made from its text, where formulas are still tokens.
        protected = document.protected
        token = protected.token_pattern()
        return _SLUGIFY(token.sub(lambda m: protected.formula_for(m).tex, text), separator)

    configs = {
        "pymdownx.tasklist": {"custom_checkbox": False},
        "pymdownx.highlight": _HIGHLIGHT,
        "pymdownx.superfences": _SUPERFENCES,
        "toc": {
            # [toc] and [TOC] are TocMarker's, in any case.
            "marker": "",
            "permalink": "#",
            "permalink_class": "headerlink",
            "permalink_title": "",
            "slugify": slugify,
        },
    }
    extensions = [
        *_EXTENSIONS,
        _MathExtension(document),
        _FenceExtension(),
        _ObsidianExtension(document, slugify),
        CalloutExtension(),
        OpenDivExtension(),
        LinearLinkExtension(),
        LazyBlockTestExtension(),
        LinearHtmlExtension(),  # after md_in_html, whose preprocessor it replaces
    ]
    return markdown.Markdown(extensions=extensions, extension_configs=configs, output_format="html")


_converters = threading.local()
MarkdownMaker = Callable[[_Document], markdown.Markdown]


def _converter(
    protected: ProtectedText, resolve_link: LinkResolver | None, make: MarkdownMaker
) -> tuple[markdown.Markdown, _Document]:
    """Return this thread's Markdown converter built by `make`, reset and aimed at a document.

    Building one loads sixteen extensions (a few milliseconds); a converter is reused by
    one thread at a time, reset between documents as Python-Markdown intends.
    """
    states = getattr(_converters, "states", None)
    if states is None:
        states = _converters.states = {}
    state = states.get(make)
    if state is None:
        document = _Document()
        state = states[make] = (make(document), document)
    md, document = state
    document.protected = protected
    document.resolve_link = resolve_link
    document.unresolved = []
    md.reset()
    return md, document


def _verbatim_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of <pre>, <code> etc. elements, each from its tag to its end tag.

    An element runs to the first end tag of its name; one without an end tag is no span.
    The end tags are listed once: searching ahead from every opening tag was quadratic on
    "x <code> " x 10,000 (6 s), where no <code> is ever closed.
    """
    ends: dict[str, list[tuple[int, int]]] = {}
    for end in _VERBATIM_END.finditer(text):
        ends.setdefault(end.group(1).lower(), []).append((end.start(), end.end()))
    spans, position = [], 0
    while (start := _VERBATIM_START.search(text, position)) is not None:
        found = ends.get(start.group(1).lower(), [])
        index = bisect.bisect_left(found, (start.end(), -1))
        if index < len(found):
            spans.append((start.start(), found[index][1]))
            position = found[index][1]
        else:
            position = start.start() + 1
    return spans


def _join_wide_lines(text: str) -> str:
    """Drop newlines between two CJK characters outside pre/code: they would show as spaces."""
    pieces, last = [], 0
    for start, end in _verbatim_spans(text):
        pieces.append(_WIDE_NEWLINE.sub(r"\1", text[last:start]))
        pieces.append(text[start:end])
        last = end
    pieces.append(_WIDE_NEWLINE.sub(r"\1", text[last:]))
    return "".join(pieces)


def _rewrite_images(
    text: str, resolve: ImageResolver | None, sources: list[str], token: str
) -> tuple[str, list[tuple[str, str]]]:
    """Record every <img> src in order, and replace it by what resolve returns.

    An image resolve reports missing becomes the token `{token}{n}M`, and (alt, src) its
    entry n in the returned list; _missing_placeholders puts the visible text there.
    """
    missing: list[tuple[str, str]] = []

    def rewrite(tag: re.Match[str]) -> str:
        found = _SRC_ATTR.search(tag.group())
        if found is None:
            return tag.group()
        value = found.group(2)
        written = html.unescape(value[1:-1] if value[:1] in "\"'" else value)
        sources.append(written)
        resolved = resolve(written) if resolve else None
        if resolved is None:
            return _remote_attributes(tag.group()) if is_remote(written) else tag.group()
        if resolved is MISSING_IMAGE:
            alt = _ALT_ATTR.search(tag.group())
            alt_value = alt.group(1) if alt else ""
            alt_text = html.unescape(alt_value[1:-1] if alt_value[:1] in "\"'" else alt_value)
            missing.append((alt_text, written))
            return f"{token}{len(missing) - 1}M"
        start, end = found.span(2)
        quoted = f'"{html.escape(resolved, quote=True)}"'
        return tag.group()[:start] + quoted + tag.group()[end:]

    return _IMG_TAG.sub(rewrite, text), missing


def _missing_placeholders(
    text: str, token: str, missing: list[tuple[str, str]], protected: ProtectedText
) -> str:
    """Put a visible stand-in, the alt text, where each missing image was."""
    if not missing:
        return text
    formula = protected.token_pattern()

    def placeholder(match: re.Match[str]) -> str:
        alt, src = missing[int(match.group(1))]
        # An alt attribute held formulas as tokens; show them as written.
        alt = " ".join(formula.sub(lambda m: protected.formula_for(m).source, alt).split())
        title = html.escape(unquote(src), quote=True)
        if not alt:
            name = PurePosixPath(unquote(src)).name or unquote(src)
            return f'<span class="missing-image" title="{title}">{html.escape(name)}</span>'
        label = html.escape(alt, quote=True)
        return (
            f'<span class="missing-image" role="img" aria-label="{label}" title="{title}">'
            f"{html.escape(alt)}</span>"
        )

    return re.sub(f"{token}(\\d+)M", placeholder, text)


def _scroll_boxes(text: str) -> str:
    """Label each code block with its language and make code and display formulas focusable.

    Both scroll sideways inside their box on a narrow screen; a keyboard reader can only
    scroll a box that takes focus. Added after sanitising (nh3 keeps no tabindex).
    """

    def code(match: re.Match[str]) -> str:
        label = code_language_label(match.group(2))
        shown = f'<span class="code-lang">{html.escape(label)}</span>' if label else ""
        return f'{match.group(1)}{shown}<pre tabindex="0">'

    text = _HIGHLIGHT_START.sub(code, text)
    return _DISPLAY_START.sub(r'\1 tabindex="0">', text)


def code_language_label(alias: str) -> str:
    """Return the name a code block's label shows for a fence language ("" for plain text)."""
    if alias in ("", "text"):
        return ""
    try:
        return get_lexer_by_name(alias).name
    except ClassNotFound:
        return alias


def _render_formulas(protected: ProtectedText) -> tuple[list[str], list[str]]:
    """Render every formula (in one call into KaTeX); return the HTML per formula and errors."""
    rendered, errors = [], []
    verdicts = katex.render_many([(f.tex, f.display) for f in protected.formulas])
    for formula, verdict in zip(protected.formulas, verdicts, strict=True):
        tag = "div" if formula.display else "span"
        kind = "math-display" if formula.display else "math-inline"
        ok, body = (False, str(verdict)) if isinstance(verdict, katex.KatexError) else verdict
        if not ok:
            # KaTeX's message stays English; the line is said in the reader's language.
            errors.append(N_("line %(line)s: %(error)s") % {"line": formula.line, "error": body})
            rendered.append(
                f'<{tag} class="math {kind} math-error" title="{html.escape(body)}">'
                f"<code>{html.escape(formula.tex)}</code></{tag}>"
            )
            continue
        rendered.append(f'<{tag} class="math {kind}">{body}</{tag}>')
    return rendered, errors


def _restore_math(text: str, protected: ProtectedText, rendered: list[str]) -> str:
    """Put rendered formulas in place of their tokens; inside a tag, the formula as written."""
    if not protected.formulas:
        return text
    token = protected.token_pattern()

    def in_tag(match: re.Match[str]) -> str:
        # An attribute (alt text, a title) cannot hold markup.
        return html.escape(protected.formula_for(match).source, quote=True)

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return token.sub(in_tag, match.group())
        return rendered[int(match.group(1))]

    return re.sub(f"<[^<>]*>|{token.pattern}", replace, text)


def _render_error(
    body: str, error: Exception, sanitize: Callable[[str, None], str] = sanitize_html
) -> RenderResult:
    """Return a result that shows the failure and the source instead of the article."""
    message = f"This article could not be rendered ({type(error).__name__})."
    block = (
        f'<div class="render-error"><p>{html.escape(message)}</p>'
        f"<pre>{html.escape(body)}</pre></div>"
    )
    return RenderResult(sanitize(block, None), "", 0, [], [])


def _count_headings(tokens: list[dict]) -> int:
    return sum(1 + _count_headings(token.get("children", [])) for token in tokens)


def render_markdown(
    body: str,
    *,
    resolve_image: ImageResolver | None = None,
    resolve_link: LinkResolver | None = None,
) -> RenderResult:
    """Render a Markdown body (front matter already removed) to sanitized HTML.

    resolve_image maps each image src to the URL to show, None to leave it as written
    (remote images), or MISSING_IMAGE to show the alt text in its place. resolve_link maps
    the note a [[wikilink]] names to its article's address, or None: the link's text then
    shows alone, and the link is listed in unresolved_links.
    """
    return render_with(
        body, _make_markdown, sanitize_html, resolve_image=resolve_image, resolve_link=resolve_link
    )


def render_with(
    body: str,
    make: MarkdownMaker,
    sanitize: Callable[[str, tuple[str, str] | None], str],
    *,
    resolve_image: ImageResolver | None = None,
    resolve_link: LinkResolver | None = None,
) -> RenderResult:
    """Render a Markdown body with the converter `make` builds and the allow-list `sanitize`.

    The article pipeline's steps (math protected first, KaTeX, linear-time readers) are the
    same for every kind of text; what a converter reads and what the allow-list keeps differ.
    """
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    try:
        protected = protect_math(text)
        md, document = _converter(protected, resolve_link, make)
        # After the math is protected: a %% inside a formula is TeX's, not a comment.
        shaped, warnings = limit_nesting(strip_comments(protected.text))
        shaped, capped = limit_line_elements(shaped)
        warnings += capped
        article = md.convert(shaped)
        # A converter without the toc extension (comments) has neither attribute.
        toc = getattr(md, "toc", "")
        heading_count = _count_headings(getattr(md, "toc_tokens", []))
        unresolved, toc_token = list(document.unresolved), document.toc_token()
    except Exception as error:  # a parser bug on odd input must not take the page down
        return _render_error(text, error, sanitize)
    display_marker = re.compile(
        f"<{_DISPLAY_TAG}>({protected.token_pattern(display_only=True).pattern})</{_DISPLAY_TAG}>"
    )
    article = display_marker.sub(r"\1", article)
    article = _join_wide_lines(article)
    image_sources: list[str] = []
    # The math token prefix occurs nowhere in the source, so neither does this token.
    missing_token = f"{protected.prefix}IMG"
    article, missing = _rewrite_images(article, resolve_image, image_sources, missing_token)

    wrapper = _TOC_WRAPPER.match(toc)
    toc = wrapper.group(1) if wrapper else toc
    article = place_toc(article, toc_token, toc if heading_count else "")
    rendered, math_errors = _render_formulas(protected)
    # Marked as KaTeX's, a formula keeps the offsets it is drawn with; the author's own
    # styles may not position anything (sanitize.py).
    marks = formula_marks()
    rendered = [f"{marks[0]}{formula}{marks[1]}" for formula in rendered]
    article = _restore_math(article, protected, rendered)
    toc_html = ""
    if heading_count >= TOC_MIN_HEADINGS:
        toc_html = sanitize(_restore_math(toc, protected, rendered), marks)
    # The stand-ins are added after sanitising: nh3 keeps no role or aria-label on a span,
    # and every piece of them is escaped here.
    article = _missing_placeholders(sanitize(article, marks), missing_token, missing, protected)
    article = _scroll_boxes(article)
    return RenderResult(
        html=article,
        toc_html=toc_html,
        heading_count=heading_count,
        math_errors=math_errors,
        image_sources=image_sources,
        unresolved_links=unresolved,
        warnings=warnings,
    )
