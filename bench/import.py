"""Import benchmark: `flask import` of the generated corpus, and upload-to-live time.

    .venv/bin/python bench/import.py                    # 10,000 articles: many minutes
    .venv/bin/python bench/import.py --articles 500     # quicker
    .venv/bin/python bench/import.py --skip-corpus --uploads 20   # only upload-to-live

1. Writes the generated corpus (bench/generate.py) as a folder of .md files, then runs the
   real `flask --app webapp import DIR --quiet` as a subprocess against a fresh SQLite
   database in a temporary instance folder (INSTANCE_PATH), and reports wall time and
   articles per second. It then times `flask export` of the result and a second
   `flask import` of that export over the same database (every article "unchanged");
   with --restore also `flask import` of the export into a fresh database.
2. Starts gunicorn on 127.0.0.1 (free port) against another fresh database, creates an
   admin and an API token with `flask create-admin` / `flask create-token` when those
   commands exist, POSTs `typical_article()` (5,000 characters, 3 code blocks,
   20 formulas) to /api/articles and polls GET /posts/<slug>/ until it answers 200;
   median and p95 over --uploads distinct articles. Without the API it times
   `flask import` of a folder holding one typical article instead, and says so.

Prints figures; never asserts. Traffic stays on 127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(BENCH))

from generate import generate, typical_article  # noqa: E402
from run import gunicorn, load_average, machine, percentile  # noqa: E402

POLL_LIMIT_S = 30  # give up on one article after this long
POLL_INTERVAL_S = 0.005


def flask(env: dict, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run `flask --app webapp ARGS` in a fresh process with the given environment."""
    return subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "webapp", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def fresh_env(instance: Path) -> dict:
    """Return an environment pointing the app at its own instance folder and SQLite file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DATABASE_URL"))}
    env["INSTANCE_PATH"] = str(instance)
    return env


def last_line(output: str, prefix: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(prefix)]
    return lines[-1] if lines else "(no summary line)"


def timed_flask(env: dict, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = flask(env, *args)
    return time.perf_counter() - started, done


def bench_corpus(count: int, work: Path, restore: bool) -> None:
    """1. Import the generated corpus as a folder through the real command."""
    print(f"\n1. flask import of {count:,} generated articles (a folder of .md files)")
    corpus = work / "corpus"
    corpus.mkdir()
    started = time.perf_counter()
    chars = 0
    for article in generate(count):
        (corpus / article.filename).write_text(article.text, encoding="utf-8")
        chars += len(article.text)
    print(
        f"  wrote {count:,} files ({chars / 1e6:.1f} M characters) in "
        f"{time.perf_counter() - started:.1f} s (not counted)"
    )

    env = fresh_env(work / "instance-corpus")
    seconds, done = timed_flask(env, "import", str(corpus), "--quiet")
    print(f"  {last_line(done.stdout, 'Imported')}  (exit {done.returncode})")
    if done.returncode not in (0, 1):
        print("  " + (done.stderr or done.stdout)[-1500:])
        return
    print(
        f"  wall time {seconds:.1f} s, {count / seconds:.1f} articles/s "
        f"({1000 * seconds / count:.1f} ms per article, incl. process start)"
    )

    export = work / "export"
    seconds, done = timed_flask(env, "export", str(export))
    print(f"  flask export: {seconds:.1f} s  {last_line(done.stdout, 'Exported')}")
    seconds, done = timed_flask(env, "import", str(export), "--quiet")
    print(
        f"  flask import of that export over the same database: {seconds:.1f} s  "
        f"{last_line(done.stdout, 'Imported')}"
    )
    if restore:
        seconds, done = timed_flask(
            fresh_env(work / "instance-restored"), "import", str(export), "--quiet"
        )
        print(
            f"  flask import of that export into a fresh database: {seconds:.1f} s, "
            f"{count / seconds:.1f} articles/s  {last_line(done.stdout, 'Imported')}"
        )


def has_command(env: dict, name: str) -> bool:
    return re.search(rf"^\s+{re.escape(name)}\b", flask(env, "--help").stdout, re.M) is not None


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    """Send one request over a new connection to 127.0.0.1; return (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def bench_upload_to_live(uploads: int, work: Path) -> None:
    """2. POST a typical article to the API, poll its page until it answers 200."""
    instance = work / "instance-live"
    env = fresh_env(instance)
    flask(env, "init-db")
    token = create_token(env) if has_command(env, "create-token") else None
    if token is None:
        print("\n2. Upload to live: no `flask create-token` in this build; measured instead:")
        bench_one_file_import(uploads, work, env)
        return
    print(
        f"\n2. Upload to live: POST /api/articles, then GET /posts/<slug>/ until 200 "
        f"({uploads} typical articles, gunicorn 1 sync worker on 127.0.0.1)"
    )
    times, posts = [], []
    with gunicorn({"INSTANCE_PATH": str(instance)}, workers=1) as port:
        # One warm-up article, so the first figure is not the worker's KaTeX start-up.
        for n in range(uploads + 1):
            slug = f"typical-live-{n}"
            text = typical_article(1000 + n, slug=slug).encode("utf-8")
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/markdown"}
            started = time.perf_counter()
            path = f"/api/articles?filename={slug}.md"
            status, body = request(port, "POST", path, text, headers)
            posted = time.perf_counter()
            if status not in (200, 201):
                print(f"  POST answered {status}: {body[:300]!r}; stopping")
                return
            deadline = started + POLL_LIMIT_S
            while time.perf_counter() < deadline:
                if request(port, "GET", f"/posts/{slug}/")[0] == 200:
                    break
                time.sleep(POLL_INTERVAL_S)
            else:
                print(f"  /posts/{slug}/ not live after {POLL_LIMIT_S} s; stopping")
                return
            if n:
                times.append(time.perf_counter() - started)
                posts.append(posted - started)
    print_times("upload to live", times)
    print_times("  of which the POST", posts)


def create_token(env: dict) -> str | None:
    """Create an admin and a token through the CLI; return the token or None."""
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "webapp", "create-admin", "bench", "--password-stdin"],
        env=env,
        cwd=ROOT,
        input="bench-password-123\n",
        capture_output=True,
        text=True,
        check=False,
    )
    done = flask(env, "create-token", "bench", "bench")
    lines = done.stdout.split()
    if done.returncode != 0 or not lines:
        print(f"  create-token failed: {(done.stderr or done.stdout)[-500:]}")
        return None
    # The token is the only thing on standard output; the notice goes to standard error.
    return lines[-1]


def bench_one_file_import(runs: int, work: Path, env: dict) -> None:
    """Fallback for 2: `flask import` of a folder holding one typical article, per run."""
    print(
        f"  `flask import DIR` of a folder with one typical article, {runs} runs "
        "(a new process each: interpreter, app and KaTeX start-up included)"
    )
    times = []
    for n in range(runs):
        folder = work / f"one-{n}"
        folder.mkdir()
        (folder / f"typical-{n}.md").write_text(
            typical_article(2000 + n, slug=f"typical-cli-{n}"), encoding="utf-8"
        )
        seconds, done = timed_flask(env, "import", str(folder), "--quiet")
        if done.returncode != 0:
            print(f"  import failed: {(done.stderr or done.stdout)[-500:]}")
            return
        times.append(seconds)
    print_times("CLI import of one file", times)


def print_times(label: str, values: list[float]) -> None:
    if not values:
        print(f"  {label}: no figures")
        return
    median = statistics.median(values) * 1000
    p95 = percentile(values, 0.95) * 1000
    print(
        f"  {label}: median {median:.0f} ms, p95 {p95:.0f} ms, "
        f"min {min(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms (n={len(values)})"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the import benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="corpus size (10,000)")
    parser.add_argument("--uploads", type=int, default=20, help="articles timed upload-to-live")
    parser.add_argument("--skip-corpus", action="store_true", help="only upload-to-live")
    parser.add_argument("--skip-live", action="store_true", help="only the corpus import")
    parser.add_argument(
        "--restore",
        action="store_true",
        help="also time restoring the export into a fresh database",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    print("Import benchmark")
    for key, value in machine().items():
        print(f"  {key:<14} {value}")
    work = Path(tempfile.mkdtemp(prefix="blog-import-bench-"))
    try:
        if not args.skip_corpus:
            bench_corpus(args.articles, work, args.restore)
        if not args.skip_live:
            bench_upload_to_live(args.uploads, work)
    finally:
        print(f"\nload average {load_average()}")
        if args.keep:
            print(f"Data left in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main())
