"""A small image host on 127.0.0.1 for tests: what a CDN serves, and what goes wrong with one."""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.conftest import tiny_png

PNG = tiny_png(5, 4, (200, 40, 40))
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
    b'<rect width="20" height="10" fill="#0a7"/><script>alert(1)</script></svg>'
)
# Bigger than the limit the tests set (IMAGE_FETCH_MAX_SIZE = BIG_LIMIT).
BIG_LIMIT = 4096
BIG = PNG + b"\0" * (2 * BIG_LIMIT)


class ImageHost:
    """Serve fixed answers on 127.0.0.1 at a free port; record every request's path and Host."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.referers: dict[str, str | None] = {}  # path -> the Referer it was asked with
        self.stop = threading.Event()
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's API
                host.requests.append((self.path, self.headers.get("Host", "")))
                host.referers[self.path] = self.headers.get("Referer")
                host.answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> ImageHost:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        """Return the address of a path on this host."""
        return f"{self.origin}{path}"

    def hits(self, path: str) -> int:
        """Return how many requests asked for path."""
        return sum(1 for asked, _ in self.requests if asked == path)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one request by its path."""
        path = handler.path.split("?", 1)[0]
        if path in ("/a.png", "/b.png"):
            self.send(handler, 200, PNG, "image/png")
        elif path == "/pic.svg":
            self.send(handler, 200, SVG, "image/svg+xml")
        elif path == "/big.png":
            self.send(handler, 200, BIG, "image/png")
        elif path == "/big-streamed.png":
            self.stream_big(handler)
        elif path == "/slow.png":
            self.trickle(handler)
        elif path == "/page.png":
            self.send(handler, 200, b"<!doctype html><title>Not found</title>", "text/html")
        elif path == "/moved.png":
            self.redirect(handler, "/a.png")
        elif path == "/loop-1.png":
            self.redirect(handler, "/loop-2.png")
        elif path == "/loop-2.png":
            self.redirect(handler, "/loop-1.png")
        elif path == "/to-private.png":
            self.redirect(handler, "http://10.20.30.40/a.png")
        else:
            self.send(handler, 404, b"not here", "text/plain")

    @staticmethod
    def send(handler, status: int, body: bytes, kind: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    @staticmethod
    def redirect(handler, location: str) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    @staticmethod
    def stream_big(handler) -> None:
        """Send a large body without a Content-Length: only counting the bytes finds it."""
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.send_header("Connection", "close")
        handler.end_headers()
        with contextlib.suppress(OSError):
            handler.wfile.write(BIG)
        handler.close_connection = True

    def trickle(self, handler) -> None:
        """Send a PNG a byte at a time, slower than any test's timeout allows."""
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.send_header("Content-Length", str(len(PNG)))
        handler.end_headers()
        try:
            for byte in PNG:
                if self.stop.wait(0.2):
                    return
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
        except OSError:
            pass
