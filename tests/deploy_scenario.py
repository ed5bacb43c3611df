"""The deploy/ nginx site in front of gunicorn, both on 127.0.0.1, for tests and bench/nginx.py.

The site file is the one `flask nginx-config` makes for production, with a self-signed
certificate and free ports; nginx runs as Debian ships it (with the brotli_static module
when installed), as a foreground process of its own with a private prefix folder, so the
system's nginx service (if any) is neither used nor disturbed.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.load_scenario import ROOT, Server, Site, free_port, request, serve, stop_group

NGINX = "/usr/sbin/nginx"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
START_LIMIT = 60
REQUEST_TIMEOUT = 60
MISSING_NGINX = (
    "nginx is not installed (no /usr/sbin/nginx). The deploy/ tests run Debian's nginx in "
    "front of the app: apt-get install -y nginx libnginx-mod-http-brotli-static "
    "(.ci/run installs them)."
)

# What Debian's /etc/nginx/nginx.conf sets in the http context, so a site file that sets
# one of them again (a "duplicate directive" on a real server) fails here too.
MAIN_CONFIG = """\
{user}
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{modules}
events {{ worker_connections 1024; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {access_log};
    gzip on;
    include {site};
{extra}
}}
"""


def nginx_available() -> bool:
    """Tell whether Debian's nginx is installed."""
    return os.access(NGINX, os.X_OK)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for localhost; return (certificate, key)."""
    certificate, key = folder / "localhost.crt", folder / "localhost.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def copy_static(target: Path) -> Path:
    """Copy the project's static folder (links followed) and precompress it as deploying does.

    The copy keeps the checkout's own static folder free of .gz and .br files.
    """
    shutil.copytree(ROOT / "static", target, symlinks=False)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "webapp",
            "precompress-static",
            "--folder",
            str(target),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "INSTANCE_PATH": str(target.parent / "cli-instance")},
    )
    return target


@dataclass
class Front:
    """nginx in front of the app: its ports, folders and logs."""

    https_port: int
    http_port: int
    prefix: Path
    process: subprocess.Popen
    site_file: Path

    def error_log(self) -> str:
        """Return nginx's error log so far."""
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def render_site(
    site: Site,
    app_port: int,
    folder: Path,
    static_root: Path,
    https_port: int,
    http_port: int,
    env: dict[str, str],
) -> Path:
    """Make the site file with `flask nginx-config`, as a server's admin would."""
    certificate, key = make_certificate(folder)
    site_file = folder / "blog.conf"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "webapp",
            "nginx-config",
            "--server-name",
            "localhost",
            "--app-address",
            f"127.0.0.1:{app_port}",
            "--https-address",
            f"127.0.0.1:{https_port}",
            "--http-address",
            f"127.0.0.1:{http_port}",
            "--certificate",
            str(certificate),
            "--certificate-key",
            str(key),
            "--acme-root",
            str(folder / "acme"),
            "--cache-dir",
            str(folder / "cache"),
            "--static-root",
            str(static_root),
            "--output",
            str(site_file),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env=env,
    )
    return site_file


@contextlib.contextmanager
def nginx(
    site_file: Path,
    folder: Path,
    https_port: int,
    http_port: int,
    workers: int = 1,
    extra: str = "",
):
    """Run nginx in the foreground with the site file; yield the Front; stop it after.

    `extra` is more of the http context (bench/nginx.py adds a server of plain files).
    """
    if not nginx_available():
        raise RuntimeError(MISSING_NGINX)
    prefix = folder / "nginx"
    prefix.mkdir(exist_ok=True)
    main = prefix / "nginx.conf"
    main.write_text(
        MAIN_CONFIG.format(
            # A root master would run its workers as nobody, who cannot read a test's
            # private temporary folders; a real server runs them as www-data.
            user="user root;" if os.geteuid() == 0 else "",
            workers=workers,
            prefix=prefix,
            modules=f"load_module {BROTLI_MODULE};" if BROTLI_MODULE.exists() else "",
            access_log=prefix / "access.log",
            site=site_file,
            extra=extra,
        ),
        encoding="utf-8",
    )
    checked = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(prefix), "-c", str(main)], capture_output=True, text=True
    )
    if checked.returncode != 0:
        raise RuntimeError(f"nginx refused the site file:\n{checked.stderr}")
    process = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(main), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    front = Front(https_port, http_port, prefix, process, site_file)
    try:
        deadline = time.monotonic() + START_LIMIT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{front.error_log()[-2000:]}")
            with contextlib.suppress(OSError):
                if request(http_port, "GET", "/")[0] == 301:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not answer within {START_LIMIT} s")
            time.sleep(0.1)
        yield front
    finally:
        stop_group(process, 10)  # SIGTERM: nginx's fast shutdown


@dataclass
class Answer:
    """One response: status, headers (names in lower case; repeated ones joined) and body."""

    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str]
    alpn: str | None = None

    def header(self, name: str) -> str:
        """Return a header's value, or "" when absent."""
        return self.headers.get(name.lower(), "")


def tls_context(alpn: tuple[str, ...] = ("http/1.1",)) -> ssl.SSLContext:
    """Return a client context that accepts the test's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(list(alpn))
    return context


def fetch(
    port: int,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    alpn: tuple[str, ...] = ("http/1.1",),
) -> Answer:
    """Send one HTTPS request to nginx on 127.0.0.1 (as the host localhost)."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1", port, timeout=REQUEST_TIMEOUT, context=tls_context(alpn)
    )
    try:
        connection.request(
            method, path, body=body, headers={"Host": "localhost", **(headers or {})}
        )
        response = connection.getresponse()
        data = response.read()
        merged: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        cookies = [value for name, value in response.getheaders() if name.lower() == "set-cookie"]
        alpn_used = connection.sock.selected_alpn_protocol() if connection.sock else None
        return Answer(response.status, merged, data, cookies, alpn_used)
    finally:
        connection.close()


def negotiated_protocol(port: int) -> str | None:
    """Return the protocol nginx picks over TLS (ALPN) when offered HTTP/2 and HTTP/1.1."""
    context = tls_context(("h2", "http/1.1"))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as wrapped,
    ):
        return wrapped.selected_alpn_protocol()


def multipart(files: dict[str, bytes]) -> tuple[bytes, str]:
    """Return a multipart/form-data body holding the files, and its Content-Type."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, data in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def app_env(site: Site, **settings: str) -> dict[str, str]:
    """Return the environment the app runs with behind nginx: one trusted proxy, no job
    worker (uploads here are small enough to publish in the request), more settings."""
    env = site.env()
    env.update({"FLASK_TRUSTED_PROXIES": "1", "JOBS_WORKER": "none"})
    env.update({f"FLASK_{name}": value for name, value in settings.items()})
    return env


@contextlib.contextmanager
def app_server(env: dict[str, str], port: int, log_path: Path, workers: int = 2):
    """Serve the app with gunicorn as `make serve` does, its access log kept; yield the Server."""
    access = ("--access-logfile", str(log_path.with_suffix(".access.log")))
    with serve(env, port, log_path, workers, access) as server:
        yield server


def access_log(server: Server) -> str:
    """Return gunicorn's access log: every request that reached the app."""
    path = server.log_path.with_suffix(".access.log")
    return path.read_text(errors="replace") if path.exists() else ""


def free_ports(count: int) -> list[int]:
    """Return distinct free ports on 127.0.0.1."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports
