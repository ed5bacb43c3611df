"""Feed benchmark: response times of /feed.xml, /rss.xml and a 304 revalidation under gunicorn.

    .venv/bin/python bench/feeds.py                    # fill 10,000 articles, then measure
    .venv/bin/python bench/feeds.py --reuse --instance /tmp/blog-bench-x   # data already filled

Fills a database with bench/fill.py (or reuses one), starts gunicorn with one sync worker on
127.0.0.1 and times sequential requests from one client, each over a new connection, from
connect to the last body byte: the feeds as a reader without compression asks for them, with
`Accept-Encoding: br, gzip`, and revalidated with If-None-Match / If-Modified-Since (304);
then the category and tag feeds and the sitemap. A second part times, in process, what one
cache miss costs (the stamp query, loading the 20 articles, the template, compression).

It prints figures and never asserts. Every loop is bounded in count and in time, and the
gunicorn server is stopped at the end. See bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import (  # noqa: E402 - bench/ is put on the path first
    _indent,
    get,
    gunicorn,
    load_average,
    machine,
    median_ms,
    ms,
    percentile,
    section,
)

WARM_UP = 10
BROWSER_ENCODING = {"Accept-Encoding": "br, gzip"}


def timed_requests(port: int, path: str, headers: dict, count: int, limit: float) -> dict:
    """Time `count` sequential requests (at most `limit` seconds) after a warm-up."""
    for _ in range(WARM_UP):
        get(port, path, headers)
    times, statuses, size, encoding = [], set(), 0, "identity"
    deadline = time.monotonic() + limit
    for _ in range(count):
        started = time.perf_counter()
        status, body, response_headers = get(port, path, headers)
        times.append((time.perf_counter() - started) * 1000)
        statuses.add(status)
        size, encoding = len(body), response_headers.get("content-encoding", "identity")
        if time.monotonic() > deadline:
            break
    return {"times": times, "status": statuses, "size": size, "encoding": encoding}


def print_row(label: str, result: dict) -> None:
    """Print median and p95 of one URL."""
    times = result["times"]
    print(
        f"  {label:<46} median {ms(statistics.median(times)):>9}  "
        f"p95 {ms(percentile(times, 0.95)):>9}  n={len(times)}  "
        f"{result['size']:,} B {result['encoding']}  "
        f"status {','.join(map(str, sorted(result['status'])))}"
    )


def bench_server(env: dict, count: int, limit: float) -> None:
    """Measure the feeds, their revalidation and the sitemap against gunicorn."""
    section("Feeds under gunicorn (1 sync worker, one client, new connection per request)")
    category, tag = scoped_paths(env)
    with gunicorn(env, workers=1) as port:

        def row(label: str, path: str, headers: dict, times: int = count) -> None:
            print_row(label, timed_requests(port, path, headers, times, limit))

        for path in ("/feed.xml", "/rss.xml"):
            status, body, headers = get(port, path)
            print(f"  {path}: {status}, {len(body):,} B, ETag {headers.get('etag')}")
            row(path, path, {})
            row(f"{path} (br, gzip)", path, BROWSER_ENCODING)
            row(f"{path} If-None-Match -> 304", path, {"If-None-Match": headers["etag"]})
            since = {"If-Modified-Since": headers["last-modified"]}
            row(f"{path} If-Modified-Since -> 304", path, since)
        for path in (category, tag):
            row(f"{unquote(path)} (br, gzip)", path, BROWSER_ENCODING)
        row("/sitemap.xml (br, gzip)", "/sitemap.xml", BROWSER_ENCODING, max(1, count // 4))


def scoped_paths(env: dict) -> tuple[str, str]:
    """Return the feed paths of the biggest top-level category and of the commonest tag."""
    app = make_app(env)
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Article, Category, Tag, article_tags

    with app.app_context():
        top = db.session.execute(
            select(Category.path, func.count(Article.id))
            .join(Article, Article.category_id == Category.id)
            .group_by(Category.path)
            .order_by(func.count(Article.id).desc())
        ).first()
        tag = db.session.execute(
            select(article_tags.c.tag_id, func.count())
            .group_by(article_tags.c.tag_id)
            .order_by(func.count().desc())
        ).first()
        slug = db.session.get(Tag, tag[0]).slug
    root = top[0].split("/")[0]
    return f"/categories/{quote(root)}/feed.xml", f"/tags/{quote(slug)}/feed.xml"


def make_app(env: dict):
    """Return the app on the filled data, configured as gunicorn's is."""
    from webapp import create_app

    config = {"INSTANCE_PATH": env["INSTANCE_PATH"], "SERVER_NAME": "127.0.0.1"}
    if env.get("DATABASE_URL"):
        from webapp.config import database_uri

        config["SQLALCHEMY_DATABASE_URI"] = database_uri(env["DATABASE_URL"])
    return create_app(config)


def bench_breakdown(env: dict, count: int, limit: float) -> None:
    """Time one feed cache miss, piece by piece, in this process."""
    section("One cache miss of /feed.xml, in process (medians)")
    from flask import render_template

    from webapp.services import listing, syndication
    from webapp.web.page_cache import CachedPage, PageCache

    app = make_app(env)
    client = app.test_client()
    with app.test_request_context("/feed.xml"):
        stamp = syndication.feed_stamp(listing.everything())
        items = syndication.feed_items(stamp)

        def template() -> str:
            return render_template(
                "feeds/atom.xml",
                items=items,
                feed_title="title",
                feed_url="http://127.0.0.1/feed.xml",
                page_url="http://127.0.0.1/",
                updated=stamp.last_modified,
                author="author",
            )

        xml = template()
        rows = [
            ("stamp query (all a 304 costs)", lambda: syndication.feed_stamp(listing.everything())),
            ("load the 20 articles with tags", lambda: syndication.feed_items(stamp)),
            ("template (absolute URLs, escaping)", template),
            ("compress for br (once per document)", lambda: CachedPage(xml).body("br")),
            ("compress for gzip (once per document)", lambda: CachedPage(xml).body("gzip")),
        ]
        for label, function in rows:
            print(f"  {label:<46} {ms(median_ms(function, count, limit)):>9}")
    print(f"  feed document: {len(xml.encode()):,} B, {len(items)} entries")

    def miss() -> None:
        app.extensions["page_cache"] = PageCache(app.config["PAGE_CACHE_BYTES"])
        client.get("/feed.xml", headers=BROWSER_ENCODING)

    print(f"  {'whole request, empty cache (test client)':<46} {ms(median_ms(miss, 20, limit)):>9}")
    hit = median_ms(lambda: client.get("/feed.xml", headers=BROWSER_ENCODING), count, limit)
    print(f"  {'whole request, cached (test client)':<46} {ms(hit):>9}")


def main(argv: list[str] | None = None) -> int:
    """Fill or reuse data, then print the feed figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per row")
    parser.add_argument("--seconds", type=float, default=30, help="time limit per row")
    from fill import add_fill_arguments, fill_or_reuse

    add_fill_arguments(parser)
    args = parser.parse_args(argv)

    print("Feed benchmark")
    for key, value in machine().items():
        print(f"  {key:<14} {value}")
    result = fill_or_reuse(parser, args, _indent, announce=lambda: section("Fill"))
    env = result.env()
    bench_server(env, args.requests, args.seconds)
    bench_breakdown(env, min(args.requests, 50), args.seconds)
    print()
    print(f"Load average at the end: {load_average()}")
    print(f"Data left in {result.instance_path} (delete it, or rerun with --reuse --instance)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
