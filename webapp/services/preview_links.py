"""Private preview links: a draft or scheduled article shown to whoever holds its link.

A link is `<article id>.<issued, seconds since 1970>.<signature>`, signed with the site's
secret key salted with the article's own preview secret. Issuing a new link replaces the
secret and revoking clears it, so older links stop matching at once; a link expires
PREVIEW_LINK_DAYS after it was issued, as the site clock counts.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, Signer

from ..extensions import db
from ..models import Article, utcnow

_TOKEN = re.compile(r"(\d{1,18})\.(\d{1,12})\.[A-Za-z0-9_-]{10,100}")


@dataclass(frozen=True)
class PreviewLink:
    """An article's live preview link: the token for its address, and when it stops working."""

    token: str
    expires_at: datetime  # naive UTC

    @property
    def expired(self) -> bool:
        """Tell whether the link no longer opens the article."""
        return self.expires_at <= utcnow()


def link_days() -> float:
    """Return how many days a preview link works (the PREVIEW_LINK_DAYS setting)."""
    return float(current_app.config["PREVIEW_LINK_DAYS"])


def _signer(key: str) -> Signer:
    salt = f"article-preview:{key}"
    return Signer(current_app.secret_key, salt=salt, digest_method=hashlib.sha256)


def _seconds(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def current_link(article: Article) -> PreviewLink | None:
    """Return the article's preview link, expired or not; None when it has none."""
    if not article.preview_key or article.preview_issued_at is None:
        return None
    value = f"{article.id}.{_seconds(article.preview_issued_at)}"
    token = _signer(article.preview_key).sign(value).decode("ascii")
    expires = article.preview_issued_at + timedelta(days=link_days())
    return PreviewLink(token, expires)


def issue(article: Article) -> PreviewLink:
    """Give the article a new preview link, replacing (revoking) any earlier one; commit."""
    article.preview_key = secrets.token_urlsafe(32)
    # Whole seconds: the link carries the time it was issued as a number of seconds.
    article.preview_issued_at = utcnow().replace(microsecond=0)
    db.session.commit()
    return current_link(article)


def revoke(article: Article) -> None:
    """Take the article's preview link away: whoever holds it sees nothing any more; commit."""
    article.preview_key = None
    article.preview_issued_at = None
    db.session.commit()


def article_for(token: str) -> Article | None:
    """Return the article a preview token opens, or None: malformed, forged, revoked, expired.

    The trash is never shown; neither is an article whose link was replaced or revoked.
    """
    match = _TOKEN.fullmatch(token or "")
    if not match:
        return None
    article = db.session.get(Article, int(match.group(1)))
    if article is None or article.deleted_at is not None or not article.preview_key:
        return None
    try:
        _signer(article.preview_key).unsign(token)
    except BadSignature:
        return None
    link = current_link(article)
    # The signature covers the issue time, but only the stored one counts (a new link
    # keeps nothing of the old).
    if link is None or link.token != token or link.expired:
        return None
    return article
