"""Turn the bytes of an uploaded text file into text: UTF-8, UTF-16 or GB18030, \\n line ends."""

from __future__ import annotations

import codecs
import re
import unicodedata

from .messages import N_

# Checked longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 controls that never occur in text (tab, line feed, form feed, carriage return and
# escape do; NUL is treated separately, before decoding).
_CONTROL = re.compile("[\x01-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
# Share of a document's characters that may be stray controls before it counts as binary.
_MAX_CONTROL_SHARE = 0.01
# Share of the non-ASCII characters of a GB18030 reading that may be private-use or
# unassigned. Real Chinese text has none or almost none; bytes in another legacy
# encoding (or binary data) that happen to form valid GB18030 sequences land there often.
_MAX_ODD_SHARE = 0.02

# Codecs Python decodes with that are not character sets a client can mean: escapes and
# domain-name encodings (punycode also takes quadratic time on a long body).
_NOT_CHARSETS = frozenset({"punycode", "idna", "unicode-escape", "raw-unicode-escape"})

NOT_TEXT = N_("not valid UTF-8, UTF-16 or GB18030 text")
BINARY = N_("a binary file, not text")


class DecodeError(ValueError):
    """Bytes that are not text in any encoding the blog reads; str() says why in plain words."""


def decode_text(data: bytes) -> str:
    """Return the text of a file with the BOM removed and every line end as \\n.

    A byte order mark decides the encoding. Without one, valid UTF-8 wins, and GB18030
    (a superset of GBK, what Chinese Windows saves) is tried only when UTF-8 fails.
    Raise DecodeError for binary data or bytes that are none of these.
    """
    return _checked(_decode(data))


def decode_declared(data: bytes, charset: str) -> str:
    """Return the text of bytes sent with a declared charset, checked as decode_text checks.

    The declared charset replaces only the guessing: NUL, stray control characters and a
    byte order mark are treated the same, whichever way the text arrived.
    """
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        raise DecodeError(
            N_("%(charset)s is not a character set") % {"charset": repr(charset)}
        ) from None
    if codec.name in _NOT_CHARSETS or not getattr(codec, "_is_text_encoding", True):
        raise DecodeError(N_("%(charset)s is not a character set") % {"charset": repr(charset)})
    try:
        text = data.decode(codec.name)
    except UnicodeDecodeError:
        raise DecodeError(N_("not valid %(charset)s text") % {"charset": charset}) from None
    if "\x00" in text:
        raise DecodeError(BINARY)
    return _checked(text)


def _checked(text: str) -> str:
    """Drop a byte order mark, refuse binary data, and make every line end \\n."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if text and len(_CONTROL.findall(text)) > max(2, len(text) * _MAX_CONTROL_SHARE):
        raise DecodeError(BINARY)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise DecodeError(NOT_TEXT) from None
            if "\x00" in text:
                raise DecodeError(BINARY)
            return text
    if b"\x00" in data:
        # UTF-16 without a byte order mark is not guessed: NUL bytes mean binary data.
        raise DecodeError(BINARY)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise DecodeError(NOT_TEXT) from None
    if _looks_garbled(text):
        raise DecodeError(NOT_TEXT)
    return text


def _looks_garbled(text: str) -> bool:
    """Tell whether a GB18030 reading holds too many private-use or unassigned characters."""
    wide = [char for char in text if ord(char) > 0x7F]
    odd = sum(1 for char in wide if unicodedata.category(char) in ("Co", "Cn", "Cs"))
    return odd > 0 and odd > len(wide) * _MAX_ODD_SHARE
