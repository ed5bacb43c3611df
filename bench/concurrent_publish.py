"""Concurrent heavy uploads through gunicorn while readers load pages: throughput, latency.

The scenario tests/test_load.py asserts (tests/load_scenario.py): a fresh site served by
gunicorn as `make serve` serves it (./gunicorn.conf.py, sync workers, 30 s timeout), N
API uploads of formula-heavy articles (600 formulas each, new categories and tags shared
by four uploads each) sent at once, reader threads loading listings, feeds, search and
the new articles meanwhile. Prints upload throughput and latency, reader latency, and
what went wrong (failed writes, 5xx, reader errors, "database is locked" in the log).

    .venv/bin/python bench/concurrent_publish.py                      # SQLite, 40 uploads
    .venv/bin/python bench/concurrent_publish.py --uploads 60 --workers 8
    .venv/bin/python bench/concurrent_publish.py --database postgresql+psycopg://postgres@127.0.0.1/scratch

The PostgreSQL database given is emptied first. Everything runs on 127.0.0.1; gunicorn and
the job worker beside it are stopped when the script ends.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.load_scenario import FORMULAS, gunicorn, new_site, run, stored  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile (share in 0..1) of the values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def times(label: str, values: list[float]) -> None:
    """Print the median, p95 and largest of some durations (seconds) in ms."""
    if not values:
        print(f"  {label}: none")
        return
    figures = ", ".join(
        f"{name} {percentile(values, share) * 1000:,.0f} ms"
        for name, share in (("median", 0.5), ("p95", 0.95), ("max", 1.0))
    )
    print(f"  {label} ({len(values)}): {figures}")


def bench(database: str | None, uploads: int, readers: int, workers: int) -> None:
    """Run the scenario once against one database and print its figures."""
    site = new_site(database)
    kind = "PostgreSQL" if database else "SQLite (instance folder, the default)"
    print(
        f"{uploads} concurrent uploads of {FORMULAS} formulas each, {readers} readers; "
        f"gunicorn {workers} sync workers; {kind}; {os.cpu_count()} cores"
    )
    try:
        with gunicorn(site, workers=workers) as server:
            result = run(server.port, site.token, uploads=uploads, readers=readers)
            log = server.log()
        found = stored(site, uploads)
    finally:
        shutil.rmtree(site.instance, ignore_errors=True)
    created = uploads - len(result.failed_uploads())
    print(
        f"  all uploads answered in {result.seconds:.1f} s: "
        f"{created / result.seconds:.2f} articles/s"
    )
    times("upload latency", [upload.seconds for upload in result.uploads])
    times("reader latency", [read.seconds for read in result.reads])
    once = sum(1 for count in found["copies"].values() if count == 1)
    print(
        f"  failed writes {len(result.failed_uploads())}, responses >= 500 or none "
        f"{len(result.server_errors())}, reader errors {len(result.reader_errors())}, "
        f"articles stored exactly once {once}/{uploads}, "
        f'"database is locked" in the log {log.count("database is locked")}, '
        f"tracebacks {log.count('Traceback')}"
    )
    for failed in result.failed_uploads()[:5]:
        print(f"    upload {failed.index}: {failed.status} {failed.outcome} {failed.error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=40, help="concurrent uploads (40)")
    parser.add_argument("--readers", type=int, default=4, help="reader threads (4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--database", help="an empty PostgreSQL URL (default: SQLite)")
    args = parser.parse_args(argv)
    bench(args.database, args.uploads, args.readers, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
