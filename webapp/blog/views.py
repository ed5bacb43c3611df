"""Reader-facing pages: LATEST UPDATES, articles, categories, tags, the archive, images."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload, selectinload

from ..config import site_timezone
from ..extensions import db
from ..models import Article
from ..services import authors, browse, listing, navigation, notes, taxonomy
from ..services import standalone as standalone_pages
from ..services.comments import threads
from ..services.comments.posting import owner_hash
from ..share import site_root
from ..web.comment_cookie import reader_key
from ..web.htmx import wants_fragment
from ..web.http_cache import PRIVATE, reader_response
from ..web.media import media_response
from ..web.page_cache import PageCache, cached_page

bp = Blueprint("blog", __name__)


@bp.record_once
def create_page_cache(state) -> None:
    """Give the app its per-process cache of finished article pages."""
    budget = state.app.config.get("PAGE_CACHE_BYTES", 64 * 1024 * 1024)
    state.app.extensions["page_cache"] = PageCache(budget)


PAGE_LINK_WINDOW = 2


def _first_page_on_screen() -> int:
    """Return the page number in the address of the page that asked for more cards (htmx's)."""
    query = urlsplit(request.headers.get("HX-Current-URL", "")).query
    value = parse_qs(query).get("page", ["1"])[0]
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


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


def render_listing(
    criteria: list,
    template: str,
    *,
    order: listing.Order = listing.Order.UPDATED,
    empty_is_missing: bool = False,
    with_pinned: bool = False,
    key_extra: tuple = (),
    **context,
):
    """Serve one listing: the full page, or only its cards for an htmx load-more request.

    Cards are sorted, paged and dated by `order`; with `empty_is_missing`, a listing with
    no article at all is a 404 (a month of the archive nobody wrote in); `with_pinned`
    puts the pinned articles above the first page (`criteria` leaves them out). The page
    is cached under what it shows: the URL's own parts and the visible set's fingerprint,
    so a publish, edit, unpublish or trash is seen by the next request; `key_extra` adds
    what else the page shows (an author's name).
    """
    fragment = wants_fragment()
    first_shown = _first_page_on_screen() if fragment else None
    key = (
        "listing",
        first_shown,
        site_root(),
        request.endpoint,
        tuple(sorted((request.view_args or {}).items())),
        request.args.get("after"),
        request.args.get("page"),
        fragment,
        *key_extra,
        *navigation.site_fingerprint(),
        # Cards show their approved comment counts.
        *threads.site_stamp(),
    )

    def build() -> str:
        if with_pinned:
            context["pinned"] = []  # a later page or a load-more shows none
        context["first_shown"] = first_shown
        return _render_listing(criteria, template, order, empty_is_missing, fragment, context)

    response = reader_response(cached_page(key, build))
    # The same URL answers with a fragment or a page depending on HX-Request, and a
    # fragment's pager with the page number in the address of the page that asked.
    response.vary.update(("HX-Request", "HX-Current-URL"))
    return response


def _render_listing(
    criteria: list,
    template: str,
    order: listing.Order,
    empty_is_missing: bool,
    fragment: bool,
    context: dict,
) -> str:
    """Render a listing's cards (the fragment) or its whole page, from the database."""
    per_page = current_app.config["CARDS_PER_PAGE"]
    cursor = request.args.get("after")
    number = request.args.get("page", type=int)
    if "page" in request.args and number is None:
        raise listing.BadPageRequest(_("The page number is not a number."))
    if cursor is None and number is not None:
        page = listing.page_number(criteria, number, per_page, order)
    else:
        page = listing.page_after(criteria, cursor, per_page, order)
    if (cursor or number not in (None, 1) or empty_is_missing) and not page.articles:
        abort(404)
    context.update(
        page=page, card_order=order, endpoint=request.endpoint, view_args=request.view_args
    )
    context["comment_counts"] = threads.approved_counts([card.id for card in page.articles])
    if fragment and number is None:
        return render_template("blog/_cards.html", **context)
    total = listing.count(criteria)
    last = max(1, -(-total // per_page))
    current = number if number is not None else (None if cursor else 1)
    if fragment:
        # The pager, swapped in out of band, marks every page now on screen: from the one
        # the reader opened to the one just loaded.
        first = min(context.pop("first_shown") or 1, current)
        context.update(
            current_page=current,
            shown_pages=range(first, current + 1),
            page_links=page_numbers(current, last),
            last_page=last,
            pager_out_of_band=True,
        )
        return render_template("blog/_cards.html", **context)
    if "pinned" in context and current == 1:
        # Pinning or unpinning edits the source, which moves the fingerprint's latest
        # update: the cached first page never shows an old set of pinned articles.
        context["pinned"] = listing.pinned_cards()
        pinned_ids = [card.id for card in context["pinned"]]
        context["comment_counts"].update(threads.approved_counts(pinned_ids))
    context.update(
        current_page=current,
        shown_pages=[current] if current else [],
        page_links=page_numbers(current, last),
        last_page=last,
        total_count=total,
    )
    return render_template(template, **context)


@bp.get("/")
def index():
    """Show the pinned articles, then LATEST UPDATES: the others, most recently updated first."""
    return render_listing(listing.unpinned(), "blog/index.html", with_pinned=True)


def render_overview(build: Callable[[], str]):
    """Serve a page that lists the whole site (categories, tags, archive) from the page cache.

    It shows the visible set and nothing else, so the set's fingerprint is its key.
    """
    key = ("overview", site_root(), request.endpoint, *navigation.site_fingerprint())
    return reader_response(cached_page(key, build))


@bp.get("/categories/")
def categories():
    """Show the category tree, each with its visible articles counted, descendants included."""
    return render_overview(
        lambda: render_template("blog/categories.html", tree=browse.category_tree())
    )


@bp.get("/categories/<path:path>/")
def category(path: str):
    """List the articles of a category and of the categories below it."""
    found = taxonomy.category_at(path)
    if found is None:
        abort(404)
    node = browse.category_subtree(found)
    criteria = listing.in_category(found, ids=node.ids())
    return render_listing(criteria, "blog/category.html", category=found, node=node)


@bp.get("/tags/")
def tags():
    """Show every tag that visible articles carry, most used first."""
    return render_overview(lambda: render_template("blog/tags.html", tags=browse.tag_counts()))


@bp.get("/tags/<slug>/")
def tag(slug: str):
    """List the articles carrying a tag."""
    found = taxonomy.tag_with_slug(slug)
    if found is None:
        abort(404)
    return render_listing(listing.with_tag(found), "blog/tag.html", tag=found)


@bp.get("/authors/<slug>/")
def author(slug: str):
    """List an author's visible articles; 404 for an unknown author or one with none."""
    found = authors.author_with_slug(slug)
    if found is None:
        abort(404)
    criteria = listing.by_author(found.id)
    return render_listing(
        criteria,
        "blog/author.html",
        empty_is_missing=True,
        key_extra=(found.shown_name,),
        author=found,
    )


@bp.get("/archive/")
def archive():
    """Show the years and months that have articles, newest first, with counts."""

    def build() -> str:
        years = browse.archive_years()
        busiest = max((month.count for year in years for month in year.months), default=1)
        return render_template("blog/archive.html", years=years, busiest=busiest)

    return render_overview(build)


@bp.get("/archive/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>/")
def archive_month(year: int, month: int):
    """List the articles first published in one month of the site's time zone."""
    if not 1 <= month <= 12:
        abort(404)
    try:
        start, end = browse.month_bounds(year, month, site_timezone())
    except ValueError:
        abort(404)
    return render_listing(
        listing.published_between(start, end),
        "blog/archive_month.html",
        # By publication date, newest first: the month is about when articles appeared,
        # and each card shows the date that put it in this month.
        order=listing.Order.PUBLISHED,
        empty_is_missing=True,
        month=browse.Month(year, month, 0),
    )


@bp.get("/posts/<slug>/")
def article(slug: str):
    """Show one published article from its stored HTML (never re-rendered on a read)."""
    stamp = navigation.page_stamp(slug)
    if stamp is None:
        if standalone_pages.is_visible_page(slug):
            # A link made as if the page were an article (an upload's result, say).
            return redirect(url_for("blog.page", slug=slug))
        abort(404)
    # The article's own dates, the visible set's fingerprint for its neighbours' links, and
    # the address its canonical and share links start from (the request's own address when
    # SITE_URL is unset: a page rendered for one host name must not be served to another).
    # Its approved comments and whether it takes new ones: an approval shows at once.
    comments_stamp = threads.article_stamp(stamp.id, stamp.published_at)
    owner = reader_key()
    if owner is not None:
        owner = owner_hash(owner)
        if threads.has_pending(stamp.id, owner):
            # The reader's own pending comment shows to them alone: never cached.
            page = render_article(load_article(stamp.id), owner, closed=comments_stamp.closed)
            response = make_response(page)
            response.headers["Cache-Control"] = PRIVATE
            return response
    key = ("article", site_root(), *stamp, *comments_stamp)

    def build() -> str:
        return render_article(load_article(stamp.id), closed=comments_stamp.closed)

    response = reader_response(cached_page(key, build))
    if owner is not None:
        # A commenter's next page may hold their comment: no shared cache keeps it.
        response.headers["Cache-Control"] = PRIVATE
    return response


def render_article(
    found: Article, owner: str | None = None, *, closed: bool = True, preview: bool = False
) -> str:
    """Render an article page with its previous, next and related articles and comments.

    `owner` (a commenter cookie's hash) adds that reader's own pending comments; `closed`
    says whether the article takes new ones (read with the page's stamp). A `preview` (a
    draft or scheduled article, opened by its private link) says so, and asks search
    engines to leave it alone.
    """
    previous, following = navigation.neighbours(found)
    shown = threads.threads_of(found.id, owner)
    return render_template(
        "blog/article.html",
        article=found,
        previous=previous,
        following=following,
        related=navigation.related(found),
        preview=preview,
        threads=shown,
        comment_count=threads.count_approved(shown),
        comments_closed=closed,
    )


def load_article(article_id: int) -> Article:
    """Load an article with what its page shows (dark_images is in the front matter)."""
    return db.session.scalar(
        select(Article)
        .where(Article.id == article_id)
        .options(
            defer(Article.source_md),
            joinedload(Article.category),
            joinedload(Article.author),
            selectinload(Article.tags),
        )
    )


# Under a folder no site generator makes (they skip "_" folders), so the old addresses
# an upload brings, such as Jekyll's /notes/2024/01/18/hello/, never collide with it.
@bp.get("/_notes/<path:name>")
def note(name: str):
    """Redirect a note's name (a [[wikilink]]'s target) to the article made from that note."""
    found = notes.find_note(name)
    if found is None:
        abort(404)
    return redirect(url_for("blog.article", slug=found.slug), 301)


@bp.get("/media/<filename>")
def media(filename: str):
    """Serve a stored image; names are content hashes, so they never change."""
    return media_response(filename)


# The preview and standalone pages attach themselves to bp (they need the helpers above).
from . import preview as preview_page  # noqa: E402, F401
from . import standalone  # noqa: E402, F401
