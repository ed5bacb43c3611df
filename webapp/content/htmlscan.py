"""Raw HTML read in linear time: a "<" that no ">" follows is text, known without a scan.

Python-Markdown reads the whole document with html.parser before anything else. For each
"<" that opens a tag or an end tag, the parser scans ahead for the tag's end; when no
">" follows anywhere, that scan runs to the end of the document and the "<" becomes text,
and the same happens again for the next "<": 5,000 unclosed "<img src=" took 3 s. Here the
parser knows where the last ">" of its input is, so such a "<" is text at once. The parser
treats it as text either way (Python-Markdown hands a tag without its ">" back as data),
so the output is the same. (Python-Markdown bounds unclosed comments itself.)
"""

from __future__ import annotations

from markdown import Markdown
from markdown.extensions import Extension
from markdown.extensions.md_in_html import HtmlBlockPreprocessor as _MdInHtmlBlocks
from markdown.extensions.md_in_html import HTMLExtractorExtra


class _BoundedExtractor(HTMLExtractorExtra):
    """md_in_html's HTML reader, with tag ends looked up instead of scanned for."""

    _seen: str | None = None
    _last_close = -1  # where the last ">" of the parser's current input is

    def _closes_after(self, i: int) -> bool:
        """Tell whether a ">" follows position i of the parser's current input."""
        data = self.rawdata
        if data is not self._seen:  # the parser slices its input as it goes on
            self._seen = data
            self._last_close = data.rfind(">")
        return self._last_close > i

    def check_for_whole_start_tag(self, i: int) -> int:
        if not self._closes_after(i):
            return -1  # "end of input inside the tag": the "<" is text
        return super().check_for_whole_start_tag(i)

    def parse_endtag(self, i: int) -> int:
        if not self._closes_after(i):
            self.handle_data(self.rawdata[i : i + 2])
            return i + 2
        return super().parse_endtag(i)


class _BoundedHtmlBlocks(_MdInHtmlBlocks):
    """md_in_html's raw-HTML preprocessor, reading with the bounded parser."""

    def run(self, lines: list[str]) -> list[str]:
        parser = _BoundedExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


class LinearHtmlExtension(Extension):
    """Replaces md_in_html's raw-HTML preprocessor with the bounded one (load it after)."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Markdown's API
        md.preprocessors.register(_BoundedHtmlBlocks(md), "html_block", 20)
