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
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC

import brotli
from flask import Response, current_app, request

from .. import clock
from ..i18n import current_language

# A reader pays for a cache miss, and a listing misses after every publish. Measured on a
# 21 KB listing page and a 66 KB article: brotli 5 takes 0.35 and 0.8 ms, brotli 9 takes 9
# and 12 ms for 2-5 % fewer bytes; gzip 6 and 9 differ by under 3 %.
BROTLI_QUALITY = 5
GZIP_LEVEL = 6
COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "br": lambda raw: brotli.compress(raw, quality=BROTLI_QUALITY),
    "gzip": lambda raw: gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0),
}


class CachedPage:
    """One rendered page, compressed into an encoding the first time a reader asks for it.

    Its entity tag is a hash of the HTML itself, not of the key: a new release's templates
    change a page whose key stays the same. `stored_at` (whole seconds, as HTTP dates go)
    is its Last-Modified: every change to what it shows makes a new entry, built later.
    """

    def __init__(self, html: str):
        self._bodies: dict[str | None, bytes] = {None: html.encode("utf-8")}
        self.etag = hashlib.sha256(self._bodies[None]).hexdigest()[:32]
        # The site clock's time: a scheduled article shows at its time, and the page then
        # built is dated from then on.
        self.stored_at = clock.now().replace(microsecond=0, tzinfo=UTC)

    def body(self, encoding: str | None) -> bytes:
        """Return the page in an encoding (None: uncompressed), compressing it once."""
        found = self._bodies.get(encoding)
        if found is None:
            # Two threads may both compress on a first request; either result is right.
            found = self._bodies[encoding] = COMPRESSORS[encoding](self._bodies[None])
        return found

    @property
    def size(self) -> int:
        """Return what this entry may come to hold, for the cache's budget.

        Counted before the compressed forms exist: HTML and XML compress to well under half,
        so both together stay below the uncompressed size again.
        """
        return 2 * len(self._bodies[None])


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

    build() may raise (a 404, a bad cursor): nothing is stored then. The interface
    language is part of every key.
    """
    cache: PageCache = current_app.extensions["page_cache"]
    # The same page in another interface language is another page.
    key = (current_language(), *key)
    page = cache.get(key)
    if page is None:
        page = CachedPage(build())
        cache.put(key, page)
    return page


def request_encoding() -> str | None:
    """Return the encoding this request's client prefers among ours (None: uncompressed)."""
    return preferred_encoding(request.headers.get("Accept-Encoding", ""))


def page_response(page: CachedPage, mimetype: str = "text/html") -> Response:
    """Answer with a stored page in the encoding the client prefers."""
    encoding = request_encoding()
    response = current_app.response_class(page.body(encoding), mimetype=mimetype)
    if encoding:
        # Already compressed: flask-compress leaves responses with an encoding alone.
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    return response
