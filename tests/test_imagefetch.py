"""Downloading one remote image: schemes, addresses, redirects, sizes and time, against a
local image host (reached only where the test allows private addresses)."""

from __future__ import annotations

import socket

import pytest

from tests.image_host import BIG_LIMIT, PNG, ImageHost
from webapp.services import imagefetch
from webapp.services.imagefetch import FetchError, FetchLimits, fetch, refusal

OPEN = FetchLimits(max_bytes=BIG_LIMIT, timeout=5, allow_private=True)
GUARDED = FetchLimits(max_bytes=BIG_LIMIT, timeout=5)


@pytest.fixture
def host():
    with ImageHost() as running:
        yield running


def test_an_image_is_downloaded_and_a_redirect_followed(host):
    assert fetch(host.url("/a.png"), OPEN) == PNG
    assert fetch(host.url("/moved.png"), OPEN) == PNG
    assert host.hits("/moved.png") == 1 and host.hits("/a.png") == 2


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing.png", "HTTP 404"),
        ("/big.png", "too large: over the 4 KB limit per image"),
        ("/big-streamed.png", "too large: over the 4 KB limit per image"),
        ("/loop-1.png", "too many redirects"),
    ],
)
def test_what_goes_wrong_is_said_in_plain_words(host, path, reason):
    with pytest.raises(FetchError) as refused:
        fetch(host.url(path), OPEN)
    assert str(refused.value) == reason


def test_a_slow_image_times_out(host):
    with pytest.raises(FetchError, match="^timed out$"):
        fetch(host.url("/slow.png"), FetchLimits(BIG_LIMIT, timeout=0.5, allow_private=True))


def test_a_deadline_before_the_timeout_ends_the_download(host):
    with pytest.raises(FetchError, match="^timed out$"):
        fetch(host.url("/a.png"), OPEN, deadline=0.0)
    assert host.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/a.png",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "data:image/png;base64,iVBORw0KGgo=",
        "javascript:alert(1)",
    ],
)
def test_only_http_and_https_are_downloaded(url):
    with pytest.raises(FetchError, match="only http and https"):
        fetch(url, OPEN)


def test_an_address_with_credentials_is_not_asked_for(host):
    with pytest.raises(FetchError, match="user name or password"):
        fetch(f"http://me:secret@127.0.0.1:{host.port}/a.png", OPEN)
    assert host.requests == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:{port}/a.png", "127.0.0.1 is a loopback address"),
        ("http://localhost:{port}/a.png", "localhost is"),
        ("http://[::1]:{port}/a.png", "::1 is a loopback address"),
        ("http://10.1.2.3/a.png", "10.1.2.3 is a private address"),
        ("http://192.168.1.1/a.png", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://0.0.0.0:{port}/a.png", "0.0.0.0 is an unspecified address"),
        ("http://[::ffff:127.0.0.1]:{port}/a.png", "a loopback address"),
        ("http://[fe80::1]/a.png", "a link-local address"),
        ("http://224.0.0.1/a.png", "a multicast address"),
        ("http://100.64.0.1/a.png", "not a public address"),
    ],
)
def test_private_addresses_are_refused_without_the_setting(host, url, why):
    with pytest.raises(FetchError, match="^refused address: ") as refused:
        fetch(url.format(port=host.port), GUARDED)
    assert why in str(refused.value)
    assert host.requests == []


def test_a_redirect_to_a_private_address_is_refused(host, monkeypatch):
    # The local host stands for a public image host here; where it sends the fetcher next
    # is checked again.
    checked = imagefetch.refusal
    monkeypatch.setattr(
        imagefetch, "refusal", lambda address: None if address == "127.0.0.1" else checked(address)
    )
    with pytest.raises(FetchError, match="refused address: 10.20.30.40 is a private address"):
        fetch(host.url("/to-private.png"), GUARDED)
    assert host.hits("/to-private.png") == 1


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> None:
    """Make host names resolve to the given addresses, as a (hostile) DNS server might."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            family = {4: socket.AF_INET, 6: socket.AF_INET6}
            return [
                (family[6 if ":" in a else 4], socket.SOCK_STREAM, 6, "", (a, port))
                for a in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(imagefetch.socket, "getaddrinfo", getaddrinfo)


def test_a_name_with_any_private_address_is_refused(host, monkeypatch):
    fake_dns(monkeypatch, {"cdn.example": ["93.184.215.14", "127.0.0.1"]})
    with pytest.raises(FetchError, match="cdn.example is 127.0.0.1, a loopback address"):
        fetch(f"http://cdn.example:{host.port}/a.png", GUARDED)
    assert host.requests == []


def test_the_connection_goes_to_the_address_that_was_checked(host, monkeypatch):
    # The name resolves once, to the address checked; no second look-up (which a rebinding
    # DNS server could answer with another address) decides where the connection goes.
    fake_dns(monkeypatch, {"img.example": ["127.0.0.1"]})
    checked = imagefetch.refusal
    monkeypatch.setattr(
        imagefetch, "refusal", lambda address: None if address == "127.0.0.1" else checked(address)
    )
    assert fetch(f"http://img.example:{host.port}/a.png", GUARDED) == PNG
    assert host.requests == [("/a.png", f"img.example:{host.port}")]


def test_an_unknown_host_and_a_closed_port_are_reported(monkeypatch):
    fake_dns(monkeypatch, {})
    with pytest.raises(FetchError, match="host name nowhere.invalid was not found"):
        fetch("https://nowhere.invalid/a.png", OPEN)
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()
    with pytest.raises(FetchError, match="could not connect to 127.0.0.1"):
        fetch(f"http://127.0.0.1:{port}/a.png", OPEN)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("93.184.215.14", None),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", None),
        ("127.0.0.2", "a loopback address"),
        ("172.16.0.9", "a private address"),
        ("2002:7f00:1::", "a loopback address"),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", "a private address"),  # NAT64 around 10.0.0.1
        ("fc00::1", "a private address"),
        ("240.0.0.1", "a reserved address"),
    ],
)
def test_refusal_names_the_kind_of_address(address, expected):
    assert refusal(address) == expected
