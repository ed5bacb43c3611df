"""Addresses as they are stored, and the slug rules of Hexo, Jekyll and Hugo.

Pure: no Flask, no database. Each slug function follows its tool's own source
(hexo-util slugize, Jekyll's Utils.slugify, Hugo's paths.Sanitize) so an address worked
out here is the one the old site really served.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from ..messages import N_

# The longest path article_addresses.path holds.
MAX_ADDRESS_CHARS = 1000
_DROPPED_LAST = frozenset({"index.html"})


class AddressError(ValueError):
    """An address that cannot be kept; str() says why in plain words."""


def clean_address(text: str, hosts: frozenset[str] = frozenset()) -> str:
    """Return an address as stored: decoded, NFC, "/a/b" with no trailing slash or index.html.

    An absolute URL is accepted only on one of `hosts` (this site's own names); its query
    and fragment are dropped, as they are from a path.
    """
    text = text.strip()
    if not text:
        raise AddressError(N_("the address is empty"))
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise AddressError(N_("the address holds a control character"))
    parts = urlsplit(text)
    if parts.scheme or text.startswith("//"):
        if parts.scheme not in ("http", "https", ""):
            raise AddressError(N_("%(address)s is not a web address") % {"address": _short(text)})
        host = (parts.hostname or "").lower()
        if host not in hosts:
            words = (
                N_(
                    "%(address)s is on another site (%(host)s); "
                    "only addresses on this site can lead here"
                )
                if host
                else N_(
                    "%(address)s is on another site (no host); "
                    "only addresses on this site can lead here"
                )
            )
            raise AddressError(words % {"address": _short(text), "host": host})
    path = unicodedata.normalize("NFC", unquote(parts.path))
    segments = [segment for segment in path.split("/") if segment not in ("", ".")]
    if ".." in segments:
        raise AddressError(
            N_("%(address)s climbs out of the site with “..”") % {"address": _short(text)}
        )
    if segments and segments[-1] in _DROPPED_LAST:
        segments.pop()
    if not segments:
        raise AddressError(N_("the home page is this site's own address"))
    cleaned = "/" + "/".join(segments)
    if len(cleaned) > MAX_ADDRESS_CHARS:
        raise AddressError(
            N_("the address is %(length)s characters long; at most %(limit)s fit")
            % {"length": f"{len(cleaned):,}", "limit": f"{MAX_ADDRESS_CHARS:,}"}
        )
    return cleaned


def _short(text: str, shown: int = 60) -> str:
    return f"“{text[:shown]}…”" if len(text) > shown else f"“{text}”"


def join_url(*parts: str) -> str:
    """Join URL parts with single slashes, keeping a trailing one: ("/b/", "a/") -> "/b/a/".

    A full URL as the last part is returned as it is (it names its own host).
    """
    if parts and "://" in parts[-1]:
        return parts[-1]
    joined = "/".join(part.strip("/") for part in parts if part and part.strip("/"))
    trailing = "/" if parts and parts[-1].endswith("/") else ""
    return "/" + joined + trailing if joined else "/"


def _without_accents(text: str) -> str:
    """Drop accents from Latin letters (hexo-util's escapeDiacritic, in Unicode's terms)."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)
        if base[0].isascii() and base[0].isalpha():
            out.append("".join(c for c in base if not unicodedata.combining(c)))
        else:
            out.append(char)
    return "".join(out)


_HEXO_SPECIAL = re.compile(r"""[\s~`!@#$%^&*()\-_+=\[\]{}|\\;:"'<>,.?/]+""")


def hexo_slugize(text: str, transform: int = 0) -> str:
    """Return Hexo's slugize(): punctuation runs become "-"; 1 lowercases, 2 uppercases."""
    text = _without_accents(str(text))
    text = "".join(char for char in text if ord(char) >= 0x20)
    slug = _HEXO_SPECIAL.sub("-", text).strip("-")
    if transform == 1:
        return slug.lower()
    return slug.upper() if transform == 2 else slug


_JEKYLL_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")


def jekyll_slugify(text: str, mode: str = "default", *, cased: bool = False) -> str:
    """Return Jekyll's Utils.slugify() in its default, pretty, raw, ascii or latin mode."""
    text = str(text)
    if mode not in ("raw", "default", "pretty", "ascii", "latin"):
        return text if cased else text.lower()
    if mode == "latin":
        text = _without_accents(text)
    if mode == "raw":
        slug = re.sub(r"\s+", "-", text)
    elif mode == "ascii":
        slug = re.sub(r"[^A-Za-z0-9]+", "-", text)
    else:
        extra = _JEKYLL_PRETTY_KEEP if mode == "pretty" else frozenset()
        slug = "".join(char if _jekyll_kept(char, extra) else "\x00" for char in text)
        slug = re.sub("\x00+", "-", slug)
    slug = re.sub(r"^-|-$", "", slug)
    return slug if cased else slug.lower()


def _jekyll_kept(char: str, extra: frozenset[str]) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd" or char in extra


_HUGO_KEEP = frozenset("./\\_#+~-@")


def hugo_urlize(text: str, *, lower: bool = True, remove_accents: bool = False) -> str:
    """Return Hugo's path sanitising: spaces become "-", other unsafe characters go."""
    text = str(text)
    out: list[str] = []
    pending_hyphen = was_hyphen = False
    for index, char in enumerate(text):
        if _hugo_kept(text, index, char):
            was_hyphen = char == "-"
            if pending_hyphen and not was_hyphen:
                out.append("-")
            pending_hyphen = False
            out.append(char)
        elif out and not was_hyphen and char.isspace():
            pending_hyphen = True
    result = "".join(out)
    if remove_accents:
        result = _without_accents(result)
    return result.lower() if lower else result


def _hugo_kept(text: str, index: int, char: str) -> bool:
    if char == " ":
        return False
    if char.isalpha() or unicodedata.category(char) == "Nd" or char in _HUGO_KEEP:
        return True
    if unicodedata.category(char)[0] == "M":
        return True
    return char == "%" and bool(re.match(r"%[0-9A-Fa-f]{2}", text[index : index + 3]))
