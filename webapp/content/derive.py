"""Everything publishing derives from an article's rendered HTML, from one parse and one walk.

``derive`` replaces calling body_text, make_excerpt, fields_from_html and feed_html one
after the other (each of which parses the HTML again); its results are equal to theirs.
"""

from __future__ import annotations

from typing import NamedTuple

from .excerpt import EXCERPT_LENGTH, excerpt_of, plain_text, search_prose
from .htmlwalk import walk_html
from .language import detect_lang, reading_stats
from .searchtext import SearchFields, fields_from_walk


class DerivedText(NamedTuple):
    """What is stored beside an article's HTML, all derived from it."""

    text: str  # plain body text: body_text(html)
    lang: str  # detect_lang(text, declared language)
    excerpt: str  # make_excerpt(html, lang, excerpt_length)
    word_count: int  # reading_stats(text)
    reading_minutes: int
    search: SearchFields  # fields_from_html(title, html)
    feed_html: str  # feed_html(html)


def derive(
    html: str, *, title: str, lang: str | None = None, excerpt_length: int = EXCERPT_LENGTH
) -> DerivedText:
    """Parse article HTML once; return its text, language, excerpt, stats, search and feed HTML.

    `lang` is the language the article declares; None (or an unusable tag) has it detected
    from the text, as detect_lang does. The excerpt's placeholders follow the result's lang.
    """
    walk = walk_html(html, feed=True)
    text = plain_text(walk.segments)
    detected = detect_lang(text, lang)
    word_count, reading_minutes = reading_stats(text)
    return DerivedText(
        text=text,
        lang=detected,
        excerpt=excerpt_of(walk.segments, detected, excerpt_length),
        word_count=word_count,
        reading_minutes=reading_minutes,
        search=fields_from_walk(title, walk, search_prose(walk.segments)),
        feed_html=walk.feed_html or "",
    )
