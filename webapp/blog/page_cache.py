"""A per-process cache of finished pages, stored compressed, keyed by what they show.

A reader page is the same for every reader until the articles behind it change, so it is
rendered and compressed once; later readers get the stored bytes. Each key holds what the
page depends on, read by a cheap indexed query on every request (an article's dates and the
time its HTML was rendered; a fingerprint of the visible set, services/navigation.py): an
edit, a re-render, publishing, unpublishing or trashing all take effect at once, in every
worker, with no invalidation message.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import brotli
from flask import Response, current_app, request

# Compressed once per page, so the slower, smaller settings pay off.
BROTLI_QUALITY = 9
GZIP_LEVEL = 9


@dataclass(frozen=True)
class CachedPage:
    """One rendered page in each encoding a reader may ask for."""

    bodies: dict[str | None, bytes]

    @classmethod
    def build(cls, html: str) -> CachedPage:
        """Encode and compress a rendered page once."""
        raw = html.encode("utf-8")
        return cls(
            {
                None: raw,
                "br": brotli.compress(raw, quality=BROTLI_QUALITY),
                "gzip": gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0),
            }
        )

    @property
    def size(self) -> int:
        """Return the bytes this entry holds, for the cache's budget."""
        return sum(len(body) for body in self.bodies.values())


class PageCache:
    """A least-recently-used map from keys to pages, bounded by total bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> CachedPage | None:
        """Return the page stored under key, marking it recently used."""
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: CachedPage) -> None:
        """Store a page, dropping the least recently used ones past the byte budget."""
        if page.size > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            self._bytes -= old.size if old else 0
            self._pages[key] = page
            self._bytes += page.size
            while self._bytes > self.max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self._bytes -= dropped.size


def preferred_encoding(accept_encoding: str) -> str | None:
    """Pick br, then gzip, from an Accept-Encoding header (honouring q=0)."""
    offered = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        offered[name.strip()] = quality
    for encoding in ("br", "gzip"):
        if offered.get(encoding, offered.get("*", 0.0)) > 0:
            return encoding
    return None


def cached_page(key: tuple, build: Callable[[], str]) -> CachedPage:
    """Return the page stored under key, building and storing it on a miss.

    build() may raise (a 404, a bad cursor): nothing is stored then.
    """
    cache: PageCache = current_app.extensions["page_cache"]
    page = cache.get(key)
    if page is None:
        page = CachedPage.build(build())
        cache.put(key, page)
    return page


def page_response(page: CachedPage, mimetype: str = "text/html") -> Response:
    """Answer with a stored page in the encoding the client prefers."""
    encoding = preferred_encoding(request.headers.get("Accept-Encoding", ""))
    response = current_app.response_class(page.bodies[encoding], mimetype=mimetype)
    if encoding:
        # Already compressed: flask-compress leaves responses with an encoding alone.
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    return response
