"""Article language: normalise a declared tag or detect it from the text; reading time.

The blog is written in Chinese and English, so detection only has to tell those two
apart; any other language must be declared in the front matter.
"""

from __future__ import annotations

import math
import re

# CJK ideographs: the URO, Extension A, the compatibility ideographs and the
# supplementary-plane extensions (B to I), plus U+3007 (〇), which is used as a digit.
# CJK punctuation and fullwidth forms are deliberately absent: they are not letters
# and must not tip the balance in detection or count as words.
CJK_IDEOGRAPHS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
# Latin letters with the Latin-1 and Latin Extended letters (é, ü, ß, ...), leaving out
# the multiplication and division signs that sit inside the Latin-1 block.
LATIN_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"

_CJK = re.compile(f"[{CJK_IDEOGRAPHS}]")
_LATIN = re.compile(f"[{LATIN_LETTERS}]")
_LATIN_WORD = re.compile(f"[{LATIN_LETTERS}0-9]+")

# Detection threshold: the share of CJK ideographs among (ideographs + Latin letters).
# It is far below 50% on purpose: Chinese technical prose is full of English terms, and
# one English word costs 5-10 Latin letters where a Chinese word costs about 2 ideographs,
# so a Chinese paragraph naming Flask, PostgreSQL and SQLAlchemy can easily be 70% Latin
# letters. English articles, on the other hand, almost never contain ideographs beyond
# an occasional name or quoted term, which stays well under 20%.
CJK_SHARE_THRESHOLD = 0.2

# Reading rates: an adult reads Chinese at roughly 300-500 characters a minute and
# English at roughly 200-250 words a minute; technical text sits at the slow end of
# both ranges, so we use 400 characters and 220 words a minute.
CJK_CHARS_PER_MINUTE = 400
LATIN_WORDS_PER_MINUTE = 220
# Common denominator for computing ceil(chars / 400 + words / 220) in integers.
_PER_MINUTE = math.lcm(CJK_CHARS_PER_MINUTE, LATIN_WORDS_PER_MINUTE)

# Declared values that are not BCP 47 tags, or tags we fold into the two canonical
# Chinese forms, keyed by the lower-cased value with "_" turned into "-".
_ALIASES = {
    **dict.fromkeys(
        [
            "zh", "zh-cn", "zh-hans", "zh-hans-cn", "zh-sg", "zh-hans-sg", "zho", "chi",
            "cn", "chinese", "simplified chinese", "中文", "简体中文", "汉语", "普通话",
        ],
        "zh-CN",
    ),
    **dict.fromkeys(
        ["zh-tw", "zh-hant", "zh-hant-tw", "traditional chinese", "繁體中文", "繁体中文"],
        "zh-TW",
    ),
    **dict.fromkeys(["en", "english", "en-us", "eng", "英文", "英语"], "en"),
    "japanese": "ja",
    "korean": "ko",
    "french": "fr",
    "german": "de",
    "spanish": "es",
}  # fmt: skip

# A well-formed BCP 47 tag (RFC 5646 langtag, without grandfathered tags), matched
# against the lower-cased value so the canonical casing can be rebuilt afterwards.
_BCP47 = re.compile(
    r"(?P<language>[a-z]{2,3})"
    r"(?:-(?P<script>[a-z]{4}))?"
    r"(?:-(?P<region>[a-z]{2}|\d{3}))?"
    r"(?P<rest>(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"
    r"(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*"
    r"(?:-x(?:-[a-z\d]{1,8})+)?)"
)


def normalise_lang(declared: object) -> str | None:
    """Return the canonical form of a declared language tag, or None if it is unusable."""
    # Front matter is YAML, so the value may be a bool or a number (`lang: no`).
    if not isinstance(declared, str):
        return None
    key = " ".join(declared.split()).lower().replace("_", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    match = _BCP47.fullmatch(key)
    # "und" means "undetermined", which is the same as not declaring anything.
    if match is None or match["language"] == "und":
        return None
    parts = [match["language"]]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    return "-".join(parts) + match["rest"]


def detect_lang(text: str, declared: str | None = None) -> str:
    """Return the declared language if usable, else "zh-CN" or "en" detected from text."""
    normalised = normalise_lang(declared)
    if normalised is not None:
        return normalised
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk and cjk >= CJK_SHARE_THRESHOLD * (cjk + latin):
        return "zh-CN"
    return "en"


def is_chinese(lang: str | None) -> bool:
    """Return True if the language tag is Chinese (primary subtag "zh", any case)."""
    if not lang:
        return False
    # Compare the primary subtag rather than the prefix: "zha" (Zhuang) is not Chinese.
    primary = re.split(r"[-_]", lang.strip(), maxsplit=1)[0]
    return primary.lower() == "zh"


def reading_stats(text: str) -> tuple[int, int]:
    """Return (word_count, reading minutes) counting each CJK ideograph as one word."""
    cjk = len(_CJK.findall(text))
    latin_words = len(_LATIN_WORD.findall(text))
    # Integer arithmetic, so an exact number of minutes never rounds up through
    # floating-point error (0.1 + 0.2 style) to one minute more.
    char_weight = _PER_MINUTE // CJK_CHARS_PER_MINUTE
    word_weight = _PER_MINUTE // LATIN_WORDS_PER_MINUTE
    minutes = -(-(cjk * char_weight + latin_words * word_weight) // _PER_MINUTE)
    return cjk + latin_words, max(1, minutes)
