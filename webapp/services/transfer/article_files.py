"""One article's files in an export: index.md with its images beside it, and its revisions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from ...content.imagelinks import image_links, note_links, rewrite
from ...content.messages import N_
from ...content.wikilinks import link_parts, note_key
from ...extensions import db
from ...models import Article, Asset
from ..assets import media_prefix
from ..storage import media_store
from .layout import INDEX, REVISIONS, ImageNames, link_reference, link_target
from .manifest import format_time
from .output import ExportOutput

# Already-compressed images gain nothing from deflate.
_STORED_TYPES = {"png", "jpg", "gif", "webp"}
_MEDIA_FILE = re.compile(r"(?P<sha>[0-9a-f]{64})\.(?P<ext>[a-z0-9]{1,10})")


@dataclass
class ArticleFiles:
    """Writes one article's folder and returns its manifest entry."""

    output: ExportOutput
    folder: str
    warnings: list[str]
    images_written: int = 0
    names: ImageNames = field(default_factory=ImageNames)
    files: dict[str, str] = field(default_factory=dict)  # sha256 -> export path
    # Where the notes that [[links]] name were exported: names -> {note key: "folder/index"}.
    notes: Callable[[list[str]], dict[str, str]] | None = None

    def write(self, article: Article, revisions: bool) -> dict:
        """Write index.md, the images and (if asked) the revisions; return the entry."""
        images = {}
        for link in article.images:
            file = self._image(link.reference, link.asset)
            images[link.reference] = {"file": file, "sha256": link.asset.sha256}
        text, undo = self._rewritten(article, images)
        data = text.encode("utf-8")
        self.output.write(f"{self.folder}/{INDEX}", data)
        entry = {
            "file": f"{self.folder}/{INDEX}",
            "file_sha256": hashlib.sha256(data).hexdigest(),
            # How to turn index.md back into the stored source: [start, length, original].
            "rewrites": undo,
            **_fields(article),
            "cover": self._cover(article),
            "images": images,
        }
        if revisions:
            entry["revisions"] = self._revisions(article)
        return entry

    def _image(self, reference: str, asset: Asset) -> str | None:
        """Copy an image into the folder once; return its export path, None if it is gone."""
        if asset.sha256 in self.files:
            return self.files[asset.sha256]
        data = media_store().read(asset.filename)
        if data is None:
            missing = N_("image file missing from uploads: %(name)s")
            self.warnings.append(missing % {"name": asset.filename})
            return None
        name = self.names.name(reference, asset.sha256, asset.extension)
        path = f"{self.folder}/{name}"
        self.output.write(path, data, compress=asset.extension not in _STORED_TYPES)
        self.files[asset.sha256] = path
        self.images_written += 1
        return path

    def _rewritten(self, article: Article, images: dict[str, dict]) -> tuple[str, list[list]]:
        """Return the source with each image path pointing at its exported file."""
        exported = {ref: item["file"] for ref, item in images.items() if item["file"]}
        changes = []
        for link in image_links(article.source_md):
            reference = link_reference(link, set(exported))
            if reference is not None:
                name = exported[reference].rsplit("/", 1)[1]
                changes.append((link, link_target(link, self.folder, name)))
        return rewrite(article.source_md, changes + self._note_changes(article))

    def _note_changes(self, article: Article) -> list:
        """Point each [[link]] at the exported note it names, keeping the text it shows.

        Every exported note is an index.md, so Obsidian finds a note by its folder:
        [[Note#Heading]] becomes [[note-slug/index#Heading|Note#Heading]].
        """
        links = note_links(article.source_md)
        if not links or self.notes is None:
            return []
        exported = self.notes([link_parts(link.written)[0] for link in links])
        changes = []
        for link in links:
            target, heading, alias = link_parts(link.written)
            path = exported.get(note_key(target))
            if path is not None:
                fragment = f"#{heading}" if heading is not None else ""
                shown = alias if alias is not None else link.written
                changes.append((link, f"{path}{fragment}|{shown}"))
        return changes

    def _cover(self, article: Article) -> dict | None:
        """Return the cover: its URL, and for a stored image its exported file and hash."""
        url = article.cover_url
        if not url:
            return None
        cover: dict = {"url": url}
        prefix = media_prefix()
        match = _MEDIA_FILE.fullmatch(url[len(prefix) :]) if url.startswith(prefix) else None
        asset = _asset(article, match.group("sha")) if match else None
        if asset is not None:
            cover["sha256"] = asset.sha256
            cover["file"] = self._image(f"cover.{asset.extension}", asset)
        return cover

    def _revisions(self, article: Article) -> list[dict]:
        """Write every saved source under the hidden folder, oldest first."""
        listed = []
        width = max(3, len(str(len(article.revisions))))
        for n, revision in enumerate(article.revisions, start=1):
            name = f"{REVISIONS}/{self.folder}/{n:0{width}d}-{revision.created_at:%Y%m%dT%H%M%S}.md"
            self.output.write(name, revision.source_md.encode("utf-8"))
            listed.append({"file": name, "created_at": format_time(revision.created_at)})
        return listed


def _asset(article: Article, sha256: str) -> Asset | None:
    """Return the stored image with this hash: the article's own, else any."""
    for link in article.images:
        if link.asset.sha256 == sha256:
            return link.asset
    return db.session.scalar(select(Asset).where(Asset.sha256 == sha256))


def _fields(article: Article) -> dict:
    """Return what the manifest records of an article besides its files."""
    return {
        "slug": article.slug,
        "title": article.title,
        "source_sha256": article.source_hash,
        "status": article.status,
        "deleted_at": format_time(article.deleted_at),
        "created_at": format_time(article.created_at),
        "published_at": format_time(article.published_at),
        "updated_at": format_time(article.updated_at),
        "source_filename": article.source_filename,
        "category": article.category.path if article.category else None,
        # The author's username (None: the site's); a restore finds the account by it.
        "author": article.author.username if article.author else None,
        "tags": [tag.slug for tag in article.tags],
        "pinned": bool(article.pinned),
        "addresses": [
            {
                "path": address.path,
                "origin": address.origin,
                "created_at": format_time(address.created_at),
            }
            for address in article.addresses
        ],
    }
