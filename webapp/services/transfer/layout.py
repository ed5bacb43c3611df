"""Where an export puts each article and image: folders an editor opens as a vault.

<slug>/index.md            a published article, its images beside it
drafts/<slug>/index.md     a draft
trash/<slug>/index.md      an article in the trash (draft or published)
.blog/revisions/<folder>/  every saved source (--revisions); hidden from editors
blog-export.json           the manifest
"""

from __future__ import annotations

import posixpath

from ...content.imagelinks import EMBED, ImageLink, safe_name
from ...content.images import normalise_reference
from ...content.render import is_remote
from ...models import DRAFT, Article

INDEX = "index.md"
DRAFTS = "drafts"
TRASH = "trash"
HIDDEN = ".blog"
REVISIONS = f"{HIDDEN}/revisions"
# Top-level names a published article's folder must not take.
RESERVED = {DRAFTS, TRASH, HIDDEN, "articles", "assets", "revisions"}


class FolderNames:
    """Hands out one folder per article: its slug, or article-<id> when the slug won't do."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def folder(self, article: Article) -> str:
        """Return the article's folder path inside the export."""
        if article.deleted_at is not None:
            parent = TRASH
        elif article.status == DRAFT:
            parent = DRAFTS
        else:
            parent = ""
        name = article.slug
        if safe_name(name) != name or (not parent and name.casefold() in RESERVED):
            name = f"article-{article.id}"
        path = posixpath.join(parent, name)
        if path.casefold() in self.taken:
            path = posixpath.join(parent, f"article-{article.id}")
        self.taken.add(path.casefold())
        return path


class ImageNames:
    """Hands out the file names of one article's images, unique within its folder."""

    def __init__(self) -> None:
        self.taken: set[str] = {INDEX}
        self.by_hash: dict[str, str] = {}

    def name(self, reference: str, sha256: str, extension: str) -> str:
        """Return the file name for an image; the same bytes twice get one file."""
        if sha256 in self.by_hash:
            return self.by_hash[sha256]
        name = safe_name(reference, extension)
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            stem, suffix = name, ""
        number = 1
        while name.casefold() in self.taken:
            number += 1
            name = f"{stem}-{number}.{suffix}" if suffix else f"{stem}-{number}"
        self.taken.add(name.casefold())
        self.by_hash[sha256] = name
        return name


def link_reference(link: ImageLink, references: set[str]) -> str | None:
    """Return which stored image reference a link in the source means, if any.

    An Obsidian embed names a file anywhere in the vault: when its path is not one of the
    references, a reference with the same file name (the only one) is meant.
    """
    written = link.path.strip()
    if is_remote(written):
        # A remote image copied into the site at import: its reference is the address.
        return written if written in references else None
    reference = normalise_reference(link.path)
    if reference is None:
        return None
    if reference in references or link.kind != EMBED:
        return reference if reference in references else None
    name = posixpath.basename(reference)
    same = [known for known in references if posixpath.basename(known) == name]
    return same[0] if len(same) == 1 else None


def link_target(link: ImageLink, folder: str, name: str) -> str:
    """Return what an exported file writes in the link's place.

    Markdown and HTML paths are relative to index.md, as Typora and Obsidian read them;
    an Obsidian embed is a path from the vault's root, which Obsidian never confuses with
    another article's image of the same name.
    """
    return f"{folder}/{name}" if link.kind == EMBED else name
