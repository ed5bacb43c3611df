"""An article's old addresses: cleaned, checked against this site's own pages and the other
articles' addresses, stored with the article, and found again for a request that would 404.

Stored paths are decoded, NFC, with a leading slash and no trailing one or index.html
(content/permalinks/paths.clean_address). An address stays with the first article that
had it; the article keeps every address it ever had, adding new ones as they come.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from ..content.messages import N_
from ..content.permalinks import AUTHOR, AddressError, clean_address
from ..extensions import db
from ..models import PUBLISHED, Article, ArticleAddress, utcnow

# Paths below which this site answers itself, whatever follows.
RESERVED_PREFIXES = ("admin", "api", "static", "media")
# More than any real article had; a front matter listing thousands is not kept whole.
MAX_ADDRESSES = 100
# The longest text the edit page takes at once (100 addresses of 1,000 characters).
MAX_FORM_CHARS = 100_000


class AddressesRefused(ValueError):
    """Addresses an author asked for that cannot be kept; `problems` says why, one by one."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def site_hosts() -> frozenset[str]:
    """Return the host names this site answers to: SITE_URL's and the request's own."""
    hosts = set()
    configured = current_app.config.get("SITE_URL")
    if configured:
        hosts.add((urlsplit(configured).hostname or "").lower())
    if has_request_context():
        hosts.add(request.host.rsplit(":", 1)[0].strip("[]").lower())
    return frozenset(host for host in hosts if host)


def own_address(article: Article) -> str:
    """Return the article's own address as stored addresses are written: /posts/<slug>."""
    return f"/posts/{article.slug}"


def shadowing_page(path: str) -> str | None:
    """Return why a page of this site would answer an address before any redirect, or None."""
    first = path.split("/")[1]
    if first in RESERVED_PREFIXES:
        under = N_("%(path)s is under /%(folder)s/, which this site uses itself")
        return under % {"path": path, "folder": first}
    adapter = current_app.url_map.bind("localhost")
    for candidate in (path, path + "/"):
        try:
            endpoint, values = adapter.match(candidate, method="GET")
        except RequestRedirect:
            continue  # the form with a slash is tried next
        except MethodNotAllowed:
            return N_("%(path)s is one of this site's own addresses") % {"path": path}
        except NotFound:
            continue
        if endpoint != "blog.article":
            return N_("%(path)s is one of this site's own pages") % {"path": path}
        title = db.session.scalar(select(Article.title).where(Article.slug == values["slug"]))
        if title is not None:
            taken = N_("%(path)s is the address of the article “%(title)s”")
            return taken % {"path": path, "title": title}
    return None


def keep(article: Article, found: Iterable[tuple[str, str]]) -> list[str]:
    """Add the addresses the article does not hold yet; return why others were not kept.

    Called by the article writer after the article is written, in its transaction. An
    address that another article holds stays with it; one that a page of this site
    answers, or the article's own, is not stored.
    """
    warnings: list[str] = []
    wanted: dict[str, str] = {}
    hosts = site_hosts()
    held = {address.path for address in article.addresses}
    own = own_address(article)
    for raw, origin in found:
        try:
            path = clean_address(raw, hosts)
        except AddressError as error:
            not_kept = N_("the old address %(address)s is not kept: %(error)s")
            warnings.append(not_kept % {"address": raw, "error": error})
            continue
        if path == own or path in held or path in wanted:
            continue
        reason = shadowing_page(path)
        if reason:
            warnings.append(N_("the old address is not kept: %(reason)s") % {"reason": reason})
            continue
        wanted[path] = origin
    room = MAX_ADDRESSES - len(held)
    if len(wanted) > room:
        only = N_("only %(limit)s old addresses are kept per article")
        warnings.append(only % {"limit": MAX_ADDRESSES})
        wanted = dict(list(wanted.items())[: max(room, 0)])
    for path, title in _holders(list(wanted), article):
        held = N_("the old address %(address)s already leads to “%(title)s” and stays there")
        warnings.append(held % {"address": path, "title": title})
        del wanted[path]
    for path, origin in wanted.items():
        article.addresses.append(ArticleAddress(path=path, origin=origin))
    return warnings


def _holders(paths: list[str], article: Article) -> list[tuple[str, str]]:
    """Return (path, title) of the paths another article already holds."""
    if not paths:
        return []
    rows = db.session.execute(
        select(ArticleAddress.path, ArticleAddress.article_id, Article.title)
        .join(Article, Article.id == ArticleAddress.article_id)
        .where(ArticleAddress.path.in_(paths))
    )
    return [(path, title) for path, owner, title in rows if owner != article.id]


def check_author_addresses(article: Article, text: str) -> list[tuple[str, str]]:
    """Return the addresses an author typed (one per line), or raise AddressesRefused."""
    if len(text) > MAX_FORM_CHARS:
        raise AddressesRefused(
            [_("at most %(count)s characters can be sent at once", count=f"{MAX_FORM_CHARS:,}")]
        )
    problems: list[str] = []
    wanted: dict[str, str] = {}
    hosts = site_hosts()
    held = {address.path for address in article.addresses}
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise AddressesRefused([_("type at least one address, such as /2024/01/18/hello-world/")])
    for line in lines:
        try:
            path = clean_address(line, hosts)
        except AddressError as error:
            problems.append(str(error))
            continue
        if path == own_address(article):
            problems.append(_("%(address)s is this article's own address", address=path))
        elif path not in held:
            reason = shadowing_page(path)
            if reason:
                problems.append(reason)
            else:
                wanted[path] = AUTHOR
    problems += [
        _("%(address)s already leads to “%(title)s”", address=path, title=title)
        for path, title in _holders(list(wanted), article)
    ]
    if len(held) + len(wanted) > MAX_ADDRESSES:
        problems.append(_("an article keeps at most %(count)d old addresses", count=MAX_ADDRESSES))
    if problems:
        raise AddressesRefused(problems)
    return list(wanted.items())


def published_slug_at(path: str) -> str | None:
    """Return the slug of the published article an old address leads to, or None."""
    try:
        # request.path is already decoded: a literal "%" in it must stay as it is.
        cleaned = clean_address(path.replace("%", "%25"))
    except AddressError:
        return None
    return db.session.scalar(
        select(Article.slug)
        .join(ArticleAddress, ArticleAddress.article_id == Article.id)
        .where(
            ArticleAddress.path == cleaned,
            Article.status == PUBLISHED,
            Article.deleted_at.is_(None),
            Article.published_at <= utcnow(),
        )
    )
