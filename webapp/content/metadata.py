"""Normalise Hexo, Jekyll and Hugo front matter keys into one article description."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from .slugs import slugify

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)


# The longest values the database columns hold (models.py). Longer ones are refused with
# their name rather than cut: SQLite would store them whole and PostgreSQL refuse them.
MAX_TITLE_CHARS = 500
MAX_NAME_CHARS = 200  # a tag, or one level of a category path
MAX_CATEGORY_PATH_CHARS = 1000


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


def parse_date(value: object, tz: ZoneInfo) -> dt.datetime:
    """Parse a front matter date; naive values are read in the site time zone. Returns naive UTC."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        moment = _parse_date_string(value.strip())
    else:
        raise MetadataError(f"cannot read {value!r} as a date")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


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
    raise MetadataError(f"cannot read {text!r} as a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)")


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
    for key in keys:
        if meta.get(key) not in (None, ""):
            return meta[key]
    return None


def _is_draft(meta: dict) -> bool:
    if meta.get("draft") in (True, "true", "yes"):
        return True
    return meta.get("published") in (False, "false", "no")


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
    updated = _first(meta, "updated", "lastmod", "last_modified_at")
    result.updated = parse_date(updated, tz) if updated is not None else None
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
    return result


def check_lengths(title: str, meta: ArticleMeta) -> None:
    """Raise TooLongError naming the first title, tag or category the site cannot store."""
    if len(title) > MAX_TITLE_CHARS:
        raise TooLongError(
            f"the title is {len(title):,} characters long; at most {MAX_TITLE_CHARS} fit"
        )
    for name in meta.tags:
        if len(name) > MAX_NAME_CHARS:
            raise TooLongError(
                f"the tag {_start(name)} is {len(name):,} characters long; "
                f"at most {MAX_NAME_CHARS} fit"
            )
    for name in meta.category_path:
        if len(name) > MAX_NAME_CHARS:
            raise TooLongError(
                f"the category {_start(name)} is {len(name):,} characters long; "
                f"at most {MAX_NAME_CHARS} fit"
            )
    path = "/".join(meta.category_path)
    if len(path) > MAX_CATEGORY_PATH_CHARS:
        raise TooLongError(
            f"the category path is {len(path):,} characters long; "
            f"at most {MAX_CATEGORY_PATH_CHARS:,} fit"
        )


def _start(name: str, shown: int = 30) -> str:
    """Quote the start of a long name, so a message stays short."""
    return f"“{name[:shown]}…”" if len(name) > shown else f"“{name}”"
