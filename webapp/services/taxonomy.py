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
        paths = ["/".join(names[: depth + 1]) for depth in range(len(names))]
        # Every level not remembered yet, in one query.
        unknown = [path for path in paths if path not in self._categories]
        if unknown:
            found = db.session.scalars(select(Category).where(Category.path.in_(unknown)))
            self._categories.update((category.path, category) for category in found)
        parent = None
        for name, path in zip(names, paths, strict=True):
            category = self._categories.get(path)
            if category is None:
                category = Category(name=name, path=path, parent=parent)
                db.session.add(category)
                self._categories[path] = category
            parent = category
        return parent

    def tags(self, names: list[str]) -> list[Tag]:
        """Return the tags with these names, creating missing ones; names equal by slug merge."""
        wanted: dict[str, str] = {}
        for name in names:
            wanted.setdefault(slugify(name) or name, name)  # the first spelling of a slug wins
        unknown = [slug for slug in wanted if slug not in self._tags]
        if unknown:
            found = db.session.scalars(select(Tag).where(Tag.slug.in_(unknown)))
            self._tags.update((tag.slug, tag) for tag in found)
        for slug, name in wanted.items():
            if slug not in self._tags:
                self._tags[slug] = Tag(name=name, slug=slug)
                db.session.add(self._tags[slug])
        return [self._tags[slug] for slug in wanted]

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
