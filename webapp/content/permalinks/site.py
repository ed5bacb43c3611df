"""Which site generator a bundle comes from, by its layout, and that site's settings.

Hexo: source/_posts beside a _config.yml (or alone: Hexo's defaults then apply). Jekyll:
_posts beside a _config.yml. Hugo: content/ beside hugo.toml, config.toml or their YAML
and JSON forms (also under config/_default/). The site may sit in a folder of the bundle.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..messages import N_
from ..metadata import MetadataError, _parse_date_string
from ..yamlload import load_yaml

HEXO, JEKYLL, HUGO = "hexo", "jekyll", "hugo"
_HUGO_CONFIGS = tuple(
    f"{stem}.{ext}" for stem in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json")
)
# Every settings file a site's folder may hold, as paths from that folder.
SETTINGS_FILES = (
    "_config.yml",
    *_HUGO_CONFIGS,
    *(f"config/_default/{name}" for name in _HUGO_CONFIGS),
    *(f"config/_default/permalinks.{ext}" for ext in ("toml", "yaml", "yml", "json")),
)


@dataclass(frozen=True)
class Site:
    """A site generator's bundle: where it sits in the bundle and its settings."""

    generator: str  # HEXO, JEKYLL or HUGO
    root: str  # the folder holding the site inside the bundle, "" at the top
    config: dict = field(default_factory=dict)
    problem: str | None = None  # why the settings could not be read (defaults apply)
    # Where the bundle itself lies in the site when it is a folder inside it (a `flask
    # import` of ~/blog/source/_posts is "source/_posts"); "" for a bundle holding the site.
    inside: str = ""

    def relative(self, path: str) -> str | None:
        """Return a bundle path relative to the site's folder, or None when outside it."""
        if self.inside:
            return f"{self.inside}/{path}"
        if not self.root:
            return path
        prefix = self.root + "/"
        return path[len(prefix) :] if path.startswith(prefix) else None


Reader = Callable[[str], bytes]


def detect_site(paths: list[str], read: Reader) -> Site | None:
    """Return the site generator whose layout the bundle has (the shallowest one), or None."""
    found: list[tuple[int, Site]] = []
    listed = set(paths)
    for root in sorted(_roots(paths), key=lambda root: (root.count("/"), root)):
        base = root + "/" if root else ""
        if any(path.startswith(base + "source/_posts/") for path in paths):
            config = base + "_config.yml"
            site = _load(HEXO, root, config if config in listed else None, read)
        elif base + "_config.yml" in listed and _has_posts_folder(paths, base):
            site = _load(JEKYLL, root, base + "_config.yml", read)
        elif _under(paths, base + "content/") and (names := _hugo_configs(listed, base)):
            site = _load(HUGO, root, names[0], read)
            for extra in names[1:]:
                more = _load(HUGO, root, extra, read)
                problem = site.problem or more.problem
                site = Site(HUGO, root, {**site.config, **more.config}, problem)
        else:
            continue
        found.append((root.count("/") if root else -1, site))
    return min(found, key=lambda item: item[0])[1] if found else None


def site_around(inside: str, names: list[str], read: Reader) -> Site | None:
    """Return the site a folder lies in, `inside` being its path from the site's folder.

    `names` are the settings files found in the site's folder (see SETTINGS_FILES), read
    by `read`; the folder's own documents decide nothing, only where it sits does.
    """
    site = detect_site([f"{inside}/note.md", *names], read)
    return replace(site, inside=inside) if site is not None and not site.root else None


def _roots(paths: list[str]) -> set[str]:
    """Folders that may hold a site: those of config files and of source/_posts."""
    roots: set[str] = set()
    for path in paths:
        folder, name = posixpath.split(path)
        if name == "_config.yml" or name in _HUGO_CONFIGS:
            if folder.endswith("config/_default"):
                folder = folder[: -len("config/_default")].rstrip("/")
            roots.add(folder)
        marker = path.find("source/_posts/")
        if marker == 0 or (marker > 0 and path[marker - 1] == "/"):
            roots.add(path[: marker - 1] if marker else "")
    return roots


def _under(paths: list[str], prefix: str) -> bool:
    return any(path.startswith(prefix) for path in paths)


def _has_posts_folder(paths: list[str], base: str) -> bool:
    return any(path.startswith(base) and ("/_posts/" in "/" + path[len(base) :]) for path in paths)


def _hugo_configs(listed: set[str], base: str) -> list[str]:
    """Return the Hugo settings files at a site root: the main one, then config/_default."""
    names = [base + name for name in _HUGO_CONFIGS if base + name in listed]
    folder = base + "config/_default/"
    names += [folder + name for name in _HUGO_CONFIGS if folder + name in listed]
    names += [
        folder + f"permalinks.{ext}"
        for ext in ("toml", "yaml", "yml", "json")
        if folder + f"permalinks.{ext}" in listed
    ]
    return names


def _load(generator: str, root: str, path: str | None, read: Reader) -> Site:
    if path is None:
        return Site(generator, root)
    name = posixpath.basename(path)
    try:
        text = read(path).decode("utf-8-sig")
        if name.endswith(".toml"):
            config = tomllib.loads(text)
        elif name.endswith(".json"):
            config = json.loads(text)
        else:
            # Bounded like front matter: a zip's _config.yml may be an alias bomb too.
            config = load_yaml(text) or {}
    except Exception as error:  # a broken settings file must not stop the import
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        problem = N_("%(path)s cannot be read (%(error)s)") % {"path": path, "error": reason}
        return Site(generator, root, problem=problem)
    if not isinstance(config, dict):
        problem = N_("%(path)s holds no settings") % {"path": path}
        return Site(generator, root, problem=problem)
    if name.startswith("permalinks."):
        config = {"permalinks": config}
    # Hugo's keys are case-insensitive (baseURL, baseurl); Hexo's and Jekyll's are not.
    if generator == HUGO:
        config = {str(key).lower(): value for key, value in config.items()}
    return Site(generator, root, config)


def zone(name: object, fallback: ZoneInfo) -> ZoneInfo:
    """Return the time zone a site's settings name, else `fallback`."""
    if isinstance(name, str) and name.strip():
        try:
            return ZoneInfo(name.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return fallback


def wall_clock(value: object, tz: ZoneInfo) -> dt.datetime | None:
    """Return a front matter date as the old site's clock showed it (naive), or None.

    A date written without an offset is already that; one with an offset is moved into
    the site's zone, as the generators do before they format it into an address.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            moment = _parse_date_string(str(value).strip())
        except MetadataError:
            return None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(tz).replace(tzinfo=None)
        except OverflowError:  # a date at the very end of the calendar gives no address
            return None
    return moment


def instant(moment: dt.datetime, tz: ZoneInfo) -> int:
    """Return the Unix time of a wall-clock moment in a zone."""
    return int(moment.replace(tzinfo=tz).timestamp())
