"""Reader-facing pages: the LATEST UPDATES listing, articles, categories, tags, images."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory
from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload, selectinload

from ..extensions import db
from ..models import Article, Category, Tag
from ..services import listing
from ..services.assets import uploads_dir
from .page_cache import CachedPage, PageCache, preferred_encoding

bp = Blueprint("blog", __name__)


@bp.record_once
def create_page_cache(state) -> None:
    """Give the app its per-process cache of finished article pages."""
    budget = state.app.config.get("PAGE_CACHE_BYTES", 64 * 1024 * 1024)
    state.app.extensions["page_cache"] = PageCache(budget)


PAGE_LINK_WINDOW = 2


def wants_fragment() -> bool:
    """Tell whether htmx asked for just the cards (not a boosted link, not a history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def page_numbers(current: int | None, last: int) -> list[int | None]:
    """Return page numbers to link: first, last and a window around the current; None is a gap."""
    anchor = current or 1
    shown = {1, last, *range(anchor - PAGE_LINK_WINDOW, anchor + PAGE_LINK_WINDOW + 1)}
    numbers: list[int | None] = []
    for number in sorted(n for n in shown if 1 <= n <= last):
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def render_listing(criteria: list, template: str, **context):
    """Render one listing: the full page, or only its cards for an htmx load-more request."""
    per_page = current_app.config["CARDS_PER_PAGE"]
    cursor = request.args.get("after")
    number = request.args.get("page", type=int)
    if "page" in request.args and number is None:
        raise listing.BadPageRequest("The page number is not a number.")
    if cursor is None and number is not None:
        page = listing.page_number(criteria, number, per_page)
    else:
        page = listing.page_after(criteria, cursor, per_page)
    if (cursor or number not in (None, 1)) and not page.articles:
        abort(404)
    context.update(page=page, endpoint=request.endpoint, view_args=request.view_args)
    if wants_fragment():
        response = current_app.make_response(render_template("blog/_cards.html", **context))
    else:
        last = max(1, -(-listing.count(criteria) // per_page))
        current = number if number is not None else (None if cursor else 1)
        context.update(current_page=current, page_links=page_numbers(current, last), last_page=last)
        response = current_app.make_response(render_template(template, **context))
    # The same URL answers with a fragment or a page depending on HX-Request.
    response.vary.add("HX-Request")
    return response


@bp.get("/")
def index():
    """Show LATEST UPDATES: published articles, most recently updated first."""
    return render_listing(listing.everything(), "blog/index.html")


@bp.get("/categories/<path:path>/")
def category(path: str):
    """List the articles of a category and of the categories below it."""
    found = db.session.scalar(select(Category).where(Category.path == path.strip("/")))
    if found is None:
        abort(404)
    return render_listing(listing.in_category(found), "blog/category.html", category=found)


@bp.get("/tags/<slug>/")
def tag(slug: str):
    """List the articles carrying a tag."""
    found = db.session.scalar(select(Tag).where(Tag.slug == slug))
    if found is None:
        abort(404)
    return render_listing(listing.with_tag(found), "blog/tag.html", tag=found)


@bp.get("/posts/<slug>/")
def article(slug: str):
    """Show one published article from its stored HTML (never re-rendered on a read)."""
    stamp = db.session.execute(
        select(Article.id, Article.rendered_at, Article.updated_at, Article.published_at).where(
            Article.slug == slug, *listing.everything()
        )
    ).first()
    if stamp is None:
        abort(404)
    cache = current_app.extensions["page_cache"]
    key = ("article", *stamp)
    page = cache.get(key)
    if page is None:
        page = CachedPage.build(
            render_template("blog/article.html", article=load_article(stamp.id))
        )
        cache.put(key, page)
    encoding = preferred_encoding(request.headers.get("Accept-Encoding", ""))
    response = current_app.response_class(page.bodies[encoding], mimetype="text/html")
    if encoding:
        # Already compressed: flask-compress leaves responses with an encoding alone.
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    return response


def load_article(article_id: int) -> Article:
    """Load an article with what its page shows; the source and search text stay behind."""
    return db.session.scalar(
        select(Article)
        .where(Article.id == article_id)
        .options(
            defer(Article.source_md),
            defer(Article.search_text),
            defer(Article.front_matter),
            joinedload(Article.category),
            selectinload(Article.tags),
        )
    )


@bp.get("/media/<filename>")
def media(filename: str):
    """Serve a stored image; names are content hashes, so they never change."""
    response = send_from_directory(uploads_dir(), filename, max_age=31536000)
    # An SVG opened on its own must not run anything.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    return response
