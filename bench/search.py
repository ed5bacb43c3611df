"""Search latency on the generated corpus: median and p95 per kind of query, per database.

Fills a fresh SQLite database with bench/fill.py (10,000 articles by default; the fill
indexes every article's own text), and, when PostgreSQL answers on 127.0.0.1:5432, a
scratch database (blog_bench_search) that it creates first and drops at the end. Then, per
query, after warm-up:

    service  search() in-process: the ranked query, the cards' tags and the snippets
    request  GET /search?q=… as htmx sends it (the fragment), through the Flask test client

and last, how long `flask reindex` (services.search.reindex) takes for the whole corpus.

    python bench/search.py                                # 10,000 articles, both databases
    python bench/search.py --articles 2000 --runs 20      # quicker
    python bench/search.py --instance /tmp/blog-bench-XXXX --reuse   # SQLite filled before
    python bench/search.py --skip-postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fill import DEFAULT_SAMPLE, fill, make_app
from generate import DEFAULT_COUNT, DEFAULT_SEED
from run import percentile
from sqlalchemy import func, select, text

from webapp.extensions import db
from webapp.models import Article
from webapp.services.search import reindex, search

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_SCRATCH = "blog_bench_search"
QUERIES = [
    ("1 Chinese character", "梯"),
    ("1 character, in most articles", "的"),
    ("2 Chinese characters", "梯度"),
    ("4 Chinese characters", "梯度下降"),
    ("English word", "gradient"),
    ("mixed (both must match)", "Spark 数据倾斜"),
    ("quoted phrase", '"gradient descent"'),
    ("no match", "量子纠缠"),
]


def timed(call, runs: int, warmup: int = 3) -> list[float]:
    """Return the milliseconds of `runs` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure(app, runs: int) -> list[tuple[str, str, int, list[float], list[float]]]:
    """Time every query through the service and as an htmx request."""
    client = app.test_client()
    rows = []
    with app.app_context():
        for kind, query in QUERIES:
            total = search(query, None, 12).total or 0
            db.session.remove()

            def service(query=query):
                search(query, None, 12)
                db.session.remove()

            def request(query=query):
                response = client.get(
                    "/search", query_string={"q": query}, headers={"HX-Request": "true"}
                )
                assert response.status_code == 200

            rows.append((kind, query, total, timed(service, runs), timed(request, runs)))
    return rows


def report(title: str, rows) -> None:
    """Print one database's table."""
    print(f"\n{title}")
    print(
        f"  {'query kind':<31} {'query':<18} {'results':>7}   "
        f"{'service ms (median / p95)':>25}   {'request ms (median / p95)':>25}"
    )
    for kind, query, total, service, request in rows:
        shown = query if len(query) <= 16 else query[:15] + "…"
        print(
            f"  {kind:<31} {shown:<18} {total:>7}   "
            f"{statistics.median(service):>12.1f} / {percentile(service, 0.95):>8.1f}   "
            f"{statistics.median(request):>12.1f} / {percentile(request, 0.95):>8.1f}"
        )


def index_size(app) -> str:
    """Describe the size of the search tables."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            size = db.session.scalar(
                text(
                    "SELECT pg_total_relation_size('search_chunks')"
                    " + pg_total_relation_size('search_documents')"
                )
            )
            chunks = db.session.scalar(text("SELECT count(*) FROM search_chunks"))
            return f"search tables {size / 1e6:.0f} MB ({chunks} tsvector chunks)"
        path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        return f"database file {path.stat().st_size / 1e6:.0f} MB in all"


def time_reindex(app) -> str:
    """Rebuild the index from stored HTML, as `flask reindex` does; return a summary."""
    with app.app_context():
        started = time.perf_counter()
        result = reindex()
        seconds = time.perf_counter() - started
        db.session.remove()
    return (
        f"flask reindex: {result.indexed} articles in {seconds:.1f} s "
        f"({seconds / max(result.indexed, 1) * 1000:.1f} ms each; bulk rows borrow their HTML)"
    )


def run(label: str, app, runs: int, skip_reindex: bool) -> None:
    """Measure one filled database."""
    with app.app_context():
        articles = db.session.scalar(select(func.count(Article.id)))
    rows = measure(app, runs)
    report(f"{label}: {articles} articles, {runs} timed runs per query; {index_size(app)}", rows)
    if not skip_reindex:
        print("  " + time_reindex(app))


def postgres_reachable() -> bool:
    """Tell whether the PostgreSQL server answers."""
    import psycopg

    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def scratch_database(action: str) -> None:
    """CREATE or DROP the scratch database (never the shared `test` one)."""
    import psycopg

    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as connection:
        if action == "create":
            connection.execute(f"DROP DATABASE IF EXISTS {PG_SCRATCH}")
            connection.execute(f"CREATE DATABASE {PG_SCRATCH}")
        else:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_SCRATCH} WITH (FORCE)")


def main(argv: list[str] | None = None) -> int:
    """Fill, measure and print, for SQLite and (when reachable) PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--sample", type=int, default=DEFAULT_SAMPLE, help="through publish()")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query")
    parser.add_argument("--instance", help="SQLite instance folder (default: a new temp folder)")
    parser.add_argument("--reuse", action="store_true", help="the SQLite instance is filled")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-reindex", action="store_true")
    args = parser.parse_args(argv)

    print(f"load average at start: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    print(f"cores: {os.cpu_count()}")
    instance = args.instance or tempfile.mkdtemp(prefix="blog-bench-search-")
    if args.skip_sqlite:
        pass
    elif args.reuse:
        app = make_app(os.path.abspath(instance), None)
        run(f"SQLite ({instance})", app, args.runs, args.skip_reindex)
    else:
        result = fill(None, instance, args.articles, args.sample, args.seed)
        app = make_app(result.instance_path, None)
        run(f"SQLite ({instance})", app, args.runs, args.skip_reindex)

    if args.skip_postgres:
        pass
    elif not postgres_reachable():
        print("\nPostgreSQL does not answer on 127.0.0.1:5432: skipped.")
    else:
        scratch_database("create")
        try:
            url = f"{PG_SERVER}/{PG_SCRATCH}"
            with tempfile.TemporaryDirectory(prefix="blog-bench-search-pg-") as folder:
                fill(url, folder, args.articles, args.sample, args.seed)
                app = make_app(folder, url)
                with app.app_context():
                    # Fresh statistics, as autovacuum would have them on a live database;
                    # without them the planner guesses one row per step.
                    db.session.execute(text("ANALYZE"))
                    db.session.commit()
                run(f"PostgreSQL ({PG_SCRATCH})", app, args.runs, args.skip_reindex)
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
        finally:
            scratch_database("drop")
    print(f"\nload average at end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    if not args.skip_sqlite:
        print(f"SQLite instance left in {instance} (delete it when done).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
