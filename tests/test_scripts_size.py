"""Our own JavaScript stays small: every page works without it, and it costs little with it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
BUDGET_BYTES = 15 * 1024


def our_scripts() -> list[Path]:
    """Return the scripts we write (static/js); vendor files live in static/vendor."""
    return sorted((STATIC / "js").glob("*.js"))


def test_our_javascript_is_under_15_kb_gzipped_in_total():
    scripts = our_scripts()
    assert {path.name for path in scripts} >= {"site.js", "search.js"}
    sizes = {path.name: len(gzip.compress(path.read_bytes(), 9)) for path in scripts}
    assert sum(sizes.values()) < BUDGET_BYTES, json.dumps(sizes)
