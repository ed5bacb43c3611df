"""Whose article a document is: the uploader's, or the account its front matter names."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from ...content.messages import N_
from ...content.slugs import slugify
from ...extensions import db
from ...models import Article, User
from ..permissions import Actor

NOT_YOURS = N_(
    "“%(title)s” is another author's article; you may only update your own (give this "
    "document another slug)"
)
AS_SOMEONE_ELSE = N_(
    "the front matter names the author “%(name)s”; only editors and admins may publish as "
    "another author"
)
UNKNOWN_AUTHOR = N_(
    "the front matter's author “%(name)s” has no account on this site, so it was not used"
)


class AuthorRefused(ValueError):
    """The actor may not write this article, or not as the author it names; str() says why."""


@dataclass
class Authorship:
    """The author an article gets and what the report should say about it."""

    author_id: int | None
    warnings: list[str] = field(default_factory=list)


def named_author(front_matter: dict) -> str | None:
    """Return the author a front matter names (`author: Ann`, `author: {name: Ann}`)."""
    value = (front_matter or {}).get("author")
    if isinstance(value, dict):
        value = value.get("name")
    elif isinstance(value, list):
        value = next((item for item in value if isinstance(item, str)), None)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def find_author(name: str) -> User | None:
    """Return the account a name means: its username, author-page slug or display name."""
    return db.session.scalar(
        select(User)
        .where(
            or_(
                User.username == name,
                User.slug == slugify(name),
                func.lower(User.display_name) == name.lower(),
            )
        )
        .order_by(User.username != name, User.id)
        .limit(1)
    )


def check_writable(article: Article | None, actor: Actor | None) -> None:
    """Raise AuthorRefused when the actor may not update this existing article."""
    if article is not None and actor is not None and not actor.may_write(article):
        raise AuthorRefused(NOT_YOURS % {"title": article.title})


def authorship(front_matter: dict, article: Article | None, actor: Actor | None) -> Authorship:
    """Return the author an upload gives its article; raise AuthorRefused when it may not.

    A new article is the uploader's; an updated one keeps its author. A front matter
    `author:` naming an account makes it theirs, if the uploader is that account, an
    editor or an admin (or the site itself importing); naming nobody here is a warning,
    since Hexo and Hugo posts often carry a free-text author.
    """
    keep = article.author_id if article is not None else (actor.user_id if actor else None)
    name = named_author(front_matter)
    if name is None:
        return Authorship(keep)
    user = find_author(name)
    if user is None:
        return Authorship(keep, [UNKNOWN_AUTHOR % {"name": name}])
    if actor is None or actor.writes_every_article or user.id == actor.user_id:
        return Authorship(user.id)
    raise AuthorRefused(AS_SOMEONE_ELSE % {"name": name})
