"""A draft's or scheduled article's private preview page, for whoever holds its link."""

from __future__ import annotations

from flask import make_response, redirect, url_for
from flask_babel import gettext as _

from ..errors import render_error
from ..services import preview_links
from .standalone import render_page
from .views import bp, load_article, render_article

# Never stored by anyone, never indexed, and the token never sent on in a Referer.
PREVIEW_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


# Under a "_" folder, like /_notes/: no site generator makes one, so no old address an
# upload brings can collide with it.
@bp.get("/_preview/<token>/")
def preview(token: str):
    """Show the article a preview link opens, marked as a preview; never from the page cache."""
    found = preview_links.article_for(token)
    if found is None:
        message = _(
            "This preview link is not valid: it has expired, or its author replaced or "
            "withdrew it. Ask them for a new one."
        )
        response = make_response(render_error(404, _("Preview link not valid"), message))
    elif found.is_published:
        # Published since the link was shared: the reader gets the real page.
        response = redirect(url_for(found.reader_endpoint, slug=found.slug))
    else:
        render = render_page if found.is_page else render_article
        response = make_response(render(load_article(found.id), preview=True))
    response.headers.update(PREVIEW_HEADERS)
    return response
