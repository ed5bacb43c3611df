"""The commenter's cookie: a random key whose hash marks their comments as theirs.

It lets a reader see their own pending comment; a page shown to its holder is theirs alone
(never cached for others, never stored by a shared cache).
"""

from __future__ import annotations

from flask import request

COOKIE_NAME = "comment_key"
# token_urlsafe(24) gives 32 characters; anything far longer is not ours.
MAX_KEY_LENGTH = 64


def reader_key() -> str | None:
    """Return the request's commenter key, or None when it carries none (or a malformed one)."""
    key = request.cookies.get(COOKIE_NAME, "")
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    return key
