"""Addresses and metadata for what leaves the site: absolute and canonical URLs, share tags.

Absolute URLs start from SITE_URL when it is set, else from the request's own URL root
(article pages, cached per process, hold the root in their cache key for that reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from flask import Flask, current_app, request, url_for

from .content.feedhtml import first_image
from .models import Article
from .pages import iso_time
from .services.assets import public_media_url

# Pages that are nobody's reading matter: no canonical link, no share tags.
NOT_FOR_READERS = frozenset({"admin", "api"})


def site_root() -> str:
    """Return the URL the site lives at, ending in a slash."""
    configured = current_app.config.get("SITE_URL")
    return configured.rstrip("/") + "/" if configured else request.url_root


def absolute_url(endpoint: str, **values) -> str:
    """Return the absolute URL of an endpoint, under SITE_URL when it is set."""
    path = url_for(endpoint, **values)
    script_root = request.script_root
    if script_root and path.startswith(script_root + "/"):
        path = path[len(script_root) :]  # site_root() already holds it
    return site_root() + path.lstrip("/")


def site_author() -> str:
    """Return the name feeds and JSON-LD give as the author."""
    config = current_app.config
    return config.get("SITE_AUTHOR") or config["SITE_TITLE"]


def canonical_url() -> str | None:
    """Return this reader page's canonical URL: no cursor, ?page=N kept past page 1.

    A search keeps its query: the address of a result list is the one a reader shares.
    """
    if request.endpoint is None or request.blueprint in NOT_FOR_READERS:
        return None
    values = dict(request.view_args or {})
    query = request.args.get("q", "").strip() if request.blueprint == "search" else ""
    if query:
        values["q"] = query
    page = request.args.get("page", type=int)
    if page and page > 1 and "after" not in request.args:
        values["page"] = page
    return absolute_url(request.endpoint, **values)


def article_author(article: Article) -> dict:
    """Return the JSON-LD author: the article's Person with their page, else the site's."""
    if article.author is not None:
        return {
            "@type": "Person",
            "name": article.author.shown_name,
            "url": absolute_url("blog.author", slug=article.author.slug),
        }
    kind = "Person" if current_app.config.get("SITE_AUTHOR") else "Organization"
    return {"@type": kind, "name": site_author()}


@dataclass(frozen=True)
class ArticleShare:
    """What an article page tells link previews and search engines about the article."""

    url: str
    image: str | None
    json_ld: dict


def article_share(article: Article) -> ArticleShare:
    """Return an article's canonical URL, share image (absolute) and JSON-LD BlogPosting.

    The share image is the front matter's cover, else the article's first image.
    """
    url = absolute_url("blog.article", slug=article.slug)
    src = public_media_url(article.cover_url or first_image(article.html))
    image = urljoin(url, src) if src else None
    config = current_app.config
    json_ld = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": article.title,
        "description": article.excerpt,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": iso_time(article.published_at),
        "dateModified": iso_time(article.updated_at),
        "author": article_author(article),
        "publisher": {
            "@type": "Organization",
            "name": config["SITE_TITLE"],
            "url": absolute_url("blog.index"),
        },
        "inLanguage": article.lang,
        "keywords": [tag.name for tag in article.tags],
        "wordCount": article.word_count,
    }
    if article.category:
        json_ld["articleSection"] = article.category.name
    if image:
        json_ld["image"] = [image]
    return ArticleShare(url, image, json_ld)


def init_app(app: Flask) -> None:
    """Make the URL and share helpers available to templates."""
    app.jinja_env.globals.update(
        absolute_url=absolute_url,
        canonical_url=canonical_url,
        article_share=article_share,
        site_author=site_author,
    )
