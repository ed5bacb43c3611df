"""An article's saved sources: the list, a diff between any two, and restoring one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import load_only

from ..content.diff import Diff, diff_sources
from ..extensions import db
from ..models import Article, Revision
from .authoring import SaveResult, save_source
from .permissions import Actor

# The history page lists this many revisions at most, newest first; any two can be compared.
MAX_LISTED = 200


@dataclass(frozen=True)
class Comparison:
    """Two revisions of one article and the diff from the first to the second."""

    old: Revision
    new: Revision
    diff: Diff


def revisions_of(article: Article) -> list[Revision]:
    """Return the article's revisions, newest first, without loading their sources."""
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.article_id == article.id)
            .options(load_only(Revision.id, Revision.created_at, Revision.source_hash))
            .order_by(Revision.id.desc())
            .limit(MAX_LISTED)
        )
    )


def get_revision(article: Article, revision_id: int | None) -> Revision | None:
    """Return one of the article's revisions, or None when it is not the article's."""
    if revision_id is None:
        return None
    revision = db.session.get(Revision, revision_id)
    return revision if revision is not None and revision.article_id == article.id else None


def compare(article: Article, old_id: int | None, new_id: int | None) -> Comparison | None:
    """Compare two revisions; by default the one before the newest with the newest."""
    listed = revisions_of(article)
    if len(listed) < 2 and (old_id is None or new_id is None):
        return None
    old = get_revision(article, old_id) or (listed[1] if len(listed) > 1 else None)
    new = get_revision(article, new_id) or listed[0]
    if old is None:
        return None
    return Comparison(old, new, diff_sources(old.source_md, new.source_md))


def restore_revision(
    article: Article, revision: Revision, actor: Actor | None = None
) -> SaveResult:
    """Make an old revision's source the current one again, as a new revision."""
    return save_source(article, revision.source_md, actor)
