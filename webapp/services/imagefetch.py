"""Download one remote image: only http(s), only public addresses, within a size and a time.

A Markdown file names the URLs, so whoever uploads one chooses where the server connects.
The host name is resolved here, every address it resolves to is checked, and the
connection goes to a checked address (a second lookup by the HTTP library could answer
differently: DNS rebinding). Each redirect is checked the same way. No Flask: this runs
in the processes that render a bulk import's documents too.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from urllib.parse import urljoin, urlsplit

from ..content.messages import N_
from .bundle import format_size

REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024
# Image hosts that refuse clients without a browser-like name still serve this one.
USER_AGENT = "Mozilla/5.0 (compatible; blog image import)"
TIMED_OUT = N_("timed out")
# NAT64 addresses carry an IPv4 address in their last 32 bits.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """A download that gave no image; str() is the reason shown in the upload report."""


@dataclass(frozen=True)
class FetchLimits:
    """How far one image download may go."""

    max_bytes: int
    timeout: float  # seconds for one image, from the look-up to its last byte
    allow_private: bool = False  # private, loopback, link-local … addresses too

    @classmethod
    def from_config(cls, config: Mapping) -> FetchLimits:
        """Read IMAGE_FETCH_MAX_SIZE (None: MAX_FILE_SIZE), _TIMEOUT and _ALLOW_PRIVATE."""
        size = config.get("IMAGE_FETCH_MAX_SIZE") or config["MAX_FILE_SIZE"]
        return cls(
            max_bytes=int(size),
            timeout=float(config["IMAGE_FETCH_TIMEOUT"]),
            allow_private=bool(config["IMAGE_FETCH_ALLOW_PRIVATE"]),
        )


def refusal(address: str) -> str | None:
    """Return why the server must not connect to an IP address, or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        # An IPv6 address that carries an IPv4 one reaches that IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(str(embedded))
    for kind, flag in (
        (N_("a loopback address"), ip.is_loopback),
        (N_("a link-local address"), ip.is_link_local),
        (N_("a multicast address"), ip.is_multicast),
        (N_("an unspecified address"), ip.is_unspecified),
        (N_("a reserved address"), ip.is_reserved),
        (N_("a private address"), ip.is_private),
    ):
        if flag:
            return kind
    return None if ip.is_global else N_("not a public address")


def resolve(host: str, port: int, limits: FetchLimits) -> list[str]:
    """Return the addresses a host name stands for, each one checked; raise FetchError."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(_not_found(host)) from error
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise FetchError(_not_found(host))
    if not limits.allow_private:
        # Every address, not only the first: a name may mix public and private ones.
        for address in addresses:
            why = refusal(address)
            if why is not None:
                refused = N_("refused address: %(host)s is %(address)s, %(reason)s")
                raise FetchError(refused % {"host": host, "address": address, "reason": why})
    return addresses


def _not_found(host: str) -> str:
    return N_("the host name %(host)s was not found") % {"host": host}


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def _connection(scheme: str, host: str, port: int, address: str, timeout: float):
    """Return an HTTP(S) connection to `host` that connects to the checked `address` only.

    The Host header, SNI and the certificate check still use the host name.
    """
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=_tls())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)

    def connect_checked(_where, timeout, source_address=None):
        return socket.create_connection((address, port), timeout, source_address)

    connection._create_connection = connect_checked
    return connection


class _Clock:
    """The time left for one image: its own timeout, and the caller's deadline if sooner."""

    def __init__(self, timeout: float, deadline: float | None) -> None:
        self.end = time.time() + timeout
        if deadline is not None:
            self.end = min(self.end, deadline)

    def left(self) -> float:
        """Return the seconds left; raise FetchError when none are."""
        left = self.end - time.time()
        if left <= 0:
            raise FetchError(TIMED_OUT)
        return left


def _target(url: str) -> tuple[str, str, int, str]:
    """Return (scheme, host, port, path with query) of a URL the fetcher may ask for."""
    if url.startswith("//"):
        url = "https:" + url  # protocol-relative: readers load it over https
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchError(N_("not a valid address")) from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(N_("only http and https addresses are downloaded"))
    if parts.username is not None or parts.password is not None:
        raise FetchError(N_("addresses with a user name or password are not downloaded"))
    if not parts.hostname:
        raise FetchError(N_("the address names no host"))
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise FetchError(N_("the host name is not valid")) from error
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), path


def fetch(url: str, limits: FetchLimits, *, deadline: float | None = None) -> bytes:
    """Download the bytes at an http(s) URL, following a few checked redirects.

    `deadline` (a time.time() value) ends the download sooner than its own timeout.
    Raise FetchError with the reason in plain words: HTTP 404, too large, timed out …
    """
    clock = _Clock(limits.timeout, deadline)
    for _hop in range(MAX_REDIRECTS + 1):
        location = _fetch_once(url, limits, clock)
        if isinstance(location, bytes):
            return location
        url = location
    raise FetchError(N_("too many redirects"))


def _fetch_once(url: str, limits: FetchLimits, clock: _Clock) -> bytes | str:
    """Ask for one URL; return its bytes, or the URL a redirect points to."""
    scheme, host, port, path = _target(url)
    if limits.allow_private:
        addresses = resolve(host, port, limits)
    else:
        try:
            # An address literal needs no look-up, but is checked all the same.
            ipaddress.ip_address(host)
        except ValueError:
            addresses = resolve(host, port, limits)
        else:
            why = refusal(host)
            if why is not None:
                refused = N_("refused address: %(host)s is %(reason)s")
                raise FetchError(refused % {"host": host, "reason": why})
            addresses = [host]
    failure: Exception | None = None
    for address in addresses:
        connection = _connection(scheme, host, port, address, clock.left())
        try:
            return _exchange(connection, url, path, limits, clock)
        except TimeoutError:
            raise FetchError(TIMED_OUT) from None
        except (ssl.SSLError, ssl.CertificateError) as error:
            failed = N_("the secure connection failed (%(name)s)")
            raise FetchError(failed % {"name": error.__class__.__name__}) from None
        except ConnectionRefusedError as error:
            failure = error  # the next address may answer
        except (OSError, http.client.HTTPException) as error:
            if getattr(connection, "sock", None) is not None:
                raise FetchError(N_("the connection broke off")) from None
            failure = error
        finally:
            connection.close()
    raise FetchError(N_("could not connect to %(host)s") % {"host": host}) from failure


def _exchange(connection, url: str, path: str, limits: FetchLimits, clock: _Clock) -> bytes | str:
    connection.request(
        "GET",
        path,
        headers={"User-Agent": USER_AGENT, "Accept": "image/*", "Accept-Encoding": "identity"},
    )
    # Kept here: a "Connection: close" answer has http.client forget the connection's socket.
    sock = connection.sock
    sock.settimeout(clock.left())
    response = connection.getresponse()
    if response.status in REDIRECTS:
        location = response.getheader("Location")
        if not location:
            raise FetchError(N_("HTTP %(status)s without a Location") % {"status": response.status})
        return urljoin(url, location.strip())
    if response.status != 200:
        raise FetchError(f"HTTP {response.status}")
    too_large = N_("too large: over the %(limit)s limit per image") % {
        "limit": format_size(limits.max_bytes)
    }
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > limits.max_bytes:
        raise FetchError(too_large)
    chunks, size = [], 0
    while True:
        sock.settimeout(clock.left())
        # read1: at most one receive, so a host trickling bytes cannot outlast the clock.
        chunk = response.read1(min(CHUNK_BYTES, limits.max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(too_large)
    return b"".join(chunks)
