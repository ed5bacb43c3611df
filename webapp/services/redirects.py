"""Where a reader's request that would 404 goes instead: an article's old address, or an
old tag or category address (Hexo's raw or slugified names, Hugo's urlized ones, Jekyll
archives' /tag/ and /category/). Asked only on the 404 path: normal pages pay nothing.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import unquote

from flask import url_for
from sqlalchemy import select

from ..content.permalinks import hexo_slugize, hugo_urlize, jekyll_slugify
from ..content.slugs import slugify
from ..extensions import db
from ..models import Category, Tag
from .addresses import published_slug_at

TAG_FOLDERS = frozenset({"tags", "tag"})
CATEGORY_FOLDERS = frozenset({"categories", "category"})
# Names compared one by one on this path; a site has far fewer tags and categories.
MAX_SCANNED = 20_000


def redirect_for(path: str) -> str | None:
    """Return the address a request for `path` is permanently moved to, or None."""
    slug = published_slug_at(path)
    if slug is not None:
        return url_for("blog.article", slug=slug)
    parts = [part for part in path.split("/") if part]
    if parts and parts[-1] == "index.html":
        parts.pop()
    if len(parts) < 2:
        return None
    target = None
    if parts[0] in TAG_FOLDERS and len(parts) == 2:
        tag = old_tag(parts[1])
        target = url_for("blog.tag", slug=tag.slug) if tag else None
    elif parts[0] in CATEGORY_FOLDERS:
        category = old_category(parts[1:])
        target = url_for("blog.category", path=category.path) if category else None
    # A page of an existing tag that 404s (a page number past the end) stays a 404.
    return None if target is None or _same(target, path) else target


def _same(target: str, path: str) -> bool:
    return unquote(target).rstrip("/") == path.rstrip("/")


# Each name's spellings are worked out once per process: an unknown old address scans
# every tag, and five slug rules per tag per request made a 404 cost 0.2 s at 5,000 tags.
@lru_cache(maxsize=MAX_SCANNED)
def _forms(name: str) -> frozenset[str]:
    """Return the spellings other generators gave a name in addresses, case-folded."""
    return frozenset(
        form.casefold()
        for form in (
            name,
            slugify(name),
            hexo_slugize(name),
            hugo_urlize(name),
            jekyll_slugify(name),
        )
        if form
    )


def matches(name: str, segment: str) -> bool:
    """Tell whether an address segment is one generator's spelling of a tag or category name."""
    return segment.casefold() in _forms(name) or _slug(segment) == _slug(name) != ""


@lru_cache(maxsize=MAX_SCANNED)
def _slug(name: str) -> str:
    """Return a name's slug as this site makes it (cached like _forms)."""
    return slugify(name)


def old_tag(segment: str) -> Tag | None:
    """Return the tag an old tag address names, or None."""
    found = db.session.scalar(select(Tag).where(Tag.slug == slugify(segment)))
    if found is not None:
        return found
    # Names only: loading thousands of Tag objects would cost more than matching them.
    for tag_id, name in db.session.execute(
        select(Tag.id, Tag.name).order_by(Tag.id).limit(MAX_SCANNED)
    ):
        if matches(name, segment):
            return db.session.get(Tag, tag_id)
    return None


def old_category(segments: list[str]) -> Category | None:
    """Return the category an old category address names, or None.

    Hexo nests names as /categories/a/b/; Hugo and Jekyll archives name one category, which
    here may sit below another: the shallowest category of that name is taken.
    """
    rows = db.session.scalars(select(Category).order_by(Category.id).limit(MAX_SCANNED)).all()
    for category in rows:
        names = category.path.split("/")
        if len(names) == len(segments) and all(map(matches, names, segments)):
            return category
    if len(segments) == 1:
        named = [c for c in rows if matches(c.path.split("/")[-1], segments[0])]
        if named:
            return min(named, key=lambda c: (c.path.count("/"), c.path))
    return None
