"""Standalone pages: /pages/<slug>/, served from the page cache under the page's dates."""

from __future__ import annotations

from flask import abort, render_template

from ..models import Article
from ..services import standalone
from ..share import site_root
from ..web.http_cache import reader_response
from ..web.page_cache import cached_page
from .views import bp, load_article


# Under /pages/: no route of the site starts there, and an old address that is no page
# still reaches the old-address redirects through the 404.
@bp.get("/pages/<slug>/")
def page(slug: str):
    """Show a published standalone page (About, Links) from its stored HTML."""
    stamp = standalone.page_stamp(slug)
    if stamp is None:
        abort(404)
    key = ("page", site_root(), *stamp)
    return reader_response(cached_page(key, lambda: render_page(load_article(stamp.id))))


def render_page(found: Article, *, preview: bool = False) -> str:
    """Render a standalone page: its title and text, no dates, tags or neighbours."""
    return render_template("blog/page.html", article=found, preview=preview)
