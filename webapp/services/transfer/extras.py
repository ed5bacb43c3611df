"""What a restore puts back beside the source: pinning, the cover, the old addresses."""

from __future__ import annotations

from sqlalchemy import select

from ...content.images import UnsupportedImage
from ...content.messages import N_
from ...extensions import db
from ...models import Article, ArticleAddress
from ..assets import media_prefix, store_image
from ..publishing import ArticleWriter
from .images import ExportImages
from .manifest import ArticleRecord


def restore_extras(
    article: Article,
    record: ArticleRecord,
    images: ExportImages,
    writer: ArticleWriter,
    *,
    untouched: bool,
) -> list[str]:
    """Set pinned, cover and addresses as recorded; return warnings for what could not be.

    An edited file keeps what its front matter gave the article and the recorded value
    only where it gave none; its old addresses stay its own either way.
    """
    warnings: list[str] = []
    if untouched or not article.pinned:
        article.pinned = record.pinned
    if untouched or not article.cover_url:
        article.cover_url = _cover_url(record, images, writer, warnings)
    _place_addresses(article, record, warnings, keep_others=not untouched)
    return warnings


def _cover_url(record, images, writer, warnings) -> str | None:
    cover = record.cover
    if cover is None:
        return None
    if cover.file is None:
        return cover.url  # a remote image, or a stored one the export did not hold
    data = images.cover()
    if data is None:
        missing = N_("cover image %(image)s missing from the export; kept %(url)s")
        warnings.append(missing % {"image": cover.file, "url": cover.url})
        return cover.url
    try:
        asset = store_image(data, writer.written)
    except UnsupportedImage as error:
        unusable = N_("cover image %(image)s cannot be used: %(error)s")
        warnings.append(unusable % {"image": cover.file, "error": error})
        return None
    db.session.flush()
    return media_prefix() + asset.filename


def _place_addresses(article, record, warnings, *, keep_others: bool) -> None:
    """Give the article its recorded addresses; an address another article holds stays there."""
    have = {address.path: address for address in article.addresses}
    wanted = [] if not keep_others else list(article.addresses)
    paths = {address.path for address in wanted}
    for item in record.addresses:
        if item.path in paths:
            continue
        address = have.get(item.path)
        if address is None:
            holder = db.session.scalar(
                select(ArticleAddress).where(ArticleAddress.path == item.path)
            )
            if holder is not None and holder.article_id != article.id:
                held = N_("old address %(address)s already leads to another article")
                warnings.append(held % {"address": item.path})
                continue
            address = ArticleAddress(path=item.path)
        address.origin, address.created_at = item.origin, item.created_at
        wanted.append(address)
        paths.add(item.path)
    article.addresses = wanted


def extras_match(article: Article, record: ArticleRecord) -> bool:
    """Tell whether the article already has the recorded pinning, cover and addresses."""
    if bool(article.pinned) != record.pinned:
        return False
    cover = record.cover
    if cover is None and article.cover_url is not None:
        return False
    if cover is not None:
        if cover.sha256 and cover.file:
            if not (article.cover_url or "").startswith(media_prefix() + cover.sha256 + "."):
                return False
        elif article.cover_url != cover.url:
            return False
    stored = {(a.path, a.origin, a.created_at) for a in article.addresses}
    return stored == {(a.path, a.origin, a.created_at) for a in record.addresses}
