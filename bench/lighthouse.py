"""Lighthouse (mobile) scores of the home page and a math article, served as `make serve` does.

Starts gunicorn on 127.0.0.1 over a fresh instance loaded with the demo articles, runs the
pinned Lighthouse from the npm registry (`npx --yes lighthouse@VERSION`) in Debian's
Chromium, and prints the four category scores per page (the median of --runs runs), with the
audits that cost points. Needs Node.js (npx) and Chromium. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import ROOT, VENV_BIN, gunicorn_server  # noqa: E402 - bench/ is put on the path first

LIGHTHOUSE = "lighthouse@12.8.2"  # the last release that runs on Node.js 20
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# The same switches as the browser tests: headless, and no calls to Google services.
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
RUN_LIMIT_SECONDS = 240


def flask(env: dict, *arguments: str) -> None:
    """Run a flask command of the app on the scratch instance."""
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "webapp", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )


def math_article_path(env: dict) -> str:
    """Return the address of the first demo article with a display formula."""
    code = (
        "from sqlalchemy import select\n"
        "from webapp import create_app\n"
        "from webapp.extensions import db\n"
        "from webapp.models import Article\n"
        "with create_app().app_context():\n"
        "    slugs = db.session.scalars(select(Article.slug).where(\n"
        "        Article.html.contains('math-display')).order_by(Article.id))\n"
        "    print(next(iter(slugs)))\n"
    )
    slug = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    return f"/posts/{slug}/"


def lighthouse(url: str) -> dict:
    """Run Lighthouse (mobile, its default) once on a URL; return its JSON report."""
    command = [
        "npx",
        "--yes",
        LIGHTHOUSE,
        url,
        "--only-categories=" + ",".join(CATEGORIES),
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    result = subprocess.run(
        command,
        env={**os.environ, "CHROME_PATH": CHROME},
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT_SECONDS,
    )
    if result.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


def scores(report: dict) -> dict[str, int]:
    """Return each category's score out of 100."""
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def losses(report: dict) -> list[str]:
    """Return the weighted audits that did not pass, by category."""
    lines = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                value = audit.get("displayValue", "")
                lines.append(f"{name}: {audit['id']} ({audit['score']:.2f}) {value}".rstrip())
    return lines


def main(argv: list[str] | None = None) -> int:
    """Serve the demo, measure each page, print the scores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page (the median is shown)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--save", type=Path, help="folder to write each run's JSON report to (for its audits)"
    )
    args = parser.parse_args(argv)
    if shutil.which("npx") is None or not Path(CHROME).exists():
        print("Lighthouse needs npx (Node.js) and Chromium at", CHROME, file=sys.stderr)
        return 1
    instance = Path(tempfile.mkdtemp(prefix="blog-lighthouse-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SITE_LANG"}
    }
    env["INSTANCE_PATH"] = str(instance)
    try:
        flask(env, "init-db")
        flask(env, "load-demo")
        pages = {"home": "/", "math article": math_article_path(env)}
        with gunicorn_server(env, args.workers) as server:
            base = f"http://127.0.0.1:{server.port}"
            print(f"Lighthouse {LIGHTHOUSE.split('@')[1]} (mobile), Chromium {CHROME}")
            print(f"{'page':<34}" + "".join(f"{name:>16}" for name in CATEGORIES))
            for label, path in pages.items():
                reports = [lighthouse(base + path) for _ in range(args.runs)]
                runs = [scores(report) for report in reports]
                if args.save:
                    args.save.mkdir(parents=True, exist_ok=True)
                    for number, report in enumerate(reports, 1):
                        name = f"{label.replace(' ', '-')}-{number}.json"
                        (args.save / name).write_text(json.dumps(report), encoding="utf-8")
                median = {name: statistics.median(run[name] for run in runs) for name in CATEGORIES}
                cells = "".join(f"{median[name]:>16g}" for name in CATEGORIES)
                print(f"{label + ' ' + path:<34.34}{cells}")
                for number, run in enumerate(runs, 1):
                    cells = "".join(f"{run[name]:>16}" for name in CATEGORIES)
                    print(f"{'  run ' + str(number):<34}{cells}")
                for line in sorted(set().union(*(losses(report) for report in reports))):
                    print(f"    {line}")
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
