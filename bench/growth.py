"""Growth on PostgreSQL: the same figures at 100,000 articles and at 10,000, with the ratio.

For each size it fills a scratch PostgreSQL database (blog_bench_growth_<N>) with
bench/fill.py (a sample through publish(), the rest by bulk insert), runs ANALYZE (as
autovacuum would on a live site), and measures:

    publish          publish() of one more typical article, in a fresh process (run.py's
                     publish worker): median of the warm runs, KaTeX cache emptied each time
    first page       GET / with HX-Request (the load-more fragment), page cache off
    page 5,000       GET /?after=<cursor of the last card of page 4,999>, page cache off
                     (the last page when there are fewer)
    article          GET /posts/<slug>/ of a rendered article, page cache off
    search           search() in-process for 1-, 2-, 4-character Chinese and an English
                     word: median and p95
    sitemap          GET /sitemap.xml (the whole sitemap, or its index past 50,000 URLs),
                     and when there are parts /sitemap-1.xml (the pages other than articles)
                     and /sitemap-2.xml (the newest 50,000 articles); page cache off
    worker memory    VmRSS of the one gunicorn web worker after all those requests

The requests go to gunicorn with 1 sync worker (as `make serve` runs it) with
FLASK_PAGE_CACHE_BYTES=0, one at a time over a new connection each.

    python bench/growth.py                           # 100,000 and 10,000: about 20 minutes
    python bench/growth.py --articles 20000 --compare 2000      # quicker
    python bench/growth.py --reuse --keep            # databases filled by an earlier --keep
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from procs import command_line, descendants, rss_kib
from run import BENCH, FRAGMENT, gunicorn_server, load_average, measure, percentile
from search import PG_SERVER, postgres_reachable, timed

DEEP_PAGE = 5000
QUERIES = [
    ("search: 1 Chinese character", "梯"),
    ("search: 2 Chinese characters", "梯度"),
    ("search: 4 Chinese characters", "梯度下降"),
    ("search: English word", "gradient"),
]


@dataclass
class Figures:
    """What was measured at one size: label -> (median ms, p95 ms or None, note)."""

    articles: int
    fill_seconds: float = 0.0
    rows: dict[str, tuple[float, float | None, str]] = field(default_factory=dict)


def database_name(count: int) -> str:
    """Return the scratch database's name for a size."""
    return f"blog_bench_growth_{count}"


def admin(statement: str) -> None:
    """Run one statement on the server's maintenance database."""
    import psycopg

    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as connection:
        connection.execute(statement)


def fill_database(count: int, sample: int, instance: str) -> float:
    """Create the scratch database afresh and fill it; return the seconds the fill took."""
    from fill import fill

    name = database_name(count)
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(f"CREATE DATABASE {name}")
    url = f"{PG_SERVER}/{name}"
    return fill(url, instance, count, sample, log=lambda line: print("  " + line)).seconds


def analyze(app) -> None:
    """Refresh the planner's statistics, as autovacuum would have them."""
    from sqlalchemy import text

    from webapp.extensions import db

    with app.app_context():
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def targets(app, sample_slugs: list[str]) -> tuple[str, str, int]:
    """Return a rendered article's slug, the cursor before the deep page, and that page."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import PUBLISHED, Article
    from webapp.services.listing import Cursor

    with app.app_context():
        per_page = app.config["CARDS_PER_PAGE"]
        total = db.session.scalar(select(func.count(Article.id)).where(Article.status == PUBLISHED))
        slug = db.session.scalar(
            select(Article.slug)
            .where(Article.slug.in_(sample_slugs), Article.html.contains('class="math '))
            .order_by(func.abs(func.length(Article.source_md) - 5000))
            .limit(1)
        )
        deep = min(DEEP_PAGE, max(1, -(-total // per_page)))
        row = db.session.execute(
            select(Article.updated_at, Article.id)
            .where(Article.status == PUBLISHED)
            .order_by(Article.updated_at.desc(), Article.id.desc())
            .offset((deep - 1) * per_page - 1)
            .limit(1)
        ).one()
        return slug, Cursor(row.updated_at, row.id).encode(), deep


def publish_figure(env: dict, runs: int) -> tuple[float, float]:
    """Return median and p95 ms of publish() of one more article (run.py's worker)."""
    command = [sys.executable, str(BENCH / "run.py"), "--publish-worker", "--runs", str(runs)]
    done = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError("publish worker failed:\n" + done.stderr[-2000:])
    warm = [run["total"] for run in json.loads(done.stdout.strip().splitlines()[-1])["runs"][1:]]
    return statistics.median(warm), percentile(warm, 0.95)


def worker_rss_mib(master: int) -> float:
    """Return the VmRSS of gunicorn's web worker (not the master, not the job worker)."""
    workers = [
        pid for pid in descendants(master) if pid != master and "gunicorn" in command_line(pid)
    ]
    return max((rss_kib(pid) for pid in workers), default=0) / 1024


def measure_size(count: int, args, instance: str) -> Figures:
    """Fill (or reuse) one size and measure every figure."""
    from fill import make_app, sample_indexes

    from webapp.extensions import db
    from webapp.services.search import search

    figures = Figures(count)
    url = f"{PG_SERVER}/{database_name(count)}"
    print(f"\n{count:,} articles ({database_name(count)})")
    if not args.reuse:
        figures.fill_seconds = fill_database(count, args.sample, instance)
    app = make_app(instance, url)
    analyze(app)
    env = {"INSTANCE_PATH": instance, "DATABASE_URL": url}

    median, p95 = publish_figure(env, args.runs)
    figures.rows["publish one more article"] = (median, p95, f"{args.runs} warm runs")

    sample_slugs = [f"bench-{i:06d}" for i in sorted(sample_indexes(count, args.sample))]
    slug, cursor, deep = targets(app, sample_slugs)
    requests = [
        ("first page (load-more fragment)", "/", FRAGMENT, ""),
        (f"page {DEEP_PAGE:,} (load-more cursor)", f"/?after={cursor}", FRAGMENT, f"page {deep}"),
        ("article page, cache off", f"/posts/{slug}/", {}, ""),
        ("sitemap.xml", "/sitemap.xml", {}, ""),
    ]
    server_env = {**env, "FLASK_PAGE_CACHE_BYTES": "0"}
    with gunicorn_server(server_env, workers=1) as server:
        for label, path, headers, note in requests:
            count_ = args.requests if "sitemap" not in label else max(5, args.requests // 10)
            result = measure(server.port, label, path, headers, count_, args.limit)
            if result.status != {200}:
                note = f"{note} status {sorted(result.status)}".strip()
            if label == "sitemap.xml" and result.size < 5000:
                note = f"{note} (an index of parts)".strip()
                # Part 1 holds the other pages (home, categories, tags, months); the
                # articles follow, 50,000 a part, newest first.
                requests.append(("sitemap-1.xml (the other pages)", "/sitemap-1.xml", {}, ""))
                requests.append(("sitemap-2.xml (50,000 articles)", "/sitemap-2.xml", {}, ""))
            figures.rows[label] = (result.median, percentile(result.times, 0.95), note)
        figures.rows["worker memory (RSS, MiB)"] = (worker_rss_mib(server.process.pid), None, "")

    with app.app_context():
        for label, query in QUERIES:
            total = search(query, None, 12).total or 0
            db.session.remove()

            def call(query=query):
                search(query, None, 12)
                db.session.remove()

            times = timed(call, args.search_runs)
            median, p95 = statistics.median(times), percentile(times, 0.95)
            figures.rows[label] = (median, p95, f"{total:,} hits")
        db.session.remove()
        db.engine.dispose()
    return figures


def report(big: Figures, small: Figures | None) -> None:
    """Print the table: the figures at the big size, at the small one, and the ratio."""
    print()
    head = f"  {'figure':<36} {f'{big.articles:,}: median / p95 ms':>26}"
    if small:
        head += f"   {f'{small.articles:,}: median / p95 ms':>26}   {'ratio':>6}"
    print(head + "   note")

    def cell(value: tuple[float, float | None, str]) -> str:
        median, p95, _ = value
        return f"{median:>12.1f} / {p95:>8.1f}" if p95 is not None else f"{median:>23.1f}"

    for label, value in big.rows.items():
        line = f"  {label:<36} {cell(value):>26}"
        notes = [value[2]]
        if small and label in small.rows:
            other = small.rows[label]
            ratio = value[0] / other[0] if other[0] else float("nan")
            line += f"   {cell(other):>26}   {ratio:>5.2f}x"
            notes.append(other[2])
        print(line + "   " + " | ".join(note for note in notes if note))
    for figures in (big, small):
        if figures and figures.fill_seconds:
            print(f"  fill of {figures.articles:,}: {figures.fill_seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    """Fill and measure both sizes, then print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--compare", type=int, default=10_000, help="0: no comparison run")
    parser.add_argument("--sample", type=int, default=200, help="filled through publish()")
    parser.add_argument("--runs", type=int, default=10, help="warm publish runs")
    parser.add_argument("--requests", type=int, default=100, help="requests per page row")
    parser.add_argument("--search-runs", type=int, default=30)
    parser.add_argument("--limit", type=float, default=60, help="seconds per row at most")
    parser.add_argument("--reuse", action="store_true", help="the scratch databases are filled")
    parser.add_argument("--keep", action="store_true", help="do not drop the scratch databases")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(BENCH))
    if not postgres_reachable():
        print("PostgreSQL does not answer on 127.0.0.1:5432.")
        return 1
    print(f"load average at start: {load_average()}; cores: {os.cpu_count()}")
    started = time.perf_counter()
    sizes = [args.articles] + ([args.compare] if args.compare else [])
    results = {}
    try:
        for count in sizes:
            with tempfile.TemporaryDirectory(prefix="blog-bench-growth-") as folder:
                instance = str(Path(folder).resolve())
                results[count] = measure_size(count, args, instance)
    finally:
        if not args.keep:
            for count in sizes:
                admin(f"DROP DATABASE IF EXISTS {database_name(count)} WITH (FORCE)")
    report(results[args.articles], results.get(args.compare))
    print(f"\ntook {time.perf_counter() - started:.0f} s; load average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
