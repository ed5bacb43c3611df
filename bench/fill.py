"""Fill a fresh database with generated articles (bench/generate.py) for the benchmarks.

Publishing all 10,000 through publish() would take minutes (every formula goes through
KaTeX), so the fill is in two parts, and says so in its output:

1. a sample (default 200, spread evenly over the dates) goes through the real publish()
   path: front matter, Markdown, KaTeX, Pygments, sanitizer, excerpt, revisions;
2. the bulk is inserted in batches with SQLAlchemy Core. Each bulk row has its own
   title, slug, dates, category, tags, source, revision, excerpt and search text; its
   stored HTML and table of contents are borrowed from the rendered sample article of
   the same language and kind (math / code) closest in length, so pages weigh what
   real ones would.

    python bench/fill.py                         # new SQLite file in a temp instance folder
    python bench/fill.py --instance /tmp/blog    # ... in this instance folder
    python bench/fill.py --database postgresql://user@127.0.0.1/blogbench   # an empty database
"""

from __future__ import annotations

import argparse
import bisect
import html
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from generate import CATEGORIES, DEFAULT_COUNT, DEFAULT_SEED, TAGS, generate
from sqlalchemy import func, insert, select

from webapp import create_app
from webapp.content.document import source_hash
from webapp.content.excerpt import make_excerpt
from webapp.content.language import reading_stats
from webapp.content.searchtext import SearchFields
from webapp.extensions import db
from webapp.models import PUBLISHED, Article, Category, Revision, Tag, article_tags
from webapp.services.publishing import RENDER_VERSION, publish
from webapp.services.schema import upgrade_database
from webapp.services.search.indexer import write_documents
from webapp.services.taxonomy import category_for_path, tags_for_names

DEFAULT_SAMPLE = 200
BATCH = 500

_FENCE = re.compile(r"```[a-z]*\n.*?\n```", re.DOTALL)
_DISPLAY = re.compile(r"\$\$\n.*?\n\$\$", re.DOTALL)
_INLINE = re.compile(r"\$([^$\n]+)\$")


@dataclass
class FillResult:
    """Where the filled database is and what went into it."""

    instance_path: str
    database_url: str
    count: int = 0
    published: int = 0
    bulk: int = 0
    seconds: float = 0.0
    publish_seconds: float = 0.0
    bulk_seconds: float = 0.0

    def env(self) -> dict[str, str]:
        """Return the environment variables that point `webapp:create_app()` at this data."""
        env = {"INSTANCE_PATH": self.instance_path}
        if not self.database_url.startswith("sqlite:///" + self.instance_path):
            env["DATABASE_URL"] = self.database_url
        return env


@dataclass
class _Template:
    """Rendered output of one sample article, lent to bulk rows of the same kind."""

    length: int
    html: str
    toc_html: str
    feed_html: str | None = None


def sample_indexes(count: int, sample: int) -> set[int]:
    """Return the indexes of the generated articles that go through publish()."""
    sample = max(1, min(sample, count))
    return {int(i * count / sample) for i in range(sample)}


def make_app(instance_path: str, database_url: str | None):
    """Return the blog app on this instance folder and database."""
    config = {"INSTANCE_PATH": instance_path}
    if database_url:
        config["SQLALCHEMY_DATABASE_URI"] = database_url
    return create_app(config)


def _kind(text: str) -> tuple[bool, bool]:
    return "$" in text, "```" in text


def _cheap_html(body: str) -> str:
    """Return rough HTML of the first blocks of a body, enough for a faithful excerpt."""
    parts = []
    for block in body.split("\n\n")[:6]:
        block = block.strip()
        if block.startswith("```"):
            parts.append("<pre><code>code</code></pre>")
        elif block.startswith("$$"):
            parts.append('<div class="math math-display">f</div>')
        elif block.startswith("#"):
            parts.append(f"<h2>{html.escape(block.lstrip('# '))}</h2>")
        elif block:
            text = _INLINE.sub("\0", block)
            pieces = [html.escape(piece) for piece in text.split("\0")]
            parts.append("<p>" + '<span class="math math-inline">x</span>'.join(pieces) + "</p>")
    return "\n".join(parts)


def _plain_text(body: str) -> str:
    """Return the body without code, formulas and Markdown marks (for search and counts)."""
    text = _FENCE.sub(" ", body)
    text = _DISPLAY.sub(" ", text)
    text = _INLINE.sub(" ", text)
    return re.sub(r"^(#+|-) ", "", text, flags=re.MULTILINE)


def _ensure_taxonomy() -> tuple[dict[str, int], dict[str, int]]:
    """Create every category and tag the generator uses; return name -> id maps."""
    categories = {"/".join(path): category_for_path(path) for path in CATEGORIES}
    tags = dict(zip(TAGS, tags_for_names(TAGS), strict=True))
    db.session.commit()
    return (
        {path: category.id for path, category in categories.items()},
        {name: tag.id for name, tag in tags.items()},
    )


def _stored_time(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """Return a front matter time read in the site's zone as naive UTC, as publish() does."""
    if moment is None:
        return None
    return moment.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def _bulk_rows(articles, templates, category_ids, tag_ids, tz):
    """Yield (article row, tag ids, source hash, searchable prose) for generated articles.

    The generator knows each article's front matter, so it is not parsed again here; the
    stored values are what publish() would derive from it.
    """
    for generated in articles:
        text, fields, body = generated.text, generated.fields, generated.body
        date = _stored_time(generated.date, tz)
        updated = _stored_time(generated.updated, tz)
        front_matter = {**fields, "date": generated.date.isoformat()}
        if generated.updated:
            front_matter["updated"] = generated.updated.isoformat()
        group = templates.get((generated.lang, *_kind(body))) or templates[generated.lang]
        lengths = [template.length for template in group]
        at = min(bisect.bisect_left(lengths, len(text)), len(group) - 1)
        template = group[at]
        plain = _plain_text(body)
        words, minutes = reading_stats(plain)
        digest = source_hash(text)
        row = {
            "slug": generated.slug,
            "title": fields["title"],
            "source_md": text,
            "source_hash": digest,
            "front_matter": front_matter,
            "html": template.html,
            "toc_html": template.toc_html,
            "excerpt": make_excerpt(_cheap_html(body), generated.lang),
            "lang": generated.lang,
            "word_count": words,
            "reading_minutes": minutes,
            "status": PUBLISHED,
            "render_version": RENDER_VERSION,
            "published_at": date,
            "created_at": date,
            "updated_at": updated or date,
            "category_id": category_ids["/".join(fields["categories"])],
        }
        if "source_filename" in Article.__table__.c:
            row["source_filename"] = generated.filename
        if "feed_html" in Article.__table__.c:
            row["feed_html"] = template.feed_html
        prose = " ".join(plain.split())
        yield row, [tag_ids[name] for name in fields["tags"]], digest, prose


def _insert_batch(batch) -> None:
    rows = [row for row, _, _, _ in batch]
    table = Article.__table__
    returned = db.session.execute(insert(table).returning(table.c.id, table.c.slug), rows)
    ids = {slug: article_id for article_id, slug in returned}
    links, revisions = [], []
    for row, tags, digest, _ in batch:
        article_id = ids[row["slug"]]
        links.extend({"article_id": article_id, "tag_id": tag_id} for tag_id in tags)
        revisions.append(
            {
                "article_id": article_id,
                "source_md": row["source_md"],
                "source_hash": digest,
                "created_at": row["created_at"],
            }
        )
    if links:
        db.session.execute(insert(article_tags), links)
    db.session.execute(insert(Revision.__table__), revisions)
    # Core inserts bypass ArticleWriter, which writes the search rows: index each row's own text.
    documents = [(ids[row["slug"]], _search_fields(row, prose)) for row, _, _, prose in batch]
    write_documents(db.session.connection(), documents)
    db.session.commit()


def _search_fields(row: dict, prose: str) -> SearchFields:
    """Return a bulk row's searchable fields from its own source (its HTML is borrowed)."""
    source = row["source_md"]
    code = [block.split("\n", 1)[1].rsplit("\n", 1)[0] for block in _FENCE.findall(source)]
    rest = _FENCE.sub(" ", source)
    math = [block[3:-3].strip() for block in _DISPLAY.findall(rest)]
    math += _INLINE.findall(_DISPLAY.sub(" ", rest))
    return SearchFields(row["title"], prose, "\n".join(code), "\n".join(math))


def fill(
    database_url: str | None = None,
    instance_path: str | None = None,
    count: int = DEFAULT_COUNT,
    sample: int = DEFAULT_SAMPLE,
    seed: int = DEFAULT_SEED,
    log=print,
) -> FillResult:
    """Fill an empty database with `count` generated articles; `sample` go through publish()."""
    instance_path = os.path.abspath(instance_path or tempfile.mkdtemp(prefix="blog-bench-"))
    app = make_app(instance_path, database_url)
    result = FillResult(instance_path, app.config["SQLALCHEMY_DATABASE_URI"], count=count)
    chosen = sample_indexes(count, sample)
    started = time.perf_counter()
    with app.app_context():
        upgrade_database()
        existing = db.session.scalar(select(func.count(Article.id)))
        if existing:
            raise SystemExit(f"{result.database_url} already has {existing} articles; want empty.")
        tz = ZoneInfo(app.config["SITE_TIMEZONE"])
        category_ids, tag_ids = _ensure_taxonomy()

        log(f"Filling {result.database_url} with {count} generated articles (seed {seed}):")
        generated_all = list(generate(count, seed))
        generate_seconds = time.perf_counter() - started
        log(f"  generated {count} Markdown documents in {generate_seconds:.1f} s")
        templates: dict = defaultdict(list)
        rest = []
        for generated in generated_all:
            if generated.index not in chosen:
                rest.append(generated)
                continue
            publish_started = time.perf_counter()
            published = publish(generated.text, filename=generated.filename)
            result.publish_seconds += time.perf_counter() - publish_started
            article = published.article
            template = _Template(
                len(generated.text), article.html, article.toc_html, article.feed_html
            )
            templates[(generated.lang, *_kind(generated.body))].append(template)
            templates[generated.lang].append(template)
            result.published += 1
        for group in templates.values():
            group.sort(key=lambda template: template.length)
        log(
            f"  {result.published} articles rendered and stored through publish() "
            f"in {result.publish_seconds:.1f} s "
            f"({result.publish_seconds / max(result.published, 1) * 1000:.0f} ms each)"
        )

        bulk_started = time.perf_counter()
        batch = []
        for item in _bulk_rows(rest, templates, category_ids, tag_ids, tz):
            batch.append(item)
            if len(batch) == BATCH:
                _insert_batch(batch)
                result.bulk += len(batch)
                batch = []
        if batch:
            _insert_batch(batch)
            result.bulk += len(batch)
        result.bulk_seconds = time.perf_counter() - bulk_started
        log(
            f"  {result.bulk} articles inserted in batches of {BATCH} with SQLAlchemy Core "
            f"in {result.bulk_seconds:.1f} s (own metadata, source, excerpt, tags, revision; "
            "HTML borrowed from the nearest rendered sample)"
        )
        total = db.session.scalar(select(func.count(Article.id)))
        categories = db.session.scalar(select(func.count(Category.id)))
        tags = db.session.scalar(select(func.count(Tag.id)))
    result.seconds = time.perf_counter() - started
    size = ""
    database_file = Path(instance_path) / "blog.sqlite3"
    if result.database_url.startswith("sqlite") and database_file.is_file():
        size = f", {database_file.stat().st_size / 1e6:.0f} MB on disk"
    log(
        f"  fill took {result.seconds:.1f} s: {total} articles, {categories} categories, "
        f"{tags} tags{size}"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    """Fill a database from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database")
    parser.add_argument("--instance", help="instance folder (default: a new temp folder)")
    parser.add_argument("--articles", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--sample", type=int, default=DEFAULT_SAMPLE, help="through publish()")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    result = fill(args.database, args.instance, args.articles, args.sample, args.seed)
    env = " ".join(f"{key}={value}" for key, value in result.env().items())
    print(f"Serve it with: {env} .venv/bin/gunicorn -w 4 -b 127.0.0.1:5000 'webapp:create_app()'")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def add_fill_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of a benchmark that fills a database first, or reuses a filled one."""
    parser.add_argument("--articles", type=int, default=10_000, help="articles to generate")
    parser.add_argument("--sample", type=int, default=200, help="articles filled via publish()")
    parser.add_argument("--instance", help="instance folder (default: a new temp folder)")
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in the instance)")
    parser.add_argument("--reuse", action="store_true", help="use data already in --instance")


def fill_or_reuse(parser, args, log, announce=lambda: None) -> FillResult:
    """Return the filled database the options name: reused, or filled now (after announce())."""
    if args.reuse:
        if not args.instance:
            parser.error("--reuse needs --instance (and --database unless SQLite)")
        instance = os.path.abspath(args.instance)
        result = FillResult(instance, args.database or f"sqlite:///{instance}/blog.sqlite3")
        print(f"  reusing {result.database_url} (not filled again)")
        return result
    announce()
    return fill(args.database, args.instance, args.articles, args.sample, log=log)
