"""Feeds (Atom and RSS 2.0, site-wide, per category and per tag), the sitemap and robots.txt."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.http import is_resource_modified

from .. import clock
from ..content.feedhtml import absolutize, xml_safe
from ..i18n import current_language
from ..services import listing, syndication, taxonomy
from ..share import absolute_url, site_author, site_root
from ..web.page_cache import cached_page, page_response

bp = Blueprint("feeds", __name__)


# Feed readers and crawlers may reuse an answer this long before they ask again.
MAX_AGE_SECONDS = 300
# The sitemap protocol's limit per file; past it /sitemap.xml becomes an index of parts.
SITEMAP_MAX_URLS = 50_000
ATOM = "application/atom+xml"
RSS = "application/rss+xml"


@bp.app_template_filter("rfc3339")
def rfc3339(moment: datetime) -> str:
    """Format a stored (naive UTC) time for Atom and sitemaps: 2026-01-01T12:00:00Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.app_template_filter("rfc822")
def rfc822(moment: datetime) -> str:
    """Format a stored (naive UTC) time for RSS: Thu, 01 Jan 2026 12:00:00 GMT."""
    return format_datetime(moment.replace(tzinfo=UTC), usegmt=True)


@bp.app_template_filter("rss_text")
def rss_text(text: str) -> str:
    """Return plain text as the HTML that shows it, for RSS fields readers take as HTML.

    RSS readers decode a <title> or <description> and render the result as HTML, so text
    escaped once would become markup again: "<img onerror=...>" written as words would
    run in the reader. Escaped here and again by autoescaping, it arrives as the words.
    """
    return html.escape(str(text), quote=False)


@bp.app_template_filter("absolutize")
def absolutize_filter(html: str, base_url: str) -> str:
    """Resolve an article body's relative links and images against its URL."""
    return absolutize(html, base_url)


def render_xml(template: str, **context) -> str:
    """Render a feed or sitemap without the characters XML 1.0 cannot carry.

    One such character anywhere (a control character in a title, a category or a tag)
    would make the whole document unreadable; the filter runs once, on the whole of it.
    """
    return xml_safe(render_template(template, **context))


def cached_response(stamp: syndication.Stamp, mimetype: str, build: Callable[[], str]):
    """Answer 304 when the client's copy is current, else the document, built once per stamp."""
    config = current_app.config
    # The interface language names a category's or tag's feed, and the document is stored
    # under its entity tag: a copy in one language is never served or confirmed in another.
    etag = stamp.etag(
        request.path,
        site_root(),
        config["SITE_TITLE"],
        config["SITE_DESCRIPTION"],
        site_author(),
        current_language(),
    )
    if is_resource_modified(request.environ, etag=etag, last_modified=stamp.last_modified):
        response = page_response(cached_page(("syndication", etag), build), mimetype)
    else:
        response = current_app.response_class(status=304)
        response.vary.add("Accept-Encoding")
    # Weak: the identity, br and gzip bodies are one document.
    response.set_etag(etag, weak=True)
    response.last_modified = stamp.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    return response


def render_feed(kind: str, criteria: list, title: str, description: str, page_url: str):
    """Render the Atom or RSS feed of the newest articles matching listing criteria."""
    stamp = syndication.feed_stamp(criteria)

    def build() -> str:
        return render_xml(
            f"feeds/{kind}.xml",
            items=syndication.feed_items(stamp),
            feed_title=title,
            feed_description=description,
            feed_url=site_root() + request.path.lstrip("/"),
            page_url=page_url,
            updated=stamp.last_modified or clock.now().replace(tzinfo=UTC),
            author=site_author(),
        )

    return cached_response(stamp, ATOM if kind == "atom" else RSS, build)


# The titles a category's and a tag's feed carry; their pages' autodiscovery links say the same.
@bp.app_template_global()
def category_feed_title(site: str, name: str) -> str:
    """Return the title of a category's feed: "Site · Category: ML"."""
    return _("%(site)s · Category: %(name)s", site=site, name=name)


@bp.app_template_global()
def tag_feed_title(site: str, name: str) -> str:
    """Return the title of a tag's feed: "Site · Tag: python"."""
    return _("%(site)s · Tag: %(name)s", site=site, name=name)


# Each feed has an Atom and an RSS address: one view, told which by the rule's default.
@bp.get("/feed.xml", endpoint="atom", defaults={"kind": "atom"})
@bp.get("/rss.xml", endpoint="rss", defaults={"kind": "rss"})
def site_feed(kind: str):
    """Serve the site's feed of the 20 most recently updated articles, in full."""
    config = current_app.config
    title, description = config["SITE_TITLE"], config["SITE_DESCRIPTION"]
    return render_feed(kind, listing.everything(), title, description, absolute_url("blog.index"))


# The blog's `/categories/<path:path>/` rule cannot take these URLs: it needs the trailing
# slash, and the router prefers the rule whose static "/feed.xml" matches (tests cover both).
@bp.get("/categories/<path:path>/feed.xml", endpoint="category_feed", defaults={"kind": "atom"})
@bp.get("/categories/<path:path>/rss.xml", endpoint="category_rss", defaults={"kind": "rss"})
def category_feed(path: str, kind: str):
    """Serve the feed of a category, the categories below it included; 404 if unknown."""
    found = taxonomy.category_at(path)
    if found is None:
        abort(404)
    names = {"site": current_app.config["SITE_TITLE"], "name": found.name}
    title = category_feed_title(**names)
    description = _(
        "Articles filed under %(name)s and the categories below it, on %(site)s.", **names
    )
    page_url = absolute_url("blog.category", path=found.path)
    return render_feed(kind, listing.in_category(found), title, description, page_url)


@bp.get("/tags/<slug>/feed.xml", endpoint="tag_feed", defaults={"kind": "atom"})
@bp.get("/tags/<slug>/rss.xml", endpoint="tag_rss", defaults={"kind": "rss"})
def tag_feed(slug: str, kind: str):
    """Serve the feed of a tag; 404 if unknown."""
    found = taxonomy.tag_with_slug(slug)
    if found is None:
        abort(404)
    names = {"site": current_app.config["SITE_TITLE"], "name": found.name}
    title = tag_feed_title(**names)
    description = _("Articles tagged %(name)s on %(site)s.", **names)
    page_url = absolute_url("blog.tag", slug=found.slug)
    return render_feed(kind, listing.with_tag(found), title, description, page_url)


@bp.get("/sitemap.xml")
def sitemap():
    """Serve the sitemap; past SITEMAP_MAX_URLS pages, an index of numbered parts."""
    return render_sitemap(None)


@bp.get("/sitemap-<int:part>.xml")
def sitemap_part(part: int):
    """Serve one part of a sitemap too big for one file."""
    return render_sitemap(part)


def render_sitemap(part: int | None):
    """Render the whole sitemap (part None), its index, or one numbered part.

    A site past SITEMAP_MAX_URLS pages gets an index: first the parts of the other pages
    (home, overviews, categories, tags, months), then the articles' parts, newest first.
    The index only counts, and an article part reads only its own slice, so neither
    builds the whole list.
    """
    stamp = syndication.sitemap_stamp()
    limit = SITEMAP_MAX_URLS

    def build() -> str:
        articles = syndication.visible_count()
        if not articles:
            return _urlset(syndication.sitemap_pages())  # the standalone pages, if any
        if articles <= limit:
            pages = syndication.sitemap_pages()
            if len(pages) + articles <= limit:
                if part is not None:
                    abort(404)  # a small sitemap is one file, never "part 1 of 1"
                return _urlset(pages + syndication.sitemap_articles(0, articles))
        page_parts = max(1, math.ceil(syndication.sitemap_pages_bound() / limit))
        parts = page_parts + math.ceil(articles / limit)
        if part is None:
            urls = [absolute_url("feeds.sitemap_part", part=n) for n in range(1, parts + 1)]
            return render_xml("feeds/sitemap_index.xml", urls=urls, lastmod=stamp.last_modified)
        if not 1 <= part <= parts:
            abort(404)
        if part <= page_parts:
            return _urlset(syndication.sitemap_pages()[(part - 1) * limit : part * limit])
        return _urlset(syndication.sitemap_articles((part - page_parts - 1) * limit, limit))

    return cached_response(stamp, "application/xml", build)


# A placeholder slug: article URLs are this one with the real slug put in, as url_for
# would quote it (50,000 url_for calls take most of a sitemap part's time).
_SLUG_MARK = "__slug__"
_PATH_SAFE = "!$&'()*+,/:;=@"


def _urlset(entries: list[syndication.SitemapEntry]) -> str:
    """Return a <urlset> of these entries, with absolute URLs.

    Written here rather than by a template: a part holds 50,000 URLs, and a template loop
    over them took longer than reading them from the database.
    """
    article_url = absolute_url("blog.article", slug=_SLUG_MARK)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for entry in entries:
        if entry.endpoint == "blog.article":
            url = article_url.replace(_SLUG_MARK, quote(entry.values["slug"], safe=_PATH_SAFE))
        else:
            url = absolute_url(entry.endpoint, **entry.values)
        lastmod = rfc3339(entry.lastmod)
        lines.append(f"  <url><loc>{html.escape(url)}</loc><lastmod>{lastmod}</lastmod></url>")
    lines.append("</urlset>\n")
    return xml_safe("\n".join(lines))


@bp.get("/robots.txt")
def robots():
    """Serve robots.txt: crawl everything but the authoring pages; where the sitemap is."""
    body = render_template("feeds/robots.txt", sitemap_url=absolute_url("feeds.sitemap"))
    response = current_app.response_class(body, mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    return response
