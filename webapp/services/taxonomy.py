"""Find or create categories (by path) and tags (by name)."""

from __future__ import annotations

from sqlalchemy import select

from ..content.slugs import slugify
from ..extensions import db
from ..models import Category, Tag


def category_at(path: str) -> Category | None:
    """Return the category stored under a path such as "机器学习/深度学习", or None."""
    return db.session.scalar(select(Category).where(Category.path == path.strip("/")))


def tag_with_slug(slug: str) -> Tag | None:
    """Return the tag with this slug, or None."""
    return db.session.scalar(select(Tag).where(Tag.slug == slug))


class Taxonomy:
    """Finds or creates categories and tags, remembering them for a run of many articles.

    A bulk import would otherwise look up the same dozen categories and tags once per
    article. Remembered rows are expired by each commit and reload once when next used.
    """

    def __init__(self) -> None:
        self._categories: dict[str, Category] = {}
        self._tags: dict[str, Tag] = {}

    def category(self, names: list[str]) -> Category | None:
        """Return the category for a path such as ["机器学习", "深度学习"], creating levels."""
        parent = None
        for depth in range(len(names)):
            path = "/".join(names[: depth + 1])
            category = self._categories.get(path) or category_at(path)
            if category is None:
                category = Category(name=names[depth], path=path, parent=parent)
                db.session.add(category)
            self._categories[path] = category
            parent = category
        return parent

    def tags(self, names: list[str]) -> list[Tag]:
        """Return the tags with these names, creating missing ones; names equal by slug merge."""
        tags: dict[str, Tag] = {}
        for name in names:
            slug = slugify(name) or name
            if slug in tags:
                continue
            tag = self._tags.get(slug) or tag_with_slug(slug)
            if tag is None:
                tag = Tag(name=name, slug=slug)
                db.session.add(tag)
            self._tags[slug] = tag
            tags[slug] = tag
        return list(tags.values())

    def forget(self) -> None:
        """Drop what is remembered: after a rollback, new rows it made are gone."""
        self._categories.clear()
        self._tags.clear()


def category_for_path(names: list[str]) -> Category | None:
    """Return the category for a path such as ["机器学习", "深度学习"], creating missing levels."""
    return Taxonomy().category(names)


def tags_for_names(names: list[str]) -> list[Tag]:
    """Return the tags with these names, creating the missing ones; names equal by slug merge."""
    return Taxonomy().tags(names)


def descendant_ids(category: Category) -> list[int]:
    """Return the ids of a category and every category below it."""
    below = Category.path.startswith(category.path + "/", autoescape=True)
    return list(db.session.scalars(select(Category.id).where((Category.id == category.id) | below)))
