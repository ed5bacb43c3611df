"""GET /search: the full results page, or the fragment live search and load-more swap in."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template, request, url_for

from ..services import search as search_service
from ..web.htmx import wants_fragment

bp = Blueprint("search", __name__)


@bp.get("/search")
def index():
    """Show the published articles matching `q`, best match first."""
    query = request.args.get("q", "").replace("\x00", "")
    cursor = request.args.get("after") or None
    results = search_service.search(query, cursor, current_app.config["CARDS_PER_PAGE"])
    context = {
        "q": query,
        "search_query": query,  # base.html puts it back into the header's search box
        "results": results,
        "page": results.page,
        "endpoint": "search.index",
        "view_args": {"q": query},
    }
    fragment = wants_fragment()
    if not fragment:
        template = "search/index.html"
    elif cursor:
        template = "blog/_cards.html"  # load-more: the next cards, appended
    else:
        template = "search/_results.html"  # live search: the new content of <main>
    context["fragment"] = template == "search/_results.html"
    response = current_app.make_response(render_template(template, **context))
    if fragment and not cursor and _typed_on_search_page():
        # Refining a search replaces the history entry instead of adding one per pause in
        # typing, so Back leaves the search for the page it started from.
        response.headers["HX-Replace-Url"] = url_for("search.index", q=query)
    # The same URL answers with a page or a fragment, and the fragment's history header
    # depends on the page it was typed on.
    response.vary.update(("HX-Request", "HX-Current-URL"))
    return response


def _typed_on_search_page() -> bool:
    """Tell whether the live search request came from the search page itself."""
    current = request.headers.get("HX-Current-URL", "")
    return urlsplit(current).path == url_for("search.index")
