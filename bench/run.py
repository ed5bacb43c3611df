"""The main benchmark: fill a database, then time publishing, paging, article pages and bytes.

    .venv/bin/python bench/run.py                      # 10,000 articles, wrk for 10 s per run
    .venv/bin/python bench/run.py --articles 2000 --duration 5
    .venv/bin/python bench/run.py --reuse --instance /tmp/blog-bench-x   # data already filled

It prints figures and never asserts. Every request goes to 127.0.0.1, every loop is
bounded in count and time, and the gunicorn servers it starts are stopped at the end.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

from procs import stop_group

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_ENCODING = {"Accept-Encoding": "br, gzip"}
FRAGMENT = {"HX-Request": "true"}
TYPICAL_DATE = "2018-06-01 12:00:00"  # older than every generated article: end of the listing
DEEP_PAGE = 800

# Targets from the product spec.
TARGET_INDEX_KB = 60
TARGET_ARTICLE_KB = 120
TARGET_PUBLISH_MS = 300
TARGET_DEEP_RATIO = 1.5
TARGET_ARTICLE_MEDIAN_MS = 5
TARGET_ARTICLE_RPS = 1000


# --- Small helpers ---------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile (share in 0..1) of the values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ms(value: float) -> str:
    """Format milliseconds with two decimals."""
    return f"{value:.2f} ms"


def kb(size: float) -> str:
    """Format a byte count in KB (1,000 bytes) with one decimal."""
    return f"{size / 1000:.1f} KB"


def section(title: str) -> None:
    """Print a section heading."""
    print()
    print(title)
    print("-" * len(title))


@dataclass
class Summary:
    """The figures that have a target, collected for the closing table."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, name: str, measured: str, target: str, met: bool | None) -> None:
        verdict = "n/a" if met is None else ("meets" if met else "MISSES")
        self.rows.append((name, measured, target, verdict))

    def print(self) -> None:
        section("Summary against the product spec")
        widths = [max(len(row[i]) for row in self.rows) for i in range(4)] if self.rows else []
        header = ("figure", "measured", "target", "")
        widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
        for row in [header, *self.rows]:
            print(
                "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            )


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages (other work on the machine skews figures)."""
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "unknown"


def machine() -> dict[str, str]:
    """Describe the machine the figures come from."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        total = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory = f"{int(total) / 1e6:.1f} GB"
    wrk = shutil.which("wrk")
    return {
        "load average": load_average(),
        "cores (nproc)": str(os.cpu_count()),
        "CPU": model,
        "memory": memory,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "wrk": wrk or "not installed",
        "chromium": CHROMIUM if Path(CHROMIUM).exists() else "not installed",
    }


# --- a. Publishing ---------------------------------------------------------------------


def publish_worker(instance: str, database: str | None, runs: int) -> None:
    """Publish runs+1 typical articles in this fresh process; print timings as JSON.

    The first is the cold run (V8 context and KaTeX script loaded, Markdown extensions
    and Pygments lexers imported on first use). Before every run the KaTeX result cache
    is emptied, so each formula really goes through V8. The articles are deleted again.
    """
    sys.path.insert(0, str(BENCH))
    import markdown
    from fill import make_app
    from generate import typical_article

    import webapp.content.document as document
    import webapp.content.katex as katex
    import webapp.content.render as render
    import webapp.services.publishing as publishing
    from webapp.extensions import db
    from webapp.models import Article
    from webapp.services.publishing.writer import ArticleWriter
    from webapp.services.search.indexer import remove_documents

    spent: dict[str, float] = {}

    def timed(name: str, function: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    # Wrap what publish() calls where its callers look the names up (document.py imports
    # split_front_matter, render_markdown and derive by name, render.py sanitize_html, and
    # render.py calls katex.render_many through the module). A name the app no longer has
    # is reported, so the breakdown never silently shows 0 for it.
    unwrapped = []
    for owner, name, label in [
        (document, "split_front_matter", "front matter"),
        (document, "render_markdown", "render"),
        (markdown.Markdown, "convert", "markdown"),
        (katex, "render_many", "katex"),
        (render, "sanitize_html", "sanitize"),
        (document, "derive", "derive"),
        (ArticleWriter, "commit", "commit"),
    ]:
        if hasattr(owner, name):
            setattr(owner, name, timed(label, getattr(owner, name)))
        else:
            unwrapped.append(f"{owner.__name__}.{name}")

    app = make_app(instance, database)
    runs_out = []
    tag = f"{os.getpid()}-{int(time.time())}"
    texts = [
        typical_article(i, slug=f"bench-typical-{tag}-{i}", date=TYPICAL_DATE)
        for i in range(runs + 1)
    ]
    with app.app_context():
        published = []
        try:
            for text in texts:
                katex.cache_clear()
                spent.clear()
                started = time.perf_counter()
                result = publishing.publish(text)
                total = time.perf_counter() - started
                published.append(result.article.id)
                runs_out.append(
                    {
                        "total": total * 1000,
                        "outcome": result.outcome,
                        "warnings": len(result.warnings),
                        "chars": len(text),
                        "html": len(result.article.html),
                        **{name: seconds * 1000 for name, seconds in spent.items()},
                    }
                )
        finally:
            db.session.rollback()
            # The writer wrote search rows beside each article; they go with it.
            remove_documents(db.session.connection(), published)
            for article_id in published:
                article = db.session.get(Article, article_id)
                if article is not None:
                    db.session.delete(article)
            db.session.commit()
    print(json.dumps({"runs": runs_out, "unwrapped": unwrapped}))


def bench_publish(env: dict, runs: int, summary: Summary) -> None:
    """a. Time publish() of a typical article in a fresh process: cold, then warm runs."""
    section("a. Publish one typical article through publish()")
    command = [sys.executable, __file__, "--publish-worker", "--runs", str(runs)]
    done = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        print("  publish worker failed:\n" + done.stderr[-2000:])
        return
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    results = answer["runs"]
    cold, warm = results[0], results[1:]
    first = results[0]
    print(
        f"  article: {first['chars']:,} characters, 3 code blocks (python, sql, cpp), "
        f"20 formulas (14 inline, 5 display, 1 aligned); stored HTML {first['html']:,} bytes"
    )
    outcomes = {r["outcome"] for r in results}
    warnings = sum(r["warnings"] for r in results)
    print(f"  outcomes: {', '.join(sorted(outcomes))}; warnings: {warnings}")
    if answer["unwrapped"]:
        print(f"  not timed (no longer in the app): {', '.join(answer['unwrapped'])}")
    print(f"  cold (first publish in a new process):    {ms(cold['total'])}")
    totals = [r["total"] for r in warm]
    median, p95 = statistics.median(totals), percentile(totals, 0.95)
    print(
        f"  warm, {len(warm)} different articles, KaTeX cache emptied before each: "
        f"median {ms(median)}, p95 {ms(p95)}, min {ms(min(totals))}, max {ms(max(totals))}"
    )
    for r in results:
        for part in ("front matter", "markdown", "katex", "sanitize", "render", "derive"):
            r.setdefault(part, 0.0)
        r.setdefault("commit", 0.0)
        r["render rest"] = r["render"] - r["markdown"] - r["katex"] - r["sanitize"]
        r["other"] = r["total"] - r["render"] - r["derive"] - r["front matter"] - r["commit"]
    rows = [
        ("front matter split (YAML)", "front matter"),
        ("Markdown.convert incl. Pygments", "markdown"),
        ("katex.render_many (20 formulas, V8)", "katex"),
        ("sanitize_html (nh3)", "sanitize"),
        ("math protection, regex passes", "render rest"),
        ("derive (text, excerpt, search, feed)", "derive"),
        ("ArticleWriter.commit (flush, search rows, commit)", "commit"),
        ("ORM lookups, flush, rest", "other"),
    ]
    print("  where the time goes (warm median | cold):")
    for label, key in rows:
        warm_median = statistics.median(r[key] for r in warm)
        print(f"    {label:<50} {ms(warm_median):>10} | {ms(cold[key])}")
    summary.add(
        "a. publish typical article (warm median)",
        ms(median),
        f"< {TARGET_PUBLISH_MS} ms",
        median < TARGET_PUBLISH_MS,
    )
    summary.add("a. publish typical article (warm p95)", ms(p95), f"< {TARGET_PUBLISH_MS} ms", None)
    summary.add(
        "a. publish typical article (cold)", ms(cold["total"]), f"< {TARGET_PUBLISH_MS} ms", None
    )


# --- Servers and clients ---------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running gunicorn: its port, its master process and the file it logs to."""

    port: int
    process: subprocess.Popen
    log_path: Path
    stopped: list[str] = field(default_factory=list)  # what was still running at the end

    def log(self) -> str:
        """Return what gunicorn and the job worker have written so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def gunicorn_server(
    env: dict,
    workers: int,
    *,
    log_level: str = "warning",
    log_path: Path | None = None,
    start_limit: float = 60,
) -> Iterator[Server]:
    """Run gunicorn on 127.0.0.1 as `make serve` does; yield it; stop all it started.

    It starts in the project root with ./gunicorn.conf.py (KaTeX warmed in each worker,
    the job worker beside them, its timeouts and JSON access log on standard output).
    It runs in a session of its own, so a Ctrl-C reaches only this script, which then
    stops gunicorn, the job worker and its rendering pool by their process group.
    log_path keeps the log (the caller deletes it); without one it goes to a temp file.
    """
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"),
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        log_level,
        "webapp:create_app()",
    ]
    own_log = log_path is None
    if own_log:
        handle, name = tempfile.mkstemp(prefix="blog-bench-gunicorn-", suffix=".log")
        os.close(handle)
        log_path = Path(name)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, process, log_path)
    try:
        deadline = time.monotonic() + start_limit
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = server.log()[-1500:]
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tail}")
            with contextlib.suppress(OSError):
                if get(port, "/")[0] == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not answer within {start_limit:.0f} s")
        yield server
    finally:
        server.stopped = stop_group(process)
        if own_log:
            log_path.unlink(missing_ok=True)


@contextlib.contextmanager
def gunicorn(env: dict, workers: int) -> Iterator[int]:
    """Run gunicorn on 127.0.0.1 with the filled data; yield its port; stop it afterwards."""
    with gunicorn_server(env, workers) as server:
        yield server.port


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    """GET a path on 127.0.0.1 over a new connection; return status, body, headers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        return response.status, body, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


@dataclass
class Latency:
    """Latencies of one URL with one client."""

    label: str
    times: list[float]
    status: set[int]
    size: int
    encoding: str
    cards: int

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p99(self) -> float:
        return percentile(self.times, 0.99)


def measure(port: int, label: str, path: str, headers: dict, count: int, limit: float) -> Latency:
    """Time `count` sequential requests (at most `limit` seconds), after 10 warm-up requests."""
    for _ in range(10):
        get(port, path, headers)
    times, statuses = [], set()
    size, encoding, body = 0, "", b""
    deadline = time.monotonic() + limit
    for _ in range(count):
        started = time.perf_counter()
        status, body, response_headers = get(port, path, headers)
        times.append((time.perf_counter() - started) * 1000)
        statuses.add(status)
        size = len(body)
        encoding = response_headers.get("content-encoding", "identity")
        if time.monotonic() > deadline:
            break
    cards = body.count(b'<article class="card"') if encoding == "identity" else -1
    return Latency(label, times, statuses, size, encoding, cards)


def print_latency(result: Latency) -> None:
    """Print one latency row."""
    cards = f", {result.cards} cards" if result.cards > 0 else ""
    print(
        f"  {result.label:<44} median {ms(result.median):>9}  p99 {ms(result.p99):>9}  "
        f"n={len(result.times)}  {result.size:,} B {result.encoding}"
        f"  status {','.join(map(str, sorted(result.status)))}{cards}"
    )


# --- b, c. Latency with one client ------------------------------------------------------


@dataclass
class Targets:
    """The URLs measured: the article page and the cursors of the pages."""

    article_slug: str
    article_chars: int
    second_cursor: str
    deep_cursor: str
    deep_page: int
    total: int
    own_html: bool


def find_targets(instance: str, database: str | None, rendered: list[str]) -> Targets:
    """Pick the article to load and compute the cursors from the listing's ordering.

    The article is one of `rendered` (slugs filled through publish(), so its HTML comes
    from its own source) with math and code, closest to 5,000 characters.
    """
    sys.path.insert(0, str(BENCH))
    from fill import make_app
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import PUBLISHED, Article
    from webapp.services.listing import Cursor

    app = make_app(instance, database)
    with app.app_context():
        per_page = app.config["CARDS_PER_PAGE"]
        total = db.session.scalar(select(func.count(Article.id)).where(Article.status == PUBLISHED))
        candidates = (
            select(Article.slug, func.length(Article.source_md))
            .where(
                Article.status == PUBLISHED,
                Article.html.contains('class="math '),
                Article.html.contains('class="highlight'),
            )
            .order_by(func.abs(func.length(Article.source_md) - 5000))
            .limit(1)
        )
        chosen = db.session.execute(candidates.where(Article.slug.in_(rendered))).first()
        slug, chars = chosen or db.session.execute(candidates).one()
        own_html = chosen is not None
        ordering = (
            select(Article.updated_at, Article.id)
            .where(Article.status == PUBLISHED)
            .order_by(Article.updated_at.desc(), Article.id.desc())
        )
        last_page = max(1, -(-total // per_page))
        deep = min(DEEP_PAGE, last_page)

        def cursor_before(page: int) -> str:
            # The page starts after the last card of the page before it.
            row = db.session.execute(ordering.offset((page - 1) * per_page - 1).limit(1)).one()
            return Cursor(row.updated_at, row.id).encode()

        return Targets(slug, chars, cursor_before(2), cursor_before(deep), deep, total, own_html)


def bench_latency(env: dict, targets: Targets, count: int, summary: Summary) -> None:
    """b, c. Single-client latency against gunicorn (1 sync worker), new connection each."""
    section("b, c. Latency with one client (gunicorn, 1 sync worker, one request at a time)")
    print(
        f"  {targets.total:,} published articles; page {targets.deep_page} is reached with "
        f"?after={targets.deep_cursor} (cursor of the last card of page {targets.deep_page - 1},"
        " computed from ORDER BY updated_at DESC, id DESC)"
    )
    origin = "rendered by publish() from its own source"
    if not targets.own_html:
        origin = "HTML borrowed from a sample: pass the --articles/--sample used to fill"
    print(
        f"  article: /posts/{targets.article_slug}/ ({targets.article_chars:,} characters of "
        f"Markdown with math and code; {origin})"
    )
    article = f"/posts/{targets.article_slug}/"
    rows = [
        ("b. fragment, page 1 (/ + HX-Request)", "/", FRAGMENT),
        ("b. fragment, page 2 (?after=...)", f"/?after={targets.second_cursor}", FRAGMENT),
        (
            f"b. fragment, page {targets.deep_page} (?after=...)",
            f"/?after={targets.deep_cursor}",
            FRAGMENT,
        ),
        ("b. fragment, page 1, br/gzip", "/", {**FRAGMENT, **BROWSER_ENCODING}),
        ("   full page / (no HX-Request)", "/", {}),
        (f"   full page /?page={targets.deep_page} (OFFSET)", f"/?page={targets.deep_page}", {}),
        ("c. article page", article, {}),
        ("c. article page, br/gzip", article, BROWSER_ENCODING),
    ]
    # Pages are served from each worker's page cache once rendered; with the cache off
    # (PAGE_CACHE_BYTES=0) every request queries the database and renders: the cost of a
    # first reader after a change, and the honest test of "page 800 costs what page 1 does".
    uncached_rows = [row for row in rows if not row[0].endswith("br/gzip")]
    uncached = {}
    print("  page cache off (every request queries the database and renders the page):")
    with gunicorn({**env, "FLASK_PAGE_CACHE_BYTES": "0"}, workers=1) as port:
        for label, path, headers in uncached_rows:
            uncached[label] = measure(port, label, path, headers, count, limit=60)
            print_latency(uncached[label])
    results = {}
    print("  page cache on (the default; after the warm-up requests, pages come from memory):")
    with gunicorn(env, workers=1) as port:
        for label, path, headers in rows:
            results[label] = measure(port, label, path, headers, count, limit=60)
            print_latency(results[label])
    for name, found in (("cache off", uncached), ("cache on", results)):
        first, second, deep = (found[row[0]] for row in rows[:3])
        ratio = deep.median / first.median
        print(
            f"  {name}: ratio page {targets.deep_page} / page 1 (medians): {ratio:.2f}; "
            f"page {targets.deep_page} / page 2: {deep.median / second.median:.2f}"
        )
        summary.add(
            f"b. fragment page {targets.deep_page} / page 1, {name}",
            f"{ratio:.2f}x ({ms(deep.median)} / {ms(first.median)})",
            f"<= {TARGET_DEEP_RATIO}x",
            ratio <= TARGET_DEEP_RATIO,
        )
    first, deep = results[rows[0][0]], results[rows[2][0]]
    summary.add("b. fragment page 1 p99", ms(first.p99), "-", None)
    summary.add(f"b. fragment page {targets.deep_page} p99", ms(deep.p99), "-", None)
    plain = results[rows[6][0]]
    summary.add(
        "c. article page median (identity)",
        ms(plain.median),
        f"< {TARGET_ARTICLE_MEDIAN_MS} ms",
        plain.median < TARGET_ARTICLE_MEDIAN_MS,
    )
    brotli = results[rows[7][0]]
    summary.add(
        "c. article page median (br)",
        ms(brotli.median),
        f"< {TARGET_ARTICLE_MEDIAN_MS} ms",
        brotli.median < TARGET_ARTICLE_MEDIAN_MS,
    )
    summary.add("c. article page p99 (identity)", ms(plain.p99), "-", None)


# --- d. Throughput -----------------------------------------------------------------------

_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * _WRK_UNITS[match.group(2)] if match else math.nan


def run_wrk(port: int, path: str, headers: dict, duration: int) -> dict:
    """Run wrk against a path; return requests/s, latency percentiles and errors."""
    command = ["wrk", "-t2", "-c32", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    out = done.stdout
    result = {"command": " ".join(command[:-1]) + " URL", "raw": out}
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    result["rps"] = float(match.group(1)) if match else math.nan
    for share in ("50", "99"):
        match = re.search(rf"^\s+{share}%\s+(\S+)", out, re.MULTILINE)
        result[f"p{share}"] = _wrk_ms(match.group(1)) if match else math.nan
    match = re.search(r"Transfer/sec:\s+(\S+)", out)
    result["transfer"] = match.group(1) if match else "?"
    match = re.search(r"(\d+) requests in", out)
    result["requests"] = int(match.group(1)) if match else 0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non2xx"] = int(match.group(1)) if match else 0
    match = re.search(r"Socket errors: (.*)", out)
    result["errors"] = match.group(1).strip() if match else "none"
    return result


def run_python_load(port: int, path: str, headers: dict, duration: int) -> dict:
    """Fallback load: 8 threads with http.client, bounded by time and 200,000 requests."""
    deadline = time.monotonic() + duration
    lock = threading.Lock()
    times: list[float] = []
    failures = [0]

    def client() -> None:
        local, bad = [], 0
        while time.monotonic() < deadline and len(local) < 25_000:
            started = time.perf_counter()
            try:
                status = get(port, path, headers)[0]
            except OSError:
                status = 0
            local.append((time.perf_counter() - started) * 1000)
            bad += status != 200
        with lock:
            times.extend(local)
            failures[0] += bad

    threads = [threading.Thread(target=client) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "command": "python threads x8 (http.client)",
        "rps": len(times) / elapsed,
        "p50": percentile(times, 0.5),
        "p99": percentile(times, 0.99),
        "transfer": "?",
        "requests": len(times),
        "non2xx": failures[0],
        "errors": "none",
    }


def bench_throughput(port: int, workers: int, targets: Targets, duration: int, summary: Summary):
    """d. Requests per second for / and an article page, plain and with br/gzip."""
    section(f"d. Throughput (gunicorn, {workers} sync workers, 127.0.0.1)")
    have_wrk = shutil.which("wrk") is not None
    if have_wrk:
        print(f"  wrk -t2 -c32 -d{duration}s --latency; wrk runs on the same machine as the server")
    else:
        print(
            "  wrk is not on PATH (Debian: apt-get install -y wrk). Falling back to a Python "
            "load generator (8 threads, http.client); its own CPU use caps the figures."
        )
    article = f"/posts/{targets.article_slug}/"
    runs = [
        ("/", "/", {}),
        ("/ br,gzip", "/", BROWSER_ENCODING),
        ("article", article, {}),
        ("article br,gzip", article, BROWSER_ENCODING),
        # The lightest request Flask serves here: what gunicorn + Flask cost without the app.
        ("ceiling: site.js", "/static/js/site.js", {}),
    ]
    results = {}
    for label, path, headers in runs:
        for _ in range(20):  # every worker has rendered this page before timing starts
            get(port, path, headers)
        if have_wrk:
            result = run_wrk(port, path, headers, duration)
        else:
            result = run_python_load(port, path, headers, duration)
        results[label] = result
        print(
            f"  {label:<18} {result['rps']:>9.1f} req/s   p50 {ms(result['p50']):>10}   "
            f"p99 {ms(result['p99']):>10}   {result['requests']:>7} requests  "
            f"transfer {result['transfer']}/s  non-2xx {result['non2xx']}  "
            f"socket errors: {result['errors']}"
        )
    for label in ("article", "article br,gzip"):
        rps = results[label]["rps"]
        summary.add(
            f"d. {label} req/s",
            f"{rps:.1f}",
            f">= {TARGET_ARTICLE_RPS:,}",
            rps >= TARGET_ARTICLE_RPS,
        )
    for label in ("/", "/ br,gzip"):
        summary.add(f"d. {label} req/s", f"{results[label]['rps']:.1f}", "-", None)


# --- e. Bytes of a first visit ---------------------------------------------------------


def first_visit(browser, port: int, path: str) -> tuple[str | None, list[tuple], int]:
    """Load a page in a fresh browser context; return Accept-Encoding, requests, total bytes."""
    context = browser.new_context()
    try:
        page = context.new_page()
        requests = []
        # A lambda, not requests.append: Playwright cannot register a builtin method.
        page.on("request", lambda request: requests.append(request))
        page.goto(f"http://127.0.0.1:{port}{path}", wait_until="load", timeout=30_000)
        page.evaluate("document.fonts.ready.then(() => document.fonts.size)")
        with contextlib.suppress(Exception):
            page.wait_for_load_state("networkidle", timeout=5_000)
        sent = requests[0].all_headers().get("accept-encoding") if requests else None
        rows, total = [], 0
        for request in requests:
            shown = request.url.replace(f"http://127.0.0.1:{port}", "")
            shown = re.sub(r"\?v=[0-9a-f]+$", "", shown)
            try:
                sizes = request.sizes()
            except Exception as error:  # a request that never completed
                rows.append((request.resource_type, "-", f"failed: {error}", 0, shown))
                continue
            response = request.response()
            headers = response.all_headers() if response else {}
            size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            total += size
            encoding = headers.get("content-encoding") or "-"
            status = response.status if response else "-"
            rows.append((request.resource_type, status, encoding, size, shown))
        return sent, rows, total
    finally:
        context.close()


def bench_bytes(port: int, targets: Targets, summary: Summary) -> None:
    """e. What a first visit transfers, as Chromium fetches it (every request, encoded)."""
    section("e. Bytes transferred by a first visit (Chromium, empty cache)")
    if not Path(CHROMIUM).exists():
        print(f"  Chromium not found at {CHROMIUM} (Debian: apt-get install chromium); skipped.")
        return
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("  Playwright is not installed (pip install -e '.[test]'); skipped.")
        return
    pages = [
        ("/", "/", TARGET_INDEX_KB),
        ("article with math", f"/posts/{targets.article_slug}/", TARGET_ARTICLE_KB),
    ]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"  Chromium {browser.version}; size = encoded body + response headers")
            for label, path, target in pages:
                sent, rows, total = first_visit(browser, port, path)
                print(f"  {label} ({path}), Accept-Encoding sent: {sent}")
                for kind, status, encoding, size, shown in rows:
                    print(f"    {kind:<10} {status:>3} {encoding:<5} {size:>8,} B  {shown}")
                print(f"    total {len(rows)} requests, {kb(total)} (target <= {target} KB)")
                verdict = total <= target * 1000
                summary.add(f"e. first visit {label}", kb(total), f"<= {target} KB", verdict)
            browser.close()
    except Exception as error:  # a browser problem must not lose the other figures
        print(f"  browser measurement failed: {type(error).__name__}: {error}")


# --- f. Where the time of a read goes (in-process) ---------------------------------------


def median_ms(function: Callable, count: int, limit: float = math.inf) -> float:
    """Return the median milliseconds of `count` calls, stopping early after `limit` seconds."""
    times = []
    deadline = time.monotonic() + limit
    for _ in range(count):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
        if time.monotonic() > deadline:
            break
    return statistics.median(times)


def bench_breakdown(instance: str, database: str | None, targets: Targets, count: int) -> None:
    """f. Split a read into query, template and compression; time two alternative queries."""
    section("f. Where a read's time goes (in-process, median of repeated calls)")
    import gzip

    import brotli
    from flask import render_template
    from sqlalchemy import and_, func, or_, select

    from webapp.extensions import db
    from webapp.models import Article, SearchDocument
    from webapp.services import listing

    sys.path.insert(0, str(BENCH))
    from fill import make_app

    def line(label: str, function: Callable, note: str = "", times: int = count) -> None:
        print(f"  {label:<60} {ms(median_ms(function, times)):>10}{note}")

    def fresh(function: Callable) -> Callable:
        # Empty the identity map after each call: measure loading rows, not reusing them.
        def call():
            result = function()
            db.session.expunge_all()
            return result

        return call

    app = make_app(instance, database)
    criteria = listing.everything()
    number, per_page = targets.deep_page, 12
    client = app.test_client()
    with app.test_request_context("/", headers=FRAGMENT):
        deep = listing.Cursor.decode(targets.deep_cursor)
        order = (Article.updated_at.desc(), Article.id.desc())

        def seekable():
            # Same rows as the app's cursor predicate, plus a range the index can seek to.
            after = and_(
                Article.updated_at <= deep.moment,
                or_(Article.updated_at < deep.moment, Article.id < deep.article_id),
            )
            return listing._fetch(listing._cards(criteria).where(after), per_page)

        def offset_ids_first():
            # OFFSET over the covering index only, then load the 13 rows by id.
            ids = select(Article.id).where(*criteria).order_by(*order)
            ids = ids.offset((number - 1) * per_page).limit(per_page + 1)
            chosen = list(db.session.scalars(ids))
            rows = listing._cards(criteria).where(Article.id.in_(chosen))
            return list(db.session.scalars(rows).unique())

        print("  listing (the app's service functions unless marked 'alternative'):")
        line("page 1, listing.page_after", fresh(lambda: listing.page_after(criteria, None, 12)))
        line(
            f"page {number}, listing.page_after(cursor)",
            fresh(lambda: listing.page_after(criteria, targets.deep_cursor, 12)),
        )
        line(
            f"page {number}, alternative: updated_at <= t AND (... OR ...)",
            fresh(seekable),
        )
        line(
            f"page {number}, listing.page_number (OFFSET)",
            fresh(lambda: listing.page_number(criteria, number, 12)),
            times=min(count, 20),
        )
        line(
            f"page {number}, alternative: OFFSET over ids, then 13 rows",
            fresh(offset_ids_first),
            times=min(count, 20),
        )
        line("listing.count (numbered pager, full page only)", lambda: listing.count(criteria))
        page = listing.page_after(criteria, None, 12)
        print(f"    a card is a plain row of {len(fields(page.articles[0]))} fields, no HTML")
        cards = {"page": page, "endpoint": "blog.index", "view_args": {}}
        line("render _cards.html (12 cards)", lambda: render_template("blog/_cards.html", **cards))
        db.session.expunge_all()

    article_path = f"/posts/{targets.article_slug}/"
    print(f"  article page {article_path} through the Flask test client (no HTTP, no gunicorn):")
    line("whole request, identity", lambda: client.get(article_path).get_data())
    line("whole request, br", lambda: client.get(article_path, headers=BROWSER_ENCODING).get_data())
    with app.test_request_context(article_path):
        article = db.session.scalar(select(Article).where(Article.slug == targets.article_slug))
        line(
            "render article.html",
            lambda: render_template("blog/article.html", article=article),
        )
        body = render_template("blog/article.html", article=article).encode()
    for quality in (5, 4):
        size = len(brotli.compress(body, quality=quality))
        line(
            f"brotli quality {quality} of the page ({len(body):,} B)",
            lambda quality=quality: brotli.compress(body, quality=quality),
            f"  -> {size:,} B",
        )
    size = len(gzip.compress(body, compresslevel=6))
    line(
        "gzip level 6 of the page", lambda: gzip.compress(body, compresslevel=6), f"  -> {size:,} B"
    )
    script = ROOT / "static" / "vendor" / "htmx-2.0.11" / "htmx.min.js"
    if script.is_file():
        data = script.read_bytes()
        line(
            f"brotli quality 5 of htmx.min.js ({len(data):,} B), each request",
            lambda: brotli.compress(data, quality=5),
            times=min(count, 30),
        )
    with app.app_context():
        sizes = db.session.execute(
            select(
                func.avg(func.length(Article.html)),
                func.avg(func.length(Article.source_md)),
                select(func.avg(func.length(SearchDocument.prose))).scalar_subquery(),
            )
        ).one()
    print(
        f"  average stored characters per article: html {sizes[0]:,.0f}, "
        f"source {sizes[1]:,.0f}, searchable prose {sizes[2]:,.0f}"
    )


# --- Main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles to generate")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--sample", type=int, default=200, help="articles filled via publish()")
    parser.add_argument("--runs", type=int, default=20, help="warm publish runs")
    parser.add_argument("--requests", type=int, default=200, help="requests per latency row")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--instance", help="instance folder (default: a new temp folder)")
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in the instance)")
    parser.add_argument(
        "--reuse", action="store_true", help="use the data already in --instance/--database"
    )
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--publish-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(BENCH))
    if args.publish_worker:
        publish_worker(os.environ["INSTANCE_PATH"], os.environ.get("DATABASE_URL"), args.runs)
        return 0
    from fill import FillResult, fill

    started = time.perf_counter()
    print("Blog benchmark")
    for key, value in machine().items():
        print(f"  {key:<14} {value}")

    load = load_average().split()[0]
    with contextlib.suppress(ValueError):
        if float(load) > (os.cpu_count() or 1) / 2:
            print(f"  note: load average {load} before starting; other work will skew the figures")
    summary = Summary()
    section("Fill")
    if args.reuse:
        if not args.instance:
            parser.error("--reuse needs --instance (and --database unless SQLite)")
        instance = os.path.abspath(args.instance)
        result = FillResult(instance, args.database or f"sqlite:///{instance}/blog.sqlite3")
        print(f"  reusing {result.database_url} (not filled again)")
    else:
        result = fill(args.database, args.instance, args.articles, args.sample, log=_indent)
    env = result.env()

    try:
        measure_all(args, result, env, summary)
    except RuntimeError as error:  # the app does not start: say why, keep what was measured
        print(f"\n  stopped: {error}")
    summary.print()
    print()
    print(f"Benchmark took {time.perf_counter() - started:.0f} s; load average {load_average()}")
    print(f"Data left in {result.instance_path} (delete it, or rerun with --reuse --instance)")
    return 0


def measure_all(args, result, env: dict, summary: Summary) -> None:
    """Run a to f against filled data."""
    from fill import sample_indexes

    bench_publish(env, args.runs, summary)
    rendered = [
        f"bench-{index:06d}" for index in sorted(sample_indexes(args.articles, args.sample))
    ]
    targets = find_targets(result.instance_path, args.database, rendered)
    bench_latency(env, targets, args.requests, summary)
    with gunicorn(env, workers=args.workers) as port:
        bench_throughput(port, args.workers, targets, args.duration, summary)
        if args.skip_browser:
            section("e. Bytes transferred by a first visit")
            print("  skipped (--skip-browser)")
        else:
            bench_bytes(port, targets, summary)
    bench_breakdown(result.instance_path, args.database, targets, min(args.requests, 100))


def _indent(text: str) -> None:
    print("  " + text if not text.startswith(" ") else text)


if __name__ == "__main__":
    sys.exit(main())
