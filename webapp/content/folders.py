"""The category a document's folder stands for, as Obsidian and Typora vaults organise notes.

Folders that belong to a tool rather than to the author's topics are left out: Hexo's
source/_posts, Jekyll's _posts and _drafts, Hugo's content/<section>, MkDocs's docs, a
Hugo page bundle's own folder, and attachment folders of Obsidian and Typora.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from .metadata import MAX_CATEGORY_PATH_CHARS, MAX_NAME_CHARS

# Everything up to and including the last of these is the blog's machinery: Hexo's
# source/_posts, Jekyll's _posts and _drafts.
_POST_FOLDERS = frozenset({"_posts", "_drafts", "source"})
# Hugo: content/<section>/… ; the section (posts, post, blog …) is a page type, not a topic.
_HUGO_CONTENT = "content"
# MkDocs keeps its pages under docs/.
_DOCS_FOLDERS = frozenset({"docs"})
# Where Obsidian, Typora and friends keep pasted images: never a topic.
_ATTACHMENT_FOLDERS = frozenset(
    {
        "attachments",
        "attachment",
        "assets",
        "images",
        "img",
        "imgs",
        "media",
        "_resources",
        "附件",
        "图片",
    }
)
_PAGE_BUNDLE_NAMES = frozenset({"index", "_index"})


def folder_category(path: str, root: str = "") -> list[str]:
    """Return the category path a document's folders stand for ([] at the top).

    `path` is the document's path in its bundle with / separators; `root` is a folder
    wrapping the whole bundle (a zipped vault's own folder), which is left out too. A path
    whose names are too long to store as categories gives [].
    """
    parts = PurePosixPath(path).parts
    folders = list(parts[:-1])
    if root and folders[:1] == [root]:
        folders = folders[1:]
    if PurePosixPath(path).stem.lower() in _PAGE_BUNDLE_NAMES and folders:
        folders = folders[:-1]  # a Hugo page bundle: posts/my-post/index.md is the page
    lowered = [name.lower() for name in folders]
    cut = 0
    for index, name in enumerate(lowered):
        if name in _POST_FOLDERS or name in _DOCS_FOLDERS:
            cut = index + 1
        elif name == _HUGO_CONTENT:
            # content/<section>/… with a section folder; content/x.md has no section.
            cut = min(index + 2, len(folders))
    folders = [name for name in folders[cut:] if name.lower() not in _ATTACHMENT_FOLDERS]
    if any(len(name) > MAX_NAME_CHARS for name in folders):
        return []
    if len("/".join(folders)) > MAX_CATEGORY_PATH_CHARS:
        return []
    return folders
