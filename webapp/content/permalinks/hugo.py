"""Hugo's addresses: `url`, `aliases`, front matter `slug`, the `[permalinks]` settings, and
the default /<section>/<file or bundle name>/, as Hugo's permalink expander makes them."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .paths import hugo_urlize, join_url
from .site import Site, wall_clock, zone

_ATTRIBUTE = re.compile(r":\w+(\[.+?\])?")
_DATE_KEYS = ("date", "publishDate", "pubdate", "published")
# Go's reference-time layout elements, for patterns such as :2006-01-02.
_GO_LAYOUT = (
    ("January", "%B"),
    ("Monday", "%A"),
    ("2006", "%Y"),
    ("Jan", "%b"),
    ("Mon", "%a"),
    ("01", "%m"),
    ("02", "%d"),
    ("06", "%y"),
    ("15", "%H"),
    ("04", "%M"),
    ("05", "%S"),
)


def addresses(site: Site, path: str, front_matter: dict, title: str, tz: ZoneInfo):
    """Return (addresses, warnings) of a document at `path` (relative to the site)."""
    config = site.config
    content = str(config.get("contentdir") or "content").strip("/")
    if not path.startswith(content + "/"):
        return [], []
    base = urlsplit(str(config.get("baseurl") or "/")).path or "/"
    page = _Page(path[len(content) + 1 :], front_matter, title, config, tz)
    found = [page.url()] if page.url() else []
    found += page.aliases()
    return [join_url(base, link) for link in found], []


class _Page:
    """What Hugo knows of one content file."""

    def __init__(self, path: str, front_matter: dict, title: str, config: dict, tz: ZoneInfo):
        self.config = config
        self.front_matter = front_matter
        self.title = title
        self.lower = not config.get("disablepathtolower")
        self.accents = bool(config.get("removepathaccents"))
        folder, name = posixpath.split(path)
        stem = posixpath.splitext(name)[0]
        languages = config.get("languages")
        if isinstance(languages, dict) and "." in stem and stem.rsplit(".", 1)[1] in languages:
            stem = stem.rsplit(".", 1)[0]  # about.zh.md is the page "about" in Chinese
        self.is_section = stem == "_index"
        dirs = [part for part in folder.split("/") if part]
        if stem == "index" and dirs:
            stem = dirs.pop()  # a page bundle is named by its folder
        self.dirs = dirs
        self.filename = "" if self.is_section else stem
        self.slug = str(front_matter.get("slug") or "").strip()
        zone_name = config.get("timezone")
        moment = next((front_matter.get(key) for key in _DATE_KEYS if front_matter.get(key)), None)
        self.date = wall_clock(moment, zone(zone_name, tz))

    def urlize(self, text: str) -> str:
        return hugo_urlize(text, lower=self.lower, remove_accents=self.accents)

    def url(self) -> str | None:
        """Return the page's address: url, else a [permalinks] pattern, else Hugo's default."""
        url = self.front_matter.get("url")
        if isinstance(url, str) and url.strip():
            return url.strip()
        if self.is_section:
            return "/" + "/".join(self.urlize(d) for d in self.dirs) + "/"
        pattern = self._pattern()
        if pattern is not None:
            return self._expand(pattern)
        name = self.slug or self.filename
        if self.config.get("uglyurls") is True:
            return join_url(*[self.urlize(d) for d in self.dirs], self.urlize(name)) + ".html"
        return join_url(*[self.urlize(d) for d in self.dirs], self.urlize(name) + "/")

    def aliases(self) -> list[str]:
        """Return the aliases: absolute ones as written, relative ones beside the page."""
        value = self.front_matter.get("aliases")
        items = value if isinstance(value, list) else [value]
        parent = posixpath.dirname((self.url() or "/").rstrip("/")) or "/"
        found = []
        for item in items:
            if not isinstance(item, str) or not item.strip() or "://" in item:
                continue  # Hugo refuses http aliases
            alias = item.strip().replace("\\", "/")
            found.append(alias if alias.startswith("/") else posixpath.join(parent, alias))
        return found

    def _pattern(self) -> str | None:
        """Return the [permalinks] pattern for this page's section, if there is one."""
        rules = self.config.get("permalinks")
        section = "/".join(self.dirs)
        if isinstance(rules, dict):
            for key, value in _page_rules(rules):
                wanted = key.strip(" /")
                if (wanted == "" and not self.dirs) or (
                    wanted and (section == wanted or section.startswith(wanted + "/"))
                ):
                    return value
        if isinstance(rules, list):
            page_path = "/" + "/".join([*self.dirs, self.filename])
            for rule in rules:
                if (
                    isinstance(rule, dict)
                    and isinstance(rule.get("pattern"), str)
                    and _slice_rule_matches(rule.get("target"), page_path)
                ):
                    return rule["pattern"]
        return None

    def _expand(self, pattern: str) -> str | None:
        failed = False

        def value(match: re.Match) -> str:
            nonlocal failed
            found = self._attribute(match.group(0)[1:])
            if found is None:
                failed = True
                return ""
            return found

        expanded = _ATTRIBUTE.sub(value, pattern.replace("\\:", "\x00"))
        return None if failed else expanded.replace("\x00", ":")

    def _attribute(self, name: str) -> str | None:
        title = self.urlize(self.title)
        slug = self.urlize(self.slug) if self.slug else None
        filename = self.urlize(self.filename)
        simple = {
            "title": title,
            "slug": slug or title,
            "slugorfilename": slug or filename,
            "filename": filename,
            "contentbasename": filename,
            "slugorcontentbasename": slug or filename,
            # Hugo's page paths are normalised (lower case, "-" for spaces) like the rest.
            "section": self.urlize(self.dirs[0]) if self.dirs else "",
            "sectionslug": self.urlize(self.dirs[0]) if self.dirs else "",
            "sections": "/".join(self.urlize(d) for d in self.dirs),
            "sectionslugs": "/".join(self.urlize(d) for d in self.dirs),
        }
        if name in simple:
            return simple[name]
        if name.startswith(("sections[", "sectionslugs[")):
            parts = [self.urlize(d) for d in self.dirs]
            return "/".join(_cut(parts, name[name.index("[") :]))
        if self.date is None:
            return None
        date = self.date
        named = {
            "year": str(date.year),
            "month": f"{date.month:02d}",
            "monthname": date.strftime("%B"),
            "day": f"{date.day:02d}",
            "weekday": str((date.weekday() + 1) % 7),
            "weekdayname": date.strftime("%A"),
            "yearday": str(date.timetuple().tm_yday),
        }
        if name in named:
            return named[name]
        layout = name
        for element, code in _GO_LAYOUT:
            layout = layout.replace(element, "\x01" + code + "\x01")
        if "\x01" not in layout:
            return None
        return date.strftime(layout.replace("\x01", ""))


def _page_rules(rules: dict) -> list[tuple[str, str]]:
    """Return (section, pattern) pairs for pages: [permalinks] x = …, or [permalinks.page]."""
    pairs = [(str(k), v) for k, v in rules.items() if isinstance(v, str)]
    page = rules.get("page")
    if isinstance(page, dict):
        pairs = [(str(k), v) for k, v in page.items() if isinstance(v, str)] + pairs
    return pairs


def _slice_rule_matches(target: object, page_path: str) -> bool:
    """Tell whether a [[permalinks]] target (kind and path glob) takes a page."""
    if not isinstance(target, dict):
        return True
    if str(target.get("kind") or "page").lower() != "page":
        return False
    glob = str(target.get("path") or "")
    if not glob:
        return True
    pattern = re.escape(glob.lower())
    pattern = pattern.replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    pattern = re.sub(r"\\\{(.*?)\\\}", lambda m: "(" + m.group(1).replace(",", "|") + ")", pattern)
    return re.fullmatch(pattern, page_path.lower()) is not None


def _cut(parts: list[str], spec: str) -> list[str]:
    """Return the part of a section list a [low:high], [n] or [last] cut names."""
    inner = spec.strip()[1:-1].strip().lower()
    if ":" not in inner:
        index = len(parts) - 1 if inner == "last" else int(inner or 0)
        return parts[index : index + 1] if 0 <= index < len(parts) else []
    low, high = inner.split(":", 1)
    start = len(parts) - 1 if low == "last" else int(low or 0)
    end = len(parts) - 1 if high == "last" else int(high) if high else len(parts)
    return parts[start:end]
