"""Hostile Markdown: render time of each case of issue 11's table, and its publish through the API.

    .venv/bin/python bench/hostile.py                      # this checkout
    .venv/bin/python bench/hostile.py --root /other/checkout --no-publish   # "before" figures
    .venv/bin/python bench/hostile.py --others             # also shapes the budget has to stop

Each case runs in a child process of its own (bounded by --timeout seconds, killed past it):
first `render_markdown` of the body, timed after a warm-up render; then, unless
--no-publish, one POST /api/articles of the document (raw text/markdown) through Flask's
test client on a scratch SQLite database, timed from request to answer, with its status
and outcome. The budget (RENDER_BUDGET_SECONDS) applies to the publish as in production.
Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Issue 11's table, at its sizes.
CASES = {
    "'$5 ' x 5,000": lambda: "$5 " * 5_000,
    "'$5 ' x 20,000": lambda: "$5 " * 20_000,
    "unclosed fence x 10,000": lambda: "```x\n" * 10_000,
    "'\\( a ' x 5,000": lambda: "\\( a " * 5_000,
    "'x <code> ' x 10,000": lambda: "x <code> " * 10_000,
    "'[' x 5,000": lambda: "[" * 5_000,
    "blockquotes 1..300 deep": lambda: "\n".join("> " * n + "x" for n in range(1, 301)),
    "blockquotes 1..300 deep, paragraphs": lambda: "\n\n".join(
        "> " * n + "x" for n in range(1, 301)
    ),
    "list 400 levels": lambda: "".join("    " * n + "- x\n" for n in range(400)),
    "'> ' x 5,000 on one line": lambda: "> " * 5_000 + "x",
}
# Shapes where Python-Markdown itself is super-linear, left to the render budget.
OTHERS = {
    "'[a](' x 5,000": lambda: "[a](" * 5_000,
    "'![a](b ' x 5,000": lambda: "![a](b " * 5_000,
    "'# a\\n' x 5,000": lambda: "# a\n" * 5_000,
    "'a\\n---\\n' x 5,000": lambda: "a\n---\n" * 5_000,
    "'- - -\\n' x 5,000": lambda: "- - -\n" * 5_000,
    "'*[a]: b\\n' x 5,000": lambda: "*[a]: b\n" * 5_000,
    "'a\\n: ' x 5,000": lambda: "a\n: " * 5_000,
    "'<img src=' x 5,000": lambda: "<img src=" * 5_000,
    "'<a ' x 5,000": lambda: "<a " * 5_000,
}


def child(name: str, publish: bool) -> dict:
    """Measure one case in this process; return its figures."""
    from webapp.content.render import render_markdown

    body = {**CASES, **OTHERS}[name]()
    render_markdown("Warm-up: $x^2$ [a](b)\n\n```python\nx = 1\n```\n")
    started = time.perf_counter()
    result = render_markdown(body)
    figures = {
        "bytes": len(body.encode()),
        "render_s": time.perf_counter() - started,
        "render_error": "render-error" in result.html,
        "warnings": len(getattr(result, "warnings", [])),
    }
    if publish:
        figures.update(publish_once(name, body))
    return figures


def publish_once(name: str, body: str) -> dict:
    """POST the document to /api/articles on a scratch database; return status and time."""
    from webapp import create_app
    from webapp.extensions import db
    from webapp.services.accounts import create_user
    from webapp.services.schema import stamp_head
    from webapp.services.tokens import create_token

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch}/bench.sqlite3",
                "INSTANCE_PATH": scratch,
                "SERVER_NAME": "blog.bench",
            }
        )
        with app.app_context():
            db.create_all()
            stamp_head()
            user = create_user("bench", "bench-password-123")
            _, secret = create_token(user, "bench")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "text/markdown"}
        text = f"---\ntitle: {json.dumps(name)}\n---\n{body}"
        started = time.perf_counter()
        response = client.post("/api/articles", data=text.encode(), headers=headers)
        elapsed = time.perf_counter() - started
        result = (response.get_json(silent=True) or {}).get("results", [{}])[0]
        return {
            "publish_s": elapsed,
            "status": response.status_code,
            "outcome": result.get("outcome"),
            "reason": result.get("reason"),
        }


def run_case(name: str, root: Path, publish: bool, timeout: float) -> dict:
    """Run one case in a child process; past `timeout` seconds it is killed."""
    command = [sys.executable, __file__, "--child", name, "--root", str(root)]
    if not publish:
        command.append("--no-publish")
    env = {**os.environ, "PYTHONPATH": str(root)}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, cwd=root
        )
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"failed": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(lines[-1])


def show(name: str, figures: dict, timeout: float) -> str:
    if figures.get("timeout"):
        return f"{name:38} over {timeout:g} s (killed)"
    if "failed" in figures:
        return f"{name:38} failed: {figures['failed']}"
    line = f"{name:38} {figures['bytes'] / 1000:6.1f} KB  render {figures['render_s']:6.2f} s"
    if figures.get("render_error"):
        line += " (render error)"
    if figures.get("warnings"):
        line += f" ({figures['warnings']} warning)"
    if "publish_s" in figures:
        outcome = figures["outcome"] or "?"
        if figures.get("reason"):
            outcome += f": {figures['reason']}"
        line += f"  publish {figures['publish_s']:6.2f} s  HTTP {figures['status']} {outcome}"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose webapp is run")
    parser.add_argument("--no-publish", action="store_true", help="time rendering only")
    parser.add_argument("--others", action="store_true", help="also the shapes left to budget")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(args.root))
        print(json.dumps(child(args.child, not args.no_publish)))
        return
    print(f"hostile Markdown, webapp from {args.root}")
    names = list(CASES) + (list(OTHERS) if args.others else [])
    for name in names:
        figures = run_case(name, args.root, not args.no_publish, args.timeout)
        print(show(name, figures, args.timeout), flush=True)


if __name__ == "__main__":
    main()
