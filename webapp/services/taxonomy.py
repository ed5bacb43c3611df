"""Find or create categories (by path) and tags (by name)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..content.slugs import slugify
from ..extensions import db
from ..models import Category, Tag

# INSERT … ON CONFLICT DO NOTHING in the two databases the blog runs on.
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


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
                values = {"name": name, "path": path, "parent_id": parent and parent.id}
                category = _insert_or_get(Category, Category.path, values)
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
                self._tags[slug] = _insert_or_get(Tag, Tag.slug, {"name": name, "slug": slug})
        return [self._tags[slug] for slug in wanted]

    def forget(self) -> None:
        """Drop what is remembered: after a rollback, new rows it made are gone."""
        self._categories.clear()
        self._tags.clear()


def _insert_or_get(model, key, values: dict):
    """Return the row whose unique `key` has this value, inserting it if there is none.

    Another upload may create the same category or tag at the same moment: the insert
    then does nothing (on PostgreSQL it waits for the other transaction first) and the
    row it stored is read, where a plain INSERT would fail on the unique key.
    """
    insert = _INSERTS[db.session.get_bind().dialect.name]
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=[key])
    db.session.execute(statement)
    return db.session.scalars(select(model).where(key == values[key.key])).one()


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
