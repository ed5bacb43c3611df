"""Report texts in the reader's language: English reasons and warnings, translated when shown.

Producers write reasons and warnings in English from N_-marked templates (see
content/messages.py); reports are stored that way. Here a text is matched against the
catalog's templates of the current language, the template's translation is taken and its
slots filled again, a nested reason translated in turn. Text that matches no template (a
YAML parser's message, a KaTeX error) is shown as it is.

Several templates may fit one text ("added to 2 articles: …; replaced in …" fits "added to
%(articles)s" and "%(reason)s; %(more)s"); the reading that explains most of the text by
templates' own words, nested ones included, wins.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from flask import has_request_context
from flask_babel import get_translations

from ..content.messages import NESTED_SLOTS

_SLOT = re.compile(r"%\((\w+)\)s")
_SLOT_OR_PERCENT = re.compile(r"%\(\w+\)s|%%")
_LETTER = re.compile(r"[^\W\d_]")
# Reasons nest a few levels ("cover image x cannot be used: SVG refused: …", four parts
# joined by "; "); deeper is not a report's text.
MAX_DEPTH = 8


@dataclass(frozen=True)
class _Template:
    """One catalog template with slots, ready to match English report text."""

    prefix: str  # the literal text before the first slot
    suffix: str  # the literal text after the last slot
    words: int  # how many characters of literal text it has
    pattern: re.Pattern
    slots: tuple[str, ...]
    translation: str
    # Only slots and punctuation ("%(reason)s; %(more)s"): it applies only when each nested
    # reason in it is a report text, so unknown text keeps even its punctuation.
    bare: bool = False


@dataclass(frozen=True)
class _Catalog:
    """A language's report templates: literal ones by text, slotted ones most specific first."""

    literal: dict[str, str]
    by_start: dict[str, tuple[_Template, ...]]  # first character of the prefix -> templates
    open_start: tuple[_Template, ...]  # templates that begin with a slot


# Built once per loaded catalog (Flask-Babel keeps one per language and app).
_built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def translate_report_text(text: str | None) -> str | None:
    """Return a report's reason or warning in the current language; unknown text as it is."""
    if not text or not has_request_context():
        return text
    catalog = _catalog()
    if catalog is None:
        return text
    return _translate(catalog, str(text), 0, {})[0]


def _translate(catalog: _Catalog, text: str, depth: int, seen: dict) -> tuple[str, int]:
    """Return the text translated, and how many of its characters templates explain."""
    if text in seen:
        return seen[text]
    best = (text, 0)
    found = catalog.literal.get(text)
    if found is not None:
        best = (found, len(text))
    elif depth < MAX_DEPTH:
        for template in catalog.by_start.get(text[:1], catalog.open_start):
            if not (text.startswith(template.prefix) and text.endswith(template.suffix)):
                continue
            match = template.pattern.fullmatch(text)
            if match is None:
                continue
            values, explained, unexplained = {}, 0, False
            for name, value in zip(template.slots, match.groups(), strict=True):
                if name in NESTED_SLOTS:
                    value, inner = _translate(catalog, value, depth + 1, seen)
                    explained += inner
                    unexplained = unexplained or not inner
                values[name] = value
            if template.bare and unexplained:
                continue
            if template.words + explained <= best[1]:
                continue  # an earlier (longer) template explains as much
            try:
                best = (template.translation % values, template.words + explained)
            except (KeyError, ValueError, TypeError):
                continue  # a translation with other slots than its template's
    seen[text] = best
    return best


def _catalog() -> _Catalog | None:
    """Return the current language's report templates (None when it has no catalog)."""
    translations = get_translations()
    entries = getattr(translations, "_catalog", None)
    if not entries:
        return None
    try:
        return _built[translations]
    except KeyError:
        catalog = _built[translations] = _build(entries)
        return catalog


def _build(entries: dict) -> _Catalog:
    """Sort a compiled catalog's singular messages into literal and slotted templates."""
    literal: dict[str, str] = {}
    slotted: list[_Template] = []
    for msgid, translation in entries.items():
        # Plural forms are keyed (msgid, n); the header is the empty msgid.
        if not isinstance(msgid, str) or not msgid or not translation or msgid == translation:
            continue
        literal_text = _SLOT_OR_PERCENT.sub("", msgid)
        # Any other conversion (%(n)d, %s) is an interface string's, not a report template's.
        if "%" in literal_text:
            continue
        parts = _SLOT.split(msgid)
        bare = not _LETTER.search(literal_text)
        if len(parts) == 1:
            if not bare:
                literal[msgid] = translation
            continue
        if bare and (not literal_text.strip() or not NESTED_SLOTS.intersection(parts[1::2])):
            continue  # "%(a)s%(b)s", "%(name)s" or "(%(path)s)": nothing to tell them by
        slotted.append(_template(parts, translation, bare))
    # The longest literal text first: of two readings that explain as much, it wins.
    ordered = sorted(slotted, key=lambda template: -template.words)
    open_start = tuple(template for template in ordered if not template.prefix)
    # Each first character's templates, with those opening on a slot, still in order.
    starts = {template.prefix[0] for template in ordered if template.prefix}
    by_start = {
        start: tuple(t for t in ordered if not t.prefix or t.prefix[0] == start) for start in starts
    }
    return _Catalog(literal, by_start, open_start)


def _template(parts: list[str], translation: str, bare: bool) -> _Template:
    """Build the pattern of a template split into literal text and slot names."""
    literals = [part.replace("%%", "%") for part in parts[::2]]
    slots = tuple(parts[1::2])
    pattern = re.escape(literals[0])
    for name, after in zip(slots, literals[1:], strict=True):
        # A nested reason may itself hold the text that follows it ("… (SSLError) (the
        # article shows …)"): it takes the most it can; a name or address the least.
        group = "(.+)" if name in NESTED_SLOTS else "(.+?)"
        pattern += group + re.escape(after)
    compiled = re.compile(pattern, re.DOTALL)
    words = sum(len(literal) for literal in literals)
    return _Template(literals[0], literals[-1], words, compiled, slots, translation, bare)
