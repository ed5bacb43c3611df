"""History benchmark: the revision diff and the History and restore pages on rewritten articles.

    .venv/bin/python bench/history.py                 # 36 KB and 100 KB articles
    .venv/bin/python bench/history.py --sizes 100000 --runs 10
    .venv/bin/python bench/history.py --difflib       # also time the old difflib diff (slow)

Part one times content/diff.py alone on articles whose every non-blank line was reworded
(the case that made the History page time out), and on hostile line patterns that spend
the whole work budget. Part two runs the app in process on a scratch SQLite database,
signs in, publishes each article and its reworded version, and times GET of the History
page and POST of a restore (which saves the old source again: a full re-render) with
Flask's test client, so the figures are the server's own time without the network.

It prints figures and never asserts. Every loop is bounded in count.
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp import create_app  # noqa: E402 - the project root is put on the path first
from webapp.content.diff import WORK_BUDGET, diff_sources  # noqa: E402

WORDS = "the of a tree index node sum query update range 树状 数组 前缀 和 查询 更新".split()  # noqa: SIM905


def paragraph(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))


def article(size: int, seed: int = 1) -> str:
    """Return Markdown of about `size` characters: headings, paragraphs, code, formulas."""
    rng = random.Random(seed)
    lines: list[str] = []
    length = 0
    while length < size:
        roll = rng.random()
        if roll < 0.1:
            added = ["## " + paragraph(rng), ""]
        elif roll < 0.2:
            added = ["```python", "x = 1", "}", "", "}", "```", ""]
        elif roll < 0.25:
            added = [f"$$\\sum_{{i=1}}^{{{rng.randint(2, 99)}}} i^2$$", ""]
        else:
            added = [paragraph(rng), ""]
        lines += added
        length += sum(len(line) + 1 for line in added)
    return "\n".join(lines)


def reworded(text: str, seed: int = 2) -> str:
    """Return the text with every non-blank line rewritten."""
    rng = random.Random(seed)
    return "\n".join(paragraph(rng) if line.strip() else line for line in text.split("\n"))


def hostile() -> dict[str, tuple[str, str]]:
    """Line patterns that make a diff work hard."""
    rng = random.Random(5)
    pairs = [(f"u{i}", "p", "q") for i in range(30_000)]
    return {
        "2x2 stretches, 90k lines": (
            "\n".join(x for u, p, q in pairs for x in (u, p, q)),
            "\n".join(x for u, p, q in pairs for x in (u, q, p)),
        ),
        "shuffled 30k lines": (
            "\n".join(f"l{i}" for i in range(30_000)),
            "\n".join(rng.sample([f"l{i}" for i in range(30_000)], 30_000)),
        ),
        "two lines, uneven, 20k": (
            "\n".join(rng.choice("xy") for _ in range(20_000)),
            "\n".join(rng.choice("xyy") for _ in range(20_000)),
        ),
    }


def seconds(function, runs: int) -> tuple[float, object]:
    """Return the median time of `runs` calls and the last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def diff_figures(sizes: list[int], runs: int, with_difflib: bool) -> None:
    print(f"# diff alone (median of {runs}; work budget {WORK_BUDGET:,} units)")
    cases = {}
    for size in sizes:
        cases[f"{size // 1000} KB reworded"] = (article(size), reworded(article(size)))
    cases.update(hostile())
    for name, (old, new) in cases.items():
        took, diff = seconds(lambda old=old, new=new: diff_sources(old, new), runs)
        print(
            f"  {name:30} {took * 1000:8.1f} ms  work {diff.work:>9,}  exact {diff.exact!s:5}"
            f"  +{diff.added:,} -{diff.removed:,}"
        )
        if with_difflib and name.endswith("reworded"):
            before, after = old.split("\n"), new.split("\n")
            started = time.perf_counter()
            matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
            list(matcher.get_grouped_opcodes(3))
            took = time.perf_counter() - started
            print(f"  {'  the old difflib diff':30} {took * 1000:8.1f} ms")


def revision_ids(article_id: int) -> list[int]:
    from webapp.extensions import db
    from webapp.models import Revision

    query = db.select(Revision.id).where(Revision.article_id == article_id)
    return list(db.session.scalars(query.order_by(Revision.id)))


def page_figures(sizes: list[int], runs: int) -> None:
    from webapp.extensions import db
    from webapp.services import accounts
    from webapp.services.publishing import publish
    from webapp.services.schema import stamp_head

    print(f"\n# pages, in process (median of {runs})")
    with tempfile.TemporaryDirectory(prefix="blog-history-") as folder:
        app = create_app(
            {
                "SECRET_KEY": "bench-only",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "INSTANCE_PATH": f"{folder}/instance",
                "JOB_RENDER_PROCESSES": 1,
            }
        )
        with app.app_context():
            db.create_all()
            stamp_head()
            accounts.create_user("bench", PASSWORD)
        client = app.test_client()
        login = csrf_token(client.get("/admin/login").text)
        data = {"username": "bench", "password": PASSWORD, "csrf_token": login}
        client.post("/admin/login", data=data)
        form = csrf_token(client.get("/admin/upload").text)
        for size in sizes:
            label = f"{size // 1000} KB"
            old = f"---\ntitle: Bench {size}\n---\n" + article(size)
            new = f"---\ntitle: Bench {size}\n---\n" + reworded(article(size))
            with app.app_context():
                article_id = publish(old, filename=f"bench-{size}.md").article.id
                publish(new, filename=f"bench-{size}.md")
                first, second = revision_ids(article_id)
            page = f"/admin/articles/{article_id}/revisions"
            took, response = seconds(lambda page=page: client.get(page), runs)
            size_note = f"({response.status_code}, {len(response.data):,} bytes)"
            print(f"  History page, {label} rewritten   {took * 1000:8.1f} ms  {size_note}")
            times = []
            for run in range(runs):
                # Alternate the two versions, so that each restore saves a changed source.
                target = (first, second)[run % 2]
                started = time.perf_counter()
                answer = client.post(f"{page}/{target}/restore", data={"csrf_token": form})
                times.append(time.perf_counter() - started)
            took = statistics.median(times)
            status = answer.status_code
            print(f"  restore POST, {label} (re-renders)  {took * 1000:8.1f} ms  ({status})")
            took, response = seconds(lambda page=page: client.get(page), runs)
            status = response.status_code
            print(f"  History page after the restores  {took * 1000:8.1f} ms  ({status})")


PASSWORD = "bench-password-1234"


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[36_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--difflib", action="store_true", help="also time the old difflib diff")
    args = parser.parse_args()
    diff_figures(args.sizes, args.runs, args.difflib)
    page_figures(args.sizes, args.runs)


if __name__ == "__main__":
    main()
