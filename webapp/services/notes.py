"""Notes by name: the article a [[wikilink]] or a /_notes/<name> address means.

Obsidian links a note by its file name (without .md), and any note by its title works in
practice too: a note is found by the file it was uploaded as first, then by its title,
ignoring case. The oldest article wins a tie.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, or_, select

from ..content.wikilinks import NOTE_SUFFIXES, note_key
from ..extensions import db
from ..models import PUBLISHED, Article


def _file_key(filename: str | None) -> str:
    """Return the note key of a stored source file name ("a/Note.md" -> "a/note")."""
    return note_key(filename or "")


def _matches_file(article: Article, key: str) -> bool:
    """Tell whether an article was uploaded as the note `key` ("note" or "folder/note")."""
    stored = _file_key(article.source_filename)
    # Uploads store a note's base name ("Note.md"), so "folder/Note" finds it by "note".
    return bool(stored) and (stored == key or stored.rsplit("/", 1)[-1] == key.rsplit("/", 1)[-1])


def find_articles(names: Iterable[str]) -> dict[str, Article]:
    """Return the article (in or out of the trash's way: not deleted) each note name means.

    Keys of the answer are note_key(name); names that match nothing are absent.
    """
    wanted = {note_key(name): name.strip() for name in names if note_key(name)}
    if not wanted:
        return {}
    stems = {key.rsplit("/", 1)[-1] for key in wanted}
    files = {stem + suffix for stem in stems for suffix in NOTE_SUFFIXES}
    files |= {key + suffix for key in wanted for suffix in NOTE_SUFFIXES}
    titles = set(wanted) | set(wanted.values())
    as_written = {name + suffix for name in wanted.values() for suffix in NOTE_SUFFIXES}
    # lower() in SQL folds ASCII only (SQLite); the Python checks below decide.
    candidates = db.session.scalars(
        select(Article)
        .where(
            Article.deleted_at.is_(None),
            or_(
                func.lower(Article.source_filename).in_(files),
                Article.source_filename.in_(as_written),
                func.lower(Article.title).in_(titles),
                Article.title.in_(titles),
            ),
        )
        .order_by(Article.id)
    ).all()
    found: dict[str, Article] = {}
    for key in wanted:
        by_file = next((a for a in candidates if _matches_file(a, key)), None)
        by_title = next((a for a in candidates if note_key(a.title) == key), None)
        if by_file or by_title:
            found[key] = by_file or by_title
    return found


def find_note(name: str) -> Article | None:
    """Return the published article a note name means, or None."""
    article = find_articles([name]).get(note_key(name))
    if article is None or article.status != PUBLISHED or article.is_scheduled:
        return None
    return article


def _site_path(endpoint: str, **values: str) -> str:
    """Return a site path for an endpoint, outside any request (jobs render in the worker)."""
    root = current_app.config.get("APPLICATION_ROOT", "/")
    return current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)


def article_address(article: Article) -> str:
    """Return the path of an article's page."""
    return _site_path("blog.article", slug=article.slug)


def note_address(name: str) -> str:
    """Return the stable /_notes/<name> path that redirects to whichever article is that note."""
    return _site_path("blog.note", name=name)
