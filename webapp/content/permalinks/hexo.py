"""Hexo's addresses: the `permalink` setting (default :year/:month/:day/:title/) or a post's
own front matter `permalink`, as hexo's post_permalink filter works them out."""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import re
from zoneinfo import ZoneInfo

from .paths import hexo_slugize, join_url
from .site import Site, instant, wall_clock, zone

DEFAULT_PERMALINK = ":year/:month/:day/:title/"
# hexo-util's Permalink: a token is a word that does not end in "_".
_TOKEN = re.compile(r":(\w*[^_\W])")
_DATED = frozenset({"year", "month", "day", "hour", "minute", "second", "i_month", "i_day", "hash"})
# What new_post_name's tokens match in a file name (hexo's parseFilename).
_SEGMENTS = {
    "year": r"(\d{4})",
    "month": r"(\d{2})",
    "day": r"(\d{2})",
    "i_month": r"(\d{1,2})",
    "i_day": r"(\d{1,2})",
    "hash": r"([0-9a-f]{12})",
}


def addresses(site: Site, path: str, front_matter: dict, title: str, tz: ZoneInfo):
    """Return (addresses, warnings) of a document at `path` (relative to the site)."""
    config = site.config
    source_dir = str(config.get("source_dir") or "source").strip("/")
    root = str(config.get("root") or "/")
    own = _front_matter_links(front_matter)
    if path.startswith(f"{source_dir}/_drafts/"):
        return [], []  # Hexo never published drafts
    if path.startswith(f"{source_dir}/_posts/"):
        post = path[len(source_dir) + len("/_posts/") :]
        found, warnings = _post(config, post, front_matter, title, zone(config.get("timezone"), tz))
    elif path.startswith(f"{source_dir}/") and not _hidden(path):
        found, warnings = [_page(path[len(source_dir) + 1 :], front_matter)], []
    else:
        return [join_url(root, link) for link in own], []
    found = [join_url(root, link) for link in [*found, *own]]
    return _with_untrailed_html(config, found), warnings


def _post(config: dict, post: str, front_matter: dict, title: str, tz: ZoneInfo):
    stem = post[: -len(posixpath.splitext(post)[1])] if "." in post else post
    permalink = front_matter.get("permalink")
    if isinstance(permalink, str) and permalink.strip():
        return [permalink.strip()], []
    info = _parse_filename(str(config.get("new_post_name") or ":title.md"), stem)
    slug = info["title"]
    date = wall_clock(front_matter.get("date"), tz)
    if date is None and info.get("year") and (info.get("month") or info.get("i_month")):
        try:
            date = _filename_date(info)
        except ValueError:
            date = None
    rule = str(config.get("permalink") or DEFAULT_PERMALINK)
    meta: dict[str, object] = {"title": slug, "name": posixpath.basename(slug)}
    meta["post_title"] = hexo_slugize(title, transform=1)
    if front_matter.get("id") not in (None, ""):
        meta["id"] = front_matter["id"]
    if date is not None:
        meta.update(_date_tokens(date))
        digest = hashlib.sha1(f"{slug}{instant(date, tz)}".encode()).hexdigest()
        meta["hash"] = digest[:12]
    meta["category"] = _category(config, front_matter)
    for key, value in front_matter.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            meta.setdefault(key, value)
    defaults = config.get("permalink_defaults")
    if isinstance(defaults, dict):
        for key, value in defaults.items():
            meta.setdefault(str(key), value)
    missing = [name for name in _TOKEN.findall(rule) if name not in meta]
    if missing:
        if date is None and any(name in _DATED for name in missing):
            return [], ["no date in the front matter, so its old Hexo address is unknown"]
        return [], [f"the Hexo permalink uses :{missing[0]}, which this post does not set"]
    return [_TOKEN.sub(lambda match: str(meta[match.group(1)]), rule)], []


def _parse_filename(new_post_name: str, stem: str) -> dict[str, str]:
    rule = new_post_name[: -len(posixpath.splitext(new_post_name)[1])] or ":title"
    names: list[str] = []

    def segment(match: re.Match) -> str:
        names.append(match.group(1))
        return _SEGMENTS.get(match.group(1), "(.+?)")

    pattern = _TOKEN.sub(segment, re.escape(rule).replace(r"\:", ":"))
    found = re.fullmatch(pattern, stem)
    if found is None:
        return {"title": hexo_slugize(stem)}
    info = dict(zip(names, found.groups(), strict=True))
    info.setdefault("title", hexo_slugize(stem))
    return info


def _filename_date(info: dict[str, str]) -> dt.datetime:
    month = int(info.get("month") or info["i_month"])
    day = int(info.get("day") or info.get("i_day") or 1)
    return dt.datetime(int(info["year"]), month, day)


def _date_tokens(date) -> dict[str, str]:
    return {
        "year": f"{date.year:04d}",
        "month": f"{date.month:02d}",
        "day": f"{date.day:02d}",
        "hour": f"{date.hour:02d}",
        "minute": f"{date.minute:02d}",
        "second": f"{date.second:02d}",
        "i_month": str(date.month),
        "i_day": str(date.day),
    }


def _category(config: dict, front_matter: dict) -> str:
    """Return the slug of the post's last category (parents' slugs before it), as Hexo does."""
    value = front_matter.get("categories", front_matter.get("category"))
    if value in (None, "", []):
        return str(config.get("default_category") or "uncategorized")
    items = value if isinstance(value, list) else [value]
    # A list chains parent -> child; a list inside it is one more chain of its own.
    chains = [item if isinstance(item, list) else None for item in items]
    if any(chain is not None for chain in chains):
        last = items[-1]
        chain = last if isinstance(last, list) else [last]
    else:
        chain = items
    mapping = config.get("category_map") if isinstance(config.get("category_map"), dict) else {}
    transform = config.get("filename_case") if config.get("filename_case") in (1, 2) else 0
    slugs = [hexo_slugize(str(mapping.get(name, name)), transform) for name in chain]
    return "/".join(slugs)


def _page(path: str, front_matter: dict) -> str:
    permalink = front_matter.get("permalink")
    if isinstance(permalink, str) and permalink.strip():
        return permalink.strip()
    stem, _ = posixpath.splitext(path)
    return stem + ".html"


def _hidden(path: str) -> bool:
    return any(part.startswith(("_", ".")) for part in path.split("/"))


def _front_matter_links(front_matter: dict) -> list[str]:
    """Return hexo-generator-alias's `alias` (a string or a list)."""
    value = front_matter.get("alias")
    items = value if isinstance(value, list) else [value]
    links = [str(item).strip() for item in items if isinstance(item, str | int)]
    return [link for link in links if link]


def _with_untrailed_html(config: dict, found: list[str]) -> list[str]:
    """With pretty_urls.trailing_html off, Hexo links to x.html as x: keep both."""
    pretty = config.get("pretty_urls") if isinstance(config.get("pretty_urls"), dict) else {}
    if pretty.get("trailing_html", True) is not False:
        return found
    return found + [
        link[: -len(".html")]
        for link in found
        if link.endswith(".html") and not link.endswith("/index.html")
    ]
