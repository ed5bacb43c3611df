"""Text prepared for search: tokens, the three searchable fields of an article, queries.

Both databases index the same prepared text, built here, so they find the same articles:

* Text is composed (NFC), then every character is normalised on its own (NFKC, then
  casefold): full-width ``ＡＢＣ`` is ``abc``, ``FlashAttention`` is ``flashattention``.
  Character by character, so a snippet can map every token back to the text it shows.
* A Han, kana or Hangul character is a token by itself. Any Chinese query of one, two or
  n characters is then a phrase of consecutive one-character tokens, which is exactly
  "this substring occurs". We chose this over segmenting with jieba (a 50 MB dictionary
  whose cuts differ between the text and a short query: 梯度检查点 is cut 梯度/检查/点 in
  one sentence and 梯度/检查点 in another, so a correct query misses, and a one-character
  query such as 卷 finds nothing inside the word 卷积) and over CJK bigrams (a one-character
  query matches no bigram, and an odd-length query needs overlapping bigrams with special
  cases). The price is longer posting lists; bench/search.py measures it.
* Runs of other letters, digits and combining marks are tokens; everything else
  (punctuation, ``_``, spaces, line breaks) separates tokens. ``use_rmpad`` is
  ``use rmpad``, ``nn.Module`` is ``nn module``: a query with punctuation becomes a phrase
  of its tokens, and a phrase matches across a line break of the source.

The prepared text is those tokens joined by single spaces, nothing else; the SQLite
tokenizer and the PostgreSQL tsvector only split on those spaces.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from .excerpt import search_prose
from .htmlwalk import HtmlWalk, walk_html
from .language import CJK_IDEOGRAPHS

# Scripts written without spaces between words: each character is a token.
_SPACELESS = re.compile(f"[{CJK_IDEOGRAPHS}\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af]")
# Variation selectors are marks but belong to the symbol before them (emoji): drop them.
_IGNORED_MARKS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")

# A longer token is cut (PostgreSQL refuses lexemes over 2 KB); queries are cut the same way.
MAX_TOKEN_CHARS = 100
# Query limits: odd or pasted input is cut to these, never refused.
MAX_QUERY_CHARS = 1000
MAX_TERMS = 8
MAX_TERM_TOKENS = 32

_QUOTES = str.maketrans(dict.fromkeys("“”„‟＂「」『』", '"'))


class _Fold(dict):
    """Map a code point to its prepared form: folded letters, " 字 ", or a space.

    str.translate looks every character up here; __missing__ works out (and remembers) a
    character the first time it is seen, so preparing text runs at C speed afterwards.
    """

    def __missing__(self, code: int) -> str:
        out = []
        for char in unicodedata.normalize("NFKC", chr(code)).casefold():
            category = unicodedata.category(char)
            if _SPACELESS.match(char):
                out.append(f" {char} ")
            elif char.isalnum() or (category[0] == "M" and not _IGNORED_MARKS.match(char)):
                out.append(char)
            elif category == "Cf" or _IGNORED_MARKS.match(char):
                out.append("")  # soft hyphens, zero-width joiners: invisible, join the word
            else:
                out.append(" ")
        value = "".join(out)
        self[code] = value
        return value


FOLD = _Fold()


def tokens(text: str) -> list[str]:
    """Return the search tokens of a text, in order."""
    # NFC first composes e + U+0301 into é, which per-character folding could not do.
    folded = unicodedata.normalize("NFC", text).translate(FOLD)
    return [token[:MAX_TOKEN_CHARS] for token in folded.split()]


def prepare(text: str) -> str:
    """Return the prepared form of a text: its tokens joined by single spaces."""
    return " ".join(tokens(text))


def is_spaceless(token: str) -> bool:
    """Tell whether a token is one Han, kana or Hangul character."""
    return bool(_SPACELESS.match(token))


# --- The fields of an article ------------------------------------------------------


class SearchFields(NamedTuple):
    """An article's searchable text: title, prose, code blocks and formula sources."""

    title: str
    prose: str
    code: str
    math: str


def fields_from_walk(title: str, walk: HtmlWalk, prose: str) -> SearchFields:
    """Return the searchable fields from a walk of the HTML and its plain text (the prose).

    The walk collected each code block's text and each formula's TeX source (KaTeX's
    <annotation encoding="application/x-tex">, or the math-error element of a formula it
    could not render); the prose is excerpt.search_prose of the walk, which leaves both out
    and marks tables and heading ends for snippets.
    """
    code = "\n".join(block.strip("\n") for block in walk.code if block.strip())
    math = "\n".join(" ".join(formula.split()) for formula in walk.math if formula.strip())
    return SearchFields(title or "", prose, code, math)


def fields_from_html(title: str, html: str) -> SearchFields:
    """Return the searchable fields of an article from its title and stored HTML."""
    walk = walk_html(html)
    return fields_from_walk(title, walk, search_prose(walk.segments))


# --- Queries -----------------------------------------------------------------------


class Term(NamedTuple):
    """One thing a result must contain: a phrase of one or more consecutive tokens."""

    tokens: tuple[str, ...]


def _script_runs(words: list[str]) -> list[tuple[str, ...]]:
    """Split a bare word's tokens where Chinese meets Latin: "DDP原理" is DDP and 原理."""
    runs: list[list[str]] = []
    for token in words:
        if runs and is_spaceless(token) == is_spaceless(runs[-1][-1]):
            runs[-1].append(token)
        else:
            runs.append([token])
    return [tuple(run) for run in runs]


def parse_query(query: str) -> list[Term]:
    """Turn what a reader typed into terms that must all match; nothing is an operator.

    "Quoted text" is one phrase. A bare word is a phrase of its tokens (use_rmpad,
    nn.Module, 梯度检查点), split where Chinese and Latin meet (DDP原理 is two terms).
    Unbalanced quotes close at the end; operators and lone punctuation have no tokens and
    vanish; the input, the number of terms and each term's length are capped.
    """
    text = (query or "")[:MAX_QUERY_CHARS].translate(_QUOTES)
    phrases: list[tuple[str, ...]] = []
    for index, part in enumerate(text.split('"')):
        if index % 2:  # inside quotes
            phrases.append(tuple(tokens(part)))
            continue
        for word in part.split():
            phrases.extend(_script_runs(tokens(word)))
    terms: list[Term] = []
    for phrase in phrases:
        term = Term(phrase[:MAX_TERM_TOKENS])
        if term.tokens and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]
