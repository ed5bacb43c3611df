"""Import benchmark: `flask import` of the generated corpus, upload-to-live, and a bulk upload.

    .venv/bin/python bench/import.py                    # 10,000 articles, 800 in the zip
    .venv/bin/python bench/import.py --articles 500 --bulk-documents 100   # quicker
    .venv/bin/python bench/import.py --skip-corpus --skip-bulk --uploads 20   # one part

1. Writes the generated corpus (bench/generate.py) as a folder of .md files, then runs the
   real `flask --app webapp import DIR --quiet` as a subprocess against a fresh SQLite
   database in a temporary instance folder (INSTANCE_PATH). The import is a job run in
   that process, rendering in a pool of spawned processes; reported: wall time, articles
   per second, the peak memory of the whole process tree (VmRSS of the process and all
   its descendants, sampled every 0.2 s: the largest sum, and the largest single process)
   and the load average before and after. Then the same for `flask export` of the result
   and a second `flask import` of that export over the same database (every article
   "unchanged"); with --restore also `flask import` of the export into a fresh database.
2. Starts gunicorn on 127.0.0.1 (free port, 1 sync worker) against another fresh database,
   creates an admin and an API token with `flask create-admin` / `flask create-token`,
   POSTs `typical_article()` (5,000 characters, 3 code blocks, 20 formulas) to
   /api/articles (one document: published in the request) and polls GET /posts/<slug>/
   until it answers 200; median and p95 over --uploads distinct articles.
3. A zip of --bulk-documents generated articles laid out as Hexo's source/_posts, sent
   as one POST /api/articles to gunicorn started as `make serve` starts it (from the
   project root with ./gunicorn.conf.py, so the job worker runs beside it; --bulk-workers
   sync workers; gunicorn's default 30 s timeout) on a fresh instance folder. Expects
   202 Accepted with a Location, follows the job there (as often as Retry-After says,
   else every 0.5 s, for at most --bulk-limit seconds) until it is done or failed, and
   reports the POST's own time, the time until done, the job's counts, the articles the
   site shows afterwards, the server tree's peak memory and any WORKER TIMEOUT in
   gunicorn's log.

Prints figures; never asserts. Traffic stays on 127.0.0.1; every loop is bounded; every
process started here (gunicorn, the job worker, rendering pools, flask commands) is
stopped at the end, on Ctrl-C and on errors too.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import runpy
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(BENCH))

from generate import generate, typical_article  # noqa: E402
from procs import TreePeak, TreeSampler, descendants, describe, stop_group  # noqa: E402
from run import gunicorn, gunicorn_server, load_average, machine, percentile  # noqa: E402

POLL_LIMIT_S = 30  # give up on one article after this long
POLL_INTERVAL_S = 0.005
JOB_POLL_S = 0.5  # between looks at a job when the answer has no Retry-After
MAX_RESULT_PAGES = 100  # GETs for the rest of a finished job's results (1,000 per answer)
PARTS = ("corpus", "live", "bulk")


@dataclass
class Measured:
    """One command run with its process tree watched."""

    seconds: float
    returncode: int | None  # None: stopped at the time limit
    stdout: str
    stderr: str
    peak: TreePeak
    load_before: str
    load_after: str
    stopped: list[str]


def flask(env: dict, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `flask --app webapp ARGS` in a fresh process with the given environment."""
    return subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "webapp", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def measured_flask(env: dict, *args: str, limit: float) -> Measured:
    """Run `flask --app webapp ARGS`, sampling its process tree's memory; stop it all after."""
    before = load_average()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        # A session of its own: Ctrl-C reaches only this script, which stops the command
        # and its rendering pool by their process group below.
        process = subprocess.Popen(
            [str(VENV_BIN / "flask"), "--app", "webapp", *args],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        returncode = None
        try:
            with (
                TreeSampler(process.pid) as sampler,
                contextlib.suppress(subprocess.TimeoutExpired),
            ):
                returncode = process.wait(timeout=limit)
        finally:
            stopped = stop_group(process, grace=10)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    return Measured(
        seconds, returncode, stdout, stderr, sampler.peak, before, load_average(), stopped
    )


def fresh_env(instance: Path) -> dict:
    """Return an environment pointing the app at its own instance folder and SQLite file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DATABASE_URL"))}
    env.pop("REDIS_URL", None)  # the job queue stays a SQLite file in the instance folder
    env.pop("JOBS_WORKER", None)
    env["INSTANCE_PATH"] = str(instance)
    return env


def last_line(output: str, prefix: str) -> str:
    """Return the last line of output that starts with prefix."""
    lines = [line for line in output.splitlines() if line.startswith(prefix)]
    return lines[-1] if lines else "(no summary line)"


def print_measured(label: str, run: Measured, count: int | None = None) -> None:
    """Print a watched command's time, memory and load average."""
    rate = ""
    if count:
        rate = (
            f", {count / run.seconds:.1f} articles/s "
            f"({1000 * run.seconds / count:.1f} ms per article, incl. process start)"
        )
    print(f"  {label}: wall time {run.seconds:.1f} s{rate}")
    print(f"    {run.peak.line()}")
    print(f"    load average before {run.load_before}, after {run.load_after}")
    if run.returncode is None:
        print("    STOPPED at the time limit (--limit)")
    if run.stopped:
        print(f"    still running after it ended, stopped: {', '.join(run.stopped)}")


def bench_corpus(count: int, work: Path, restore: bool, limit: float) -> None:
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
    run = measured_flask(env, "import", str(corpus), "--quiet", limit=limit)
    print(f"  {last_line(run.stdout, 'Imported')}  (exit {run.returncode})")
    if run.returncode not in (0, 1) or "Imported" not in run.stdout:
        print("  " + (run.stderr or run.stdout)[-1500:])
        return
    print_measured("flask import", run, count)

    export = work / "export"
    run = measured_flask(env, "export", str(export), limit=limit)
    print(f"  {last_line(run.stdout, 'Exported')}")
    print_measured("flask export", run)
    run = measured_flask(env, "import", str(export), "--quiet", limit=limit)
    print(f"  {last_line(run.stdout, 'Imported')}")
    print_measured("flask import of that export over the same database", run, count)
    if restore:
        restored = fresh_env(work / "instance-restored")
        run = measured_flask(restored, "import", str(export), "--quiet", limit=limit)
        print(f"  {last_line(run.stdout, 'Imported')}")
        print_measured("flask import of that export into a fresh database", run, count)


def request(port: int, method: str, path: str, body=None, headers=None, timeout: float = 30):
    """Send one request over a new connection to 127.0.0.1; return (status, body, headers)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        found = {name.lower(): value for name, value in response.getheaders()}
        return response.status, response.read(), found
    finally:
        connection.close()


def new_site(instance: Path) -> tuple[dict, str | None]:
    """Create a database, an admin and an API token in a fresh instance folder."""
    env = fresh_env(instance)
    done = flask(env, "init-db")
    if done.returncode != 0:
        print(f"  init-db failed: {(done.stderr or done.stdout)[-500:]}")
        return env, None
    return env, create_token(env)


def bench_upload_to_live(uploads: int, work: Path) -> None:
    """2. POST a typical article to the API, poll its page until it answers 200."""
    print(
        f"\n2. Upload to live: POST /api/articles, then GET /posts/<slug>/ until 200 "
        f"({uploads} typical articles, gunicorn 1 sync worker on 127.0.0.1)"
    )
    instance = work / "instance-live"
    _, token = new_site(instance)
    if token is None:
        return
    times, posts = [], []
    before = load_average()
    with gunicorn({"INSTANCE_PATH": str(instance)}, workers=1) as port:
        # One warm-up article, so the first figure is not the worker's first request.
        for n in range(uploads + 1):
            slug = f"typical-live-{n}"
            text = typical_article(1000 + n, slug=slug).encode("utf-8")
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/markdown"}
            started = time.perf_counter()
            path = f"/api/articles?filename={slug}.md"
            status, body, _ = request(port, "POST", path, text, headers)
            posted = time.perf_counter()
            # One document is published in the request (200); 202 would mean a job.
            if status not in (200, 201, 202):
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
    print(f"  load average before {before}, after {load_average()}")


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
        timeout=120,
    )
    done = flask(env, "create-token", "bench", "bench")
    lines = done.stdout.split()
    if done.returncode != 0 or not lines:
        print(f"  create-token failed: {(done.stderr or done.stdout)[-500:]}")
        return None
    # The token is the only thing on standard output; the notice goes to standard error.
    return lines[-1]


def write_hexo_zip(path: Path, count: int) -> int:
    """Zip `count` generated articles as a Hexo blog's source/_posts/<slug>.md; return chars."""
    chars = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for article in generate(count):
            bundle.writestr(f"source/_posts/{article.slug}.md", article.text)
            chars += len(article.text)
    return chars


def site_articles(port: int, instance: Path) -> tuple[str, str]:
    """Count published articles as readers see them (/archive/) and as the database has them."""
    status, body, _ = request(port, "GET", "/archive/")
    counts = re.findall(
        rb'class="archive-year-heading">\d{4} <span class="count">([\d,]+) article', body
    )
    shown = f"{sum(int(c.replace(b',', b'')) for c in counts):,}" if counts else "?"
    if status != 200:
        shown = f"? (/archive/ answered {status})"
    database = instance / "blog.sqlite3"
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        stored = db.execute(
            "SELECT COUNT(*) FROM articles WHERE status = 'published' AND deleted_at IS NULL"
        ).fetchone()[0]
    return shown, f"{stored:,}"


@dataclass
class Followed:
    """A job as the client last saw it, with every file result it was sent."""

    job: dict
    results: list[dict]
    polls: list[float]  # seconds each GET of the job took


def follow_job(port: int, location: str, token: str, first: dict, wait: str | None, limit: float):
    """GET the job until it is done or failed, or `limit` passes; collect its file results.

    Each GET asks only for the results not yet received (?since=N), as a client showing
    progress would; the wait between two is Retry-After when the answer gives one.
    """
    auth = {"Authorization": f"Bearer {token}"}
    parts = urlsplit(location)
    followed = Followed(first["job"], list(first.get("results", [])), [])
    shown = started = time.perf_counter()
    pages = 0
    while pages < MAX_RESULT_PAGES:
        job = followed.job
        finished = job.get("state") in ("done", "failed")
        behind = len(followed.results) < job.get("done", 0)
        if finished and not behind:
            break
        if not finished:
            delay = float(wait) if wait and wait.isdigit() else JOB_POLL_S
            if time.perf_counter() - started + delay > limit:
                print(f"  job not finished after {limit:.0f} s (--bulk-limit); stopped following")
                break
            time.sleep(delay)
        else:
            pages += 1  # finished: only fetching the rest of the results
        asked = time.perf_counter()
        path = f"{parts.path}?since={len(followed.results)}"
        status, body, headers = request(port, "GET", path, headers=auth)
        followed.polls.append(time.perf_counter() - asked)
        if status != 200:
            print(f"  GET {path} answered {status}: {body[:300]!r}; stopped following")
            break
        answer = json.loads(body)
        followed.job, wait = answer["job"], headers.get("retry-after")
        followed.results.extend(answer.get("results", []))
        if time.perf_counter() - shown >= 10:  # a sign of life on long runs
            shown = time.perf_counter()
            print(
                f"    {time.perf_counter() - started:5.0f} s: {followed.job['state']}, "
                f"{followed.job['done']:,} of {followed.job['total']:,} files"
            )
    return followed


def server_settings() -> str:
    """Describe the worker class and timeout gunicorn.conf.py leaves or sets."""
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    kind = settings.get("worker_class", "sync")
    if "timeout" in settings:
        return f"{kind} workers, timeout {settings['timeout']} s set in gunicorn.conf.py"
    return f"{kind} workers, gunicorn's default 30 s timeout"


def bench_bulk_upload(documents: int, workers: int, limit: float, work: Path) -> None:
    """3. A zip of many documents through POST /api/articles: 202, then the job to its end."""
    print(
        f"\n3. Bulk upload: a zip of {documents:,} generated articles (Hexo source/_posts) "
        f"in one POST /api/articles; gunicorn as `make serve` runs it ({workers} "
        f"{server_settings()}; ./gunicorn.conf.py starts the job worker)"
    )
    bundle = work / "posts.zip"
    started = time.perf_counter()
    chars = write_hexo_zip(bundle, documents)
    data = bundle.read_bytes()
    print(
        f"  wrote {bundle.name}: {documents:,} documents ({chars / 1e6:.1f} M characters), "
        f"{len(data) / 1e6:.1f} MB zipped, in {time.perf_counter() - started:.1f} s (not counted)"
    )
    instance = work / "instance-bulk"
    # init-db as `make serve` does, but no demo articles: the site holds only the upload.
    _, token = new_site(instance)
    if token is None:
        return
    log_path = work / "gunicorn-bulk.log"
    before = load_average()
    env = {"INSTANCE_PATH": str(instance)}
    with gunicorn_server(env, workers, log_level="info", log_path=log_path) as server:
        master = server.process.pid
        tree = descendants(master)
        job_workers = [pid for pid in tree if describe(pid, master).startswith("job")]
        print(
            f"  gunicorn master pid {master}; job worker running: "
            + (", ".join(f"pid {pid}" for pid in job_workers) or "NO (gunicorn.conf.py not used?)")
        )
        with TreeSampler(master) as sampler:
            post_bulk(server.port, token, data, limit, documents)
            shown, stored = site_articles(server.port, instance)
        load_after = load_average()
    print(
        f"  articles on the site afterwards: {shown} in the /archive/ listing, "
        f"{stored} published in the database"
    )
    print(f"  {sampler.peak.line()} (gunicorn, its workers, the job worker and its pool)")
    print(f"  load average before {before}, after {load_after}")
    if server.stopped:
        print(f"  still running after gunicorn stopped, stopped: {', '.join(server.stopped)}")
    report_log(log_path.read_text(encoding="utf-8", errors="replace"))


def post_bulk(port: int, token: str, data: bytes, limit: float, documents: int) -> None:
    """POST the zip, follow its job to the end, and print what happened."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/zip"}
    started = time.perf_counter()
    try:
        # Longer than gunicorn's 30 s: a request it kills shows as a dropped connection.
        status, body, answer = request(
            port, "POST", "/api/articles?filename=posts.zip", data, headers, timeout=120
        )
    except (OSError, http.client.HTTPException) as error:
        print(f"  POST failed after {time.perf_counter() - started:.1f} s: {error!r}")
        return
    post_seconds = time.perf_counter() - started
    location, wait = answer.get("location", ""), answer.get("retry-after")
    print(
        f"  POST answered {status} in {post_seconds * 1000:.0f} ms; "
        f"Location: {location or '(none)'}; Retry-After: {wait or '(none)'}"
    )
    if status != 202 or not location:
        print(f"  expected 202 Accepted with a Location; the body begins: {body[:300]!r}")
        return
    followed = follow_job(port, location, token, json.loads(body), wait, limit)
    seen = time.perf_counter() - started
    job = followed.job
    print(
        f"  job {job.get('id')}: {job.get('state')} {seen:.1f} s after the POST began, as the "
        f"client saw it (it looked every {wait or JOB_POLL_S} s); "
        f"{job.get('done', 0):,} of {job.get('total', 0):,} files"
    )
    if job.get("message"):
        print(f"  job message: {job['message']}")
    elapsed = job.get("elapsed_seconds")
    if elapsed:
        print(
            f"  the job's own run, started to finished: {elapsed:.1f} s "
            f"({documents / elapsed:.1f} documents/s); created {job.get('created_at')}, "
            f"started {job.get('started_at')}, finished {job.get('finished_at')}"
        )
    counts = job.get("counts", {})
    created = counts.get("created", 0)
    verdict = "all created" if created == documents else f"NOT all created ({created:,})"
    print(f"  job counts: {json.dumps(counts)}: {verdict} of {documents:,}")
    warned = sum(1 for result in followed.results if result.get("warnings"))
    rejected = [result for result in followed.results if result.get("outcome") == "rejected"]
    print(
        f"  file results received: {len(followed.results):,}; with warnings: {warned}; "
        f"rejected: {len(rejected)}"
        + (f", e.g. {rejected[0]['name']}: {rejected[0]['reason']}" if rejected else "")
    )
    if followed.polls:
        polls = followed.polls
        print(
            f"  GET of the job (?since=N): median {statistics.median(polls) * 1000:.1f} ms, "
            f"max {max(polls) * 1000:.1f} ms (n={len(polls)})"
        )


def report_log(log: str) -> None:
    """Print what gunicorn's log says about timeouts, errors and the job worker."""
    lines = log.splitlines()
    timeouts = [line for line in lines if "WORKER TIMEOUT" in line]
    errors = [
        line
        for line in lines
        if ("[ERROR]" in line or "[CRITICAL]" in line or "Traceback" in line or " ERROR " in line)
        and "WORKER TIMEOUT" not in line
    ]
    booted = sum("Booting worker" in line for line in lines)
    started = [line.split("] ", 1)[-1] for line in lines if "Started the job worker" in line]
    print(
        f"  gunicorn's log ({len(lines)} lines): {booted} web workers booted; "
        f"{'; '.join(started) or 'no job worker start logged'}"
    )
    print(
        "  WORKER TIMEOUT: "
        + (f"{len(timeouts)} times, e.g. {timeouts[0]}" if timeouts else "none in the log")
    )
    print(f"  errors in the log: {len(errors) or 'none'}")
    for line in errors[:10]:
        print(f"    {line[:200]}")


def print_times(label: str, values: list[float]) -> None:
    """Print the median, p95, min and max of some durations in ms."""
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
    parser.add_argument(
        "--bulk-documents", type=int, default=800, help="documents in the bulk zip (800)"
    )
    parser.add_argument(
        "--bulk-workers", type=int, default=4, help="gunicorn workers for the bulk upload (4)"
    )
    parser.add_argument(
        "--bulk-limit", type=float, default=1800, help="seconds to wait for the bulk job (1800)"
    )
    parser.add_argument(
        "--limit", type=float, default=7200, help="seconds per flask command at most (7200)"
    )
    parser.add_argument("--skip-corpus", action="store_true", help="skip part 1")
    parser.add_argument("--skip-live", action="store_true", help="skip part 2")
    parser.add_argument("--skip-bulk", action="store_true", help="skip part 3")
    parser.add_argument(
        "--restore",
        action="store_true",
        help="also time restoring the export into a fresh database",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    skipped = {"corpus": args.skip_corpus, "live": args.skip_live, "bulk": args.skip_bulk}
    parts = {part for part in PARTS if not skipped[part]}

    print("Import benchmark")
    for key, value in machine().items():
        print(f"  {key:<14} {value}")
    work = Path(tempfile.mkdtemp(prefix="blog-import-bench-"))
    try:
        if "corpus" in parts:
            bench_corpus(args.articles, work, args.restore, args.limit)
        if "live" in parts:
            bench_upload_to_live(args.uploads, work)
        if "bulk" in parts:
            bench_bulk_upload(args.bulk_documents, args.bulk_workers, args.bulk_limit, work)
    except KeyboardInterrupt:
        # The parts' own clean-up has run by now: their servers and commands are stopped.
        print("\ninterrupted: every process started here has been stopped")
        return 130
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
