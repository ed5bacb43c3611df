"""Revalidation benchmark: reader pages answered whole (200) and as 304s, under gunicorn.

    .venv/bin/python bench/revalidate.py                 # fill 10,000 articles, then measure
    .venv/bin/python bench/revalidate.py --reuse --instance /tmp/blog-bench-x   # data filled

Fills a database with bench/fill.py (or reuses one) and starts gunicorn with ./gunicorn.conf.py
on 127.0.0.1. Part one times sequential requests from one client (1 sync worker, a new
connection each) for the home page, its load-more fragment, an article, a category and the
archive: compressed as a browser asks (200), then revalidated with the ETag and with the
date (304). Part two runs wrk (-t2 -c32) against the article with 2 sync workers, whole and
revalidated, with the JSON access log on and off, to show what the log costs.

It prints figures and never asserts. Every loop is bounded in count and in time, and the
gunicorn server is stopped at the end. See bench/README.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from feeds import make_app, print_row, timed_requests  # noqa: E402 - bench/ is on the path
from run import (  # noqa: E402
    _indent,
    get,
    gunicorn,
    load_average,
    machine,
    run_wrk,
    section,
)

BROWSER_ENCODING = {"Accept-Encoding": "br, gzip"}


def reader_paths(env: dict) -> dict[str, tuple[str, dict]]:
    """Return the pages to measure: label -> (path, headers)."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Article, Category
    from webapp.services.listing import everything

    app = make_app(env)
    with app.app_context():
        slug = db.session.scalar(
            select(Article.slug).where(*everything()).order_by(Article.id).limit(1)
        )
        top = db.session.execute(
            select(Category.path, func.count(Article.id))
            .join(Article, Article.category_id == Category.id)
            .group_by(Category.path)
            .order_by(func.count(Article.id).desc())
        ).first()
    return {
        "home": ("/", {}),
        "home, load-more fragment": ("/?page=2", {"HX-Request": "true"}),
        "article": (f"/posts/{quote(slug)}/", {}),
        "category": (f"/categories/{quote(top[0].split('/')[0])}/", {}),
        "archive": ("/archive/", {}),
    }


def bench_latency(env: dict, paths: dict, count: int, limit: float) -> None:
    """Time each page whole and revalidated, one request at a time."""
    section("One client, 1 sync worker, new connection per request (br, gzip asked)")
    with gunicorn({**env, "ACCESS_LOG": ""}, workers=1) as port:
        for label, (path, extra) in paths.items():
            headers = {**BROWSER_ENCODING, **extra}
            status, _body, answer = get(port, path, headers)
            if status != 200:
                print(f"  {label}: {path} answered {status}; skipped")
                continue
            print_row(f"{label} 200", timed_requests(port, path, headers, count, limit))
            by_tag = {**headers, "If-None-Match": answer["etag"]}
            print_row(
                f"{label} If-None-Match -> 304", timed_requests(port, path, by_tag, count, limit)
            )
            by_date = {**headers, "If-Modified-Since": answer["last-modified"]}
            print_row(
                f"{label} If-Modified-Since -> 304",
                timed_requests(port, path, by_date, count, limit),
            )


def bench_throughput(env: dict, path: str, duration: int) -> None:
    """Run wrk on one page, whole and revalidated, with the access log on and off."""
    if shutil.which("wrk") is None:
        print("  wrk is not installed: throughput skipped")
        return
    for access_log in ("", "/dev/null"):
        state = "off" if not access_log else "on (JSON lines to /dev/null)"
        section(f"wrk -t2 -c32 -d{duration}s, 2 sync workers, access log {state}")
        with gunicorn({**env, "ACCESS_LOG": access_log}, workers=2) as port:
            _status, _body, answer = get(port, path, BROWSER_ENCODING)
            for label, headers in (
                ("200 (br)", BROWSER_ENCODING),
                ("304 (If-None-Match)", {**BROWSER_ENCODING, "If-None-Match": answer["etag"]}),
            ):
                result = run_wrk(port, path, headers, duration)
                print(
                    f"  {path} {label:<22} {result['rps']:>9,.0f} req/s  "
                    f"p50 {result['p50']:.1f} ms  p99 {result['p99']:.1f} ms  "
                    f"non-2xx/3xx {result['non2xx']}  errors {result['errors']}"
                )


def main(argv: list[str] | None = None) -> int:
    """Fill or reuse data, then print the revalidation figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per row")
    parser.add_argument("--seconds", type=float, default=30, help="time limit per row")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="duration of each wrk run")
    from fill import add_fill_arguments, fill_or_reuse

    add_fill_arguments(parser)
    args = parser.parse_args(argv)

    print("Revalidation benchmark")
    for key, value in machine().items():
        print(f"  {key:<14} {value}")
    result = fill_or_reuse(parser, args, _indent, announce=lambda: section("Fill"))
    env = {**result.env(), "JOBS_WORKER": "none"}
    paths = reader_paths(env)
    bench_latency(env, paths, args.requests, args.seconds)
    bench_throughput(env, paths["article"][0], args.wrk_seconds)
    print()
    print(f"Load average at the end: {load_average()}")
    print(f"Data left in {result.instance_path} (delete it, or rerun with --reuse --instance)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
