"""Normalise Hexo, Jekyll and Hugo front matter keys into one article description."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from .messages import N_
from .slugs import slugify

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)


# The dates the site stores, in UTC. A day inside Python's own range at either end, so no
# conversion to UTC or to any site time zone can overflow (PostgreSQL's range is wider).
EARLIEST_DATE = dt.datetime(1, 1, 2)
LATEST_DATE = dt.datetime(9999, 12, 30, 23, 59, 59, 999999)

# The longest values the database columns hold (models.py). Longer ones are refused with
# their name rather than cut: SQLite would store them whole and PostgreSQL refuse them.
MAX_TITLE_CHARS = 500
MAX_NAME_CHARS = 200  # a tag, or one level of a category path
MAX_CATEGORY_PATH_CHARS = 1000
MAX_COVER_CHARS = 1000  # articles.cover_url
# Pin orders above this are read as this: the column is a 32-bit integer everywhere.
MAX_PIN_ORDER = 1_000_000_000
# Keys naming the card's and share image, first found wins: Hexo themes (matery's img,
# fluid's index_img and banner_img, butterfly's cover, icarus's thumbnail), Hugo themes
# (featured_image, image, PaperMod's cover.image) and Jekyll themes (image).
COVER_KEYS = (
    "cover",
    "index_img",
    "img",
    "image",
    "featured_image",
    "thumbnail",
    "banner_img",
    "images",
)
# Keys pinning an article: Hexo's top (hexo-generator-index-pin-top) and sticky
# (hexo-generator-index), and pinned.
PIN_KEYS = ("top", "sticky", "pinned")
# What a document is: an article in the stream, or a standalone page (front matter type).
ARTICLE_KIND, PAGE_KIND = "article", "page"
_YES = frozenset({"true", "yes", "on", "y"})
_NO = frozenset({"false", "no", "off", "n", ""})


class MetadataError(ValueError):
    """A front matter value of the wrong shape, such as an unreadable date."""


class TooLongError(ValueError):
    """A title, tag or category longer than the site stores."""


@dataclass
class ArticleMeta:
    """What the front matter says about an article, in the engine's terms."""

    title: str | None = None
    slug: str | None = None
    date: dt.datetime | None = None
    updated: dt.datetime | None = None
    category_path: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    draft: bool = False
    description: str | None = None
    lang: str | None = None
    # 0: not pinned; else pinned, higher numbers shown first (top: true is 1).
    pin: int = 0
    cover: str | None = None  # the image reference or URL as written
    cover_alt: str | None = None
    # "page" for a standalone page (`type: page`: About, Links), else "article".
    kind: str = ARTICLE_KIND


def parse_date(value: object, tz: ZoneInfo, field: str = "date") -> dt.datetime:
    """Parse a front matter date; naive values are read in the site time zone. Returns naive UTC.

    Raises MetadataError naming `field` for a value that is no date, or a date outside
    EARLIEST_DATE to LATEST_DATE once in UTC (9999-12-31T23:59:59-12:00 is in year 10000).
    """
    unreadable = N_(
        "cannot read %(field)s: %(value)s as a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"
    ) % {"field": field, "value": repr(value)}
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = _parse_date_string(value.strip())
        except MetadataError:
            raise MetadataError(unreadable) from None
    else:
        raise MetadataError(unreadable)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        utc = moment.astimezone(dt.UTC).replace(tzinfo=None)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_DATE <= utc <= LATEST_DATE:
        shown = value.strip() if isinstance(value, str) else value.isoformat()
        raise MetadataError(
            N_(
                "%(field)s %(value)s is out of range: dates from 0001-01-02 to 9999-12-30 (UTC) "
                "can be stored"
            )
            % {"field": field, "value": shown}
        )
    return utc


def _parse_date_string(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise MetadataError(
        N_("cannot read %(value)s as a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)")
        % {"value": repr(text)}
    )


def _as_list(value: object) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        # Tags and categories also come as "a, b, c" (Hexo accepts either).
        return [part.strip() for part in re.split(r"[,，]", value) if part.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def category_path(value: object) -> list[str]:
    """Return the category path: a string, a list meaning parent/child, or a nested list."""
    if isinstance(value, str) and "/" in value:
        return [part.strip() for part in value.split("/") if part.strip()]
    items = _as_list(value)
    if items and isinstance(items[0], list | tuple):
        # Hexo: [[A, B], [C]] means two categories; the first path is the article's.
        items = list(items[0])
    return [str(item).strip() for item in items if str(item).strip()]


def _first(meta: dict, *keys: str) -> object:
    return _first_key(meta, *keys)[1]


def _first_key(meta: dict, *keys: str) -> tuple[str, object]:
    """Return the first of `keys` the front matter gives a value, and that value."""
    for key in keys:
        if meta.get(key) not in (None, ""):
            return key, meta[key]
    return keys[0], None


def _is_draft(meta: dict) -> bool:
    if meta.get("draft") in (True, "true", "yes"):
        return True
    return meta.get("published") in (False, "false", "no")


def pin_order(meta: dict) -> int:
    """Return how an article is pinned: 0 for not, else its order (true, yes and 1 are 1)."""
    for key in PIN_KEYS:
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int | float):
            return min(int(value), MAX_PIN_ORDER) if value >= 1 else int(value > 0)
        text = str(value).strip().lower()
        if text in _YES:
            return 1
        if text in _NO:
            return 0
        try:
            number = float(text)
        except ValueError:
            raise MetadataError(
                N_("cannot read %(key)s: %(value)s (use true, false or a number)")
                % {"key": key, "value": repr(value)}
            ) from None
        return min(int(number), MAX_PIN_ORDER) if number >= 1 else int(number > 0)
    return 0


def cover_image(meta: dict) -> tuple[str | None, str | None]:
    """Return the cover image reference or URL the front matter names, and its alt text.

    matery's `cover: true` (show in the carousel) names no image; the next key does.
    """
    for key in COVER_KEYS:
        value = meta.get(key)
        alt = None
        if isinstance(value, dict):  # PaperMod's cover: {image, alt}; jekyll-seo-tag's {path}
            value, alt = value.get("image") or value.get("path"), value.get("alt")
        elif isinstance(value, list | tuple):  # Hugo's images: [a.png, b.png]
            value = value[0] if value else None
        if isinstance(value, str) and value.strip():
            reference = value.strip()
            if len(reference) > MAX_COVER_CHARS:
                raise MetadataError(
                    N_(
                        "the %(key)s image address is %(length)s characters long; "
                        "at most %(limit)s fit"
                    )
                    % {"key": key, "length": f"{len(reference):,}", "limit": f"{MAX_COVER_CHARS:,}"}
                )
            return reference, str(alt).strip() if isinstance(alt, str) and alt.strip() else None
    return None, None


def normalise(meta: dict, tz: ZoneInfo) -> ArticleMeta:
    """Read the keys Hexo, Jekyll and Hugo use; raise MetadataError on a wrong-shaped value."""
    result = ArticleMeta()
    title = _first(meta, "title")
    result.title = str(title).strip() if title is not None else None
    slug = _first(meta, "slug", "permalink", "abbrlink")
    if slug is not None:
        # A permalink may be a path such as /2024/05/my-post/: its last part is the slug.
        last = [part for part in str(slug).strip("/").split("/") if part]
        result.slug = slugify(last[-1]) if last else None
    date = _first(meta, "date")
    result.date = parse_date(date, tz) if date is not None else None
    key, updated = _first_key(meta, "updated", "lastmod", "last_modified_at")
    result.updated = parse_date(updated, tz, key) if updated is not None else None
    result.category_path = category_path(_first(meta, "categories", "category"))
    seen: dict[str, str] = {}
    for tag in _as_list(_first(meta, "tags", "tag", "keywords")):
        name = str(tag).strip()
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    result.tags = list(seen.values())
    result.draft = _is_draft(meta)
    description = _first(meta, "description", "summary", "excerpt")
    result.description = str(description).strip() if description is not None else None
    lang = _first(meta, "lang", "language")
    result.lang = str(lang) if lang is not None else None
    result.pin = pin_order(meta)
    result.cover, result.cover_alt = cover_image(meta)
    result.kind = document_kind(meta)
    return result


def document_kind(meta: dict) -> str:
    """Return "page" for `type: page` in the front matter, else "article".

    Only that value: themes use type for other things (NexT's `type: tags` marks the tag
    cloud's page), which stay articles here.
    """
    value = meta.get("type")
    return (
        PAGE_KIND if isinstance(value, str) and value.strip().lower() == PAGE_KIND else ARTICLE_KIND
    )


def check_lengths(title: str, meta: ArticleMeta) -> None:
    """Raise TooLongError naming the first title, tag or category the site cannot store."""
    if len(title) > MAX_TITLE_CHARS:
        raise TooLongError(
            N_("the title is %(length)s characters long; at most %(limit)s fit")
            % {"length": f"{len(title):,}", "limit": MAX_TITLE_CHARS}
        )
    for name in meta.tags:
        if len(name) > MAX_NAME_CHARS:
            raise TooLongError(
                N_("the tag %(name)s is %(length)s characters long; at most %(limit)s fit")
                % {"name": _start(name), "length": f"{len(name):,}", "limit": MAX_NAME_CHARS}
            )
    for name in meta.category_path:
        if len(name) > MAX_NAME_CHARS:
            raise TooLongError(
                N_("the category %(name)s is %(length)s characters long; at most %(limit)s fit")
                % {"name": _start(name), "length": f"{len(name):,}", "limit": MAX_NAME_CHARS}
            )
    path = "/".join(meta.category_path)
    if len(path) > MAX_CATEGORY_PATH_CHARS:
        raise TooLongError(
            N_("the category path is %(length)s characters long; at most %(limit)s fit")
            % {"length": f"{len(path):,}", "limit": f"{MAX_CATEGORY_PATH_CHARS:,}"}
        )


def _start(name: str, shown: int = 30) -> str:
    """Quote the start of a long name, so a message stays short."""
    return f"“{name[:shown]}…”" if len(name) > shown else f"“{name}”"
