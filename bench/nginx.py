"""Reader requests per second: the app alone, behind deploy/'s nginx, and nginx serving files.

One run, the same URLs and the same bytes each way: the demo articles are loaded into a
fresh site served by gunicorn as `make serve` serves it; nginx runs the site file
`flask nginx-config` makes (TLS, HTTP/2 offered, the one-second micro-cache), and, in the
same nginx, a second TLS server hands out each page's gzip body as it came from the app,
saved as files (gzip_static). wrk asks each with gzip. The figure the deploy/ setup is
judged by is behind-nginx / files, which should be at least 80 %.

    apt-get install -y wrk nginx libnginx-mod-http-brotli-static
    .venv/bin/python bench/nginx.py                    # 10 s per run, -t2 -c32: about 2 minutes
    .venv/bin/python bench/nginx.py --duration 5 --connections 64

Everything listens on 127.0.0.1 and is stopped when the script ends.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.deploy_scenario import (  # noqa: E402
    MISSING_NGINX,
    app_env,
    app_server,
    copy_static,
    fetch,
    free_ports,
    nginx,
    nginx_available,
    render_site,
)
from tests.load_scenario import new_site  # noqa: E402

# What nginx passes the app: asked directly with these, the app writes the same page (its
# absolute links name https://localhost), so all three ways serve the same bytes.
AS_BEHIND_NGINX = {
    "Host": "localhost",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "localhost",
}

# The same bytes as files: each page's gzip body from the app, under its path.
FILES_SERVER = """\
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {certificate};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        root {root};
        location / {{
            gzip_static on;
            default_type text/html;
            try_files $uri/index.html =404;
        }}
    }}
"""


def app_page(port: int, path: str) -> bytes:
    """Return the app's gzip body for a path, asked directly."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip", **AS_BEHIND_NGINX})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200 or response.getheader("Content-Encoding") != "gzip":
            raise RuntimeError(
                f"{path}: {response.status} {response.getheader('Content-Encoding')}"
            )
        return body
    finally:
        connection.close()


def wrk(url: str, duration: int, connections: int, threads: int) -> float:
    """Return wrk's requests per second for one URL, asked with gzip as https://localhost."""
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "-H",
            "Accept-Encoding: gzip",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (2)")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="gunicorn workers (2 x cores)",
    )
    args = parser.parse_args()
    if not nginx_available():
        print(MISSING_NGINX, file=sys.stderr)
        return 2
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    site = new_site()
    folder = Path(tempfile.mkdtemp(prefix="blog-bench-nginx-"))
    try:
        app_port, https_port, http_port, files_port = free_ports(4)
        env = app_env(site)
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "webapp", "load-demo"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        static_root = copy_static(folder / "static")
        site_file = render_site(site, app_port, folder, static_root, https_port, http_port, env)
        with app_server(env, app_port, folder / "gunicorn.log", workers=args.workers):
            home = app_page(app_port, "/")
            article = re.search(rb'href="(/posts/[^"/]+/)"', gzip.decompress(home)).group(1)
            paths = ["/", article.decode()]
            files = folder / "files"
            for path in paths:
                target = files / path.strip("/") / "index.html"
                target.parent.mkdir(parents=True, exist_ok=True)
                body = app_page(app_port, path)
                target.with_suffix(".html.gz").write_bytes(body)
                target.write_bytes(gzip.decompress(body))
            extra = FILES_SERVER.format(
                port=files_port,
                root=files,
                certificate=folder / "localhost.crt",
                key=folder / "localhost.key",
            )
            workers = os.cpu_count() or 1
            with nginx(site_file, folder, https_port, http_port, workers=workers, extra=extra):
                print(
                    f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
                    f"Accept-Encoding: gzip; gunicorn {args.workers} workers, nginx "
                    f"{workers} workers, TLS to nginx; {os.cpu_count()} cores"
                )
                print(
                    f"{'path':<40} {'bytes':>7} {'app alone':>10} {'behind nginx':>13} "
                    f"{'nginx files':>12} {'behind/files':>13}"
                )
                ratios = []
                for path in paths:
                    proxied = fetch(https_port, path, headers={"Accept-Encoding": "gzip"})
                    direct = fetch(files_port, path, headers={"Accept-Encoding": "gzip"})
                    same = proxied.body == direct.body == app_page(app_port, path)
                    alone = wrk(
                        f"http://127.0.0.1:{app_port}{path}",
                        args.duration,
                        args.connections,
                        args.threads,
                    )
                    behind = wrk(
                        f"https://127.0.0.1:{https_port}{path}",
                        args.duration,
                        args.connections,
                        args.threads,
                    )
                    plain = wrk(
                        f"https://127.0.0.1:{files_port}{path}",
                        args.duration,
                        args.connections,
                        args.threads,
                    )
                    ratios.append(behind / plain)
                    print(
                        f"{path[:40]:<40} {len(direct.body):>7} {alone:>10.0f} "
                        f"{behind:>13.0f} {plain:>12.0f} {behind / plain:>12.0%}"
                        + ("" if same else "  (bytes differ!)")
                    )
                worst = min(ratios)
                verdict = "meets" if worst >= 0.8 else "misses"
                print(f"Behind nginx / files, worst path: {worst:.0%} ({verdict} the 80 % goal)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(site.instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
