"""How a request was made: by htmx for a fragment, or for a whole page."""

from __future__ import annotations

from flask import request


def wants_fragment() -> bool:
    """Tell whether htmx asked for just a fragment (not a boosted link, not a history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )
