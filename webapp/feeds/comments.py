"""The Atom feeds of approved comments: one per article, and the site's."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, request
from flask_babel import gettext as _

from ..services.comments import feed
from ..share import absolute_url, site_author, site_root
from .views import ATOM, bp, cached_response, render_xml


@bp.app_template_global()
def comment_feed_title(site: str, title: str | None = None) -> str:
    """Return the title of a comment feed: the site's, or one article's."""
    if title is None:
        return _("%(site)s · Comments", site=site)
    return _("%(site)s · Comments on %(title)s", site=site, title=title)


def render_comment_feed(article_id: int | None, title: str, page_url: str):
    """Render the Atom feed of the newest approved comments (of one article, when given)."""
    stamp = feed.feed_stamp(article_id, title)

    def build() -> str:
        return render_xml(
            "feeds/comments.xml",
            entries=feed.feed_entries(article_id),
            feed_title=title,
            feed_url=site_root() + request.path.lstrip("/"),
            page_url=page_url,
            updated=stamp.last_modified or datetime.now(UTC),
            author=site_author(),
        )

    return cached_response(stamp, ATOM, build)


@bp.get("/comments.xml")
def comments():
    """Serve the feed of the site's newest approved comments."""
    title = comment_feed_title(current_app.config["SITE_TITLE"])
    return render_comment_feed(None, title, absolute_url("blog.index"))


@bp.get("/posts/<slug>/comments.xml")
def article_comments(slug: str):
    """Serve the feed of an article's newest approved comments; 404 unless it is visible."""
    found = feed.visible_article(slug)
    if found is None:
        abort(404)
    article_id, article_title = found
    title = comment_feed_title(current_app.config["SITE_TITLE"], article_title)
    return render_comment_feed(article_id, title, absolute_url("blog.article", slug=slug))
