"""Jekyll's addresses: the `permalink` setting or style (date by default), a front matter
`permalink`, and jekyll-redirect-from's `redirect_from`, as Jekyll's URL class makes them."""

from __future__ import annotations

import posixpath
import re
from zoneinfo import ZoneInfo

from .paths import jekyll_slugify, join_url
from .site import Site, wall_clock, zone

STYLES = {
    "none": "/:categories/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}
# Document::DATE_FILENAME_MATCHER: only files named like this are posts.
_DATED_NAME = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^.]+)$")
_PLACEHOLDER = re.compile(r":([a-z_]+)")


def addresses(site: Site, path: str, front_matter: dict, title: str, tz: ZoneInfo):
    """Return (addresses, warnings) of a document at `path` (relative to the site)."""
    config = site.config
    parts = path.split("/")
    baseurl = str(config.get("baseurl") or "")
    redirects = [join_url(baseurl, link) for link in redirect_from(front_matter)]
    if "_drafts" in parts:
        return [], []
    if "_posts" in parts:
        found = _post(config, parts, front_matter, zone(config.get("timezone"), tz))
    elif any(part.startswith(("_", ".")) for part in parts):
        return redirects, []  # layouts, includes, collections that are not published
    else:
        found = _page(config, path, front_matter)
    return [join_url(baseurl, link) for link in found] + redirects, []


def redirect_from(front_matter: dict) -> list[str]:
    """Return jekyll-redirect-from's `redirect_from` (a string or a list)."""
    value = front_matter.get("redirect_from")
    items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items if isinstance(item, str) and item.strip()]


def _style(config: dict) -> str:
    return str(config.get("permalink") or "date")


def _template(style: str) -> str:
    return STYLES.get(style, style)


def _post(config: dict, parts: list[str], front_matter: dict, tz: ZoneInfo) -> list[str]:
    name = parts[-1]
    match = _DATED_NAME.match(name)
    if match is None:
        return []  # Jekyll skips a post whose file name has no date
    file_date, file_slug, _ = match.groups()
    date = wall_clock(front_matter.get("date"), tz) or wall_clock(_padded(file_date), tz)
    if date is None:
        return []
    slug = str(front_matter.get("slug") or file_slug.rstrip("."))
    folders = parts[: parts.index("_posts")]
    categories = [*folders, *_categories(front_matter)]
    unique: list[str] = []
    for category in categories:
        if category not in unique:
            unique.append(category)
    values = {
        "title": jekyll_slugify(slug, "pretty", cased=True),
        "slug": jekyll_slugify(slug),
        "name": jekyll_slugify(posixpath.splitext(name)[0]),
        "categories": "/".join(dict.fromkeys(category.lower() for category in unique)),
        "slugified_categories": "/".join(dict.fromkeys(jekyll_slugify(c) for c in unique)),
        "output_ext": ".html",
        "collection": "posts",
        "path": "/".join(parts[parts.index("_posts") :])[: -len(posixpath.splitext(name)[1])],
        "year": date.strftime("%Y"),
        "month": date.strftime("%m"),
        "day": date.strftime("%d"),
        "hour": date.strftime("%H"),
        "minute": date.strftime("%M"),
        "second": date.strftime("%S"),
        "i_day": str(date.day),
        "i_month": str(date.month),
        "short_month": date.strftime("%b"),
        "long_month": date.strftime("%B"),
        "short_year": date.strftime("%y"),
        "w_year": date.strftime("%G"),
        "week": date.strftime("%V"),
        "w_day": str(date.isoweekday()),
        "short_day": date.strftime("%a"),
        "long_day": date.strftime("%A"),
        "y_day": date.strftime("%j"),
    }
    permalink = front_matter.get("permalink")
    template = permalink if isinstance(permalink, str) and permalink else _template(_style(config))
    generated = _expand(template, values)
    return [] if generated is None else [generated]


def _padded(date: str) -> str:
    year, month, day = date.split("-")
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _categories(front_matter: dict) -> list[str]:
    """Return the front matter categories as Jekyll reads them: `category` or `categories`."""
    if "category" in front_matter and front_matter["category"] not in (None, ""):
        value = front_matter["category"]
        return [str(item) for item in (value if isinstance(value, list) else [value])]
    value = front_matter.get("categories")
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(item) for item in value if item is not None]
    return []


def _page(config: dict, path: str, front_matter: dict) -> list[str]:
    folder, name = posixpath.split(path)
    basename, _ = posixpath.splitext(name)
    permalink = front_matter.get("permalink")
    if isinstance(permalink, str) and permalink:
        template = permalink
    elif basename == "index":
        template = "/:path/"
    else:
        template = _page_template(_style(config))
    values = {"path": folder, "basename": basename, "output_ext": ".html"}
    generated = _expand(template, values)
    return [] if generated is None else [generated]


def _page_template(style: str) -> str:
    """Return Utils.add_permalink_suffix("/:path/:basename", style)."""
    if style == "pretty":
        return "/:path/:basename/"
    if style in ("date", "ordinal", "none"):
        return "/:path/:basename:output_ext"
    suffix = "/" if style.endswith("/") else ""
    return "/:path/:basename" + suffix + (":output_ext" if style.endswith(":output_ext") else "")


def _expand(template: str, values: dict[str, str]) -> str | None:
    """Fill a template's placeholders and tidy it as Jekyll's URL#sanitize_url does."""
    unknown = False

    def fill(match: re.Match) -> str:
        nonlocal unknown
        name = match.group(1)
        for key in (name, name.rstrip("_")) if name.endswith("_") else (name,):
            if key in values:
                return values[key] + name[len(key) :]
        unknown = True
        return ""

    url = _PLACEHOLDER.sub(fill, template)
    if unknown:
        return None
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", url)
