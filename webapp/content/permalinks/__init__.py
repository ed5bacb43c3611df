"""The addresses an article had on the site it comes from: Hexo, Jekyll, Hugo, or only
what its own front matter says (permalink, redirect_from, aliases, url).

Pure: the caller passes the bundle's detected Site (site.detect_site), the document's
path in the bundle, its front matter and title, and the blog's time zone. Addresses come
back as written by the old site (a path, maybe with a trailing slash or .html); the
caller cleans them (paths.clean_address) and decides which can be kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..messages import N_
from . import hexo, hugo, jekyll
from .paths import (
    MAX_ADDRESS_CHARS,
    AddressError,
    clean_address,
    hexo_slugize,
    hugo_urlize,
    jekyll_slugify,
)
from .site import HEXO, HUGO, JEKYLL, SETTINGS_FILES, Site, detect_site, site_around

FRONT_MATTER = "front matter"
AUTHOR = "author"
_RULES = {HEXO: hexo.addresses, JEKYLL: jekyll.addresses, HUGO: hugo.addresses}
# Keys that name an address outright, whichever tool wrote the file.
_OWN_KEYS = ("permalink", "url", "redirect_from", "aliases", "alias")

__all__ = [
    "AUTHOR",
    "FRONT_MATTER",
    "HEXO",
    "HUGO",
    "JEKYLL",
    "MAX_ADDRESS_CHARS",
    "SETTINGS_FILES",
    "AddressError",
    "OldAddresses",
    "Site",
    "clean_address",
    "detect_site",
    "hexo_slugize",
    "hugo_urlize",
    "jekyll_slugify",
    "old_addresses",
    "site_around",
]


@dataclass(frozen=True)
class OldAddresses:
    """The addresses a document had, each with its origin, and what could not be worked out."""

    found: list[tuple[str, str]] = field(default_factory=list)  # (address, origin)
    warnings: list[str] = field(default_factory=list)


def old_addresses(
    site: Site | None, path: str | None, front_matter: dict, title: str, timezone: ZoneInfo
) -> OldAddresses:
    """Return the addresses a document had on its old site, in the order they were found."""
    relative = site.relative(path) if site is not None and path else None
    if site is None or relative is None:
        return OldAddresses([(link, FRONT_MATTER) for link in _own_links(front_matter)])
    links, warnings = _RULES[site.generator](site, relative, front_matter, title, timezone)
    if site.problem:
        problem = N_("%(reason)s; its default addresses are used") % {"reason": site.problem}
        warnings = [problem, *warnings]
    unique = list(dict.fromkeys(_on_old_host(link, site) for link in links))
    return OldAddresses([(link, site.generator) for link in unique], warnings)


def _on_old_host(link: str, site: Site) -> str:
    """Return a full URL on the old site's own host (its url or baseURL) as a path."""
    if "://" not in link:
        return link
    configured = site.config.get("url") or site.config.get("baseurl") or ""
    old_host = urlsplit(str(configured)).hostname
    parts = urlsplit(link)
    return parts.path or "/" if old_host and parts.hostname == old_host else link


def _own_links(front_matter: dict) -> list[str]:
    """Return the addresses a lone file's front matter names; templates with :tokens skipped."""
    links: list[str] = []
    for key in _OWN_KEYS:
        value = front_matter.get(key)
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str) or not item.strip():
                continue
            text = item.strip()
            if key == "permalink" and ":" in text.split("://")[-1]:
                continue  # a Jekyll or Hexo pattern, which only its site's settings explain
            if key in ("aliases", "alias", "permalink") and not text.startswith(("/", "http")):
                text = "/" + text
            links.append(text)
    return list(dict.fromkeys(links))
