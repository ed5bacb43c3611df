"""URL slugs that stay readable for Chinese and English titles."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_LENGTH = 80
_SEPARATORS = re.compile(r"[^\w]+", re.UNICODE)


def slugify(text: str) -> str:
    """Return a lowercase slug keeping letters, digits and CJK characters, joined by dashes."""
    normalised = unicodedata.normalize("NFKC", text).casefold()
    slug = _SEPARATORS.sub("-", normalised).replace("_", "-")
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-")
