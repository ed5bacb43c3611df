"""Database models: articles with their revisions, categories, tags and stored images."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .content.katexfonts import used_fonts
from .extensions import db

DRAFT = "draft"
PUBLISHED = "published"
# Article.kind: an article in the stream, or a standalone page (About, Links) beside it.
ARTICLE = "article"
PAGE = "page"

# Account roles: an admin may do everything, an editor write every article (but not manage
# accounts or the site's export and restore), an author write their own articles only.
ADMIN = "admin"
EDITOR = "editor"
AUTHOR = "author"
ROLES = (ADMIN, EDITOR, AUTHOR)


def utcnow() -> datetime:
    """Return the current time as naive UTC, the form every timestamp is stored in.

    Read from the site's clock (clock.py), which tests may stop or move.
    """
    return clock.now()


article_tags = Table(
    "article_tags",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # A tag's articles, newest added first, from the index alone (related articles).
    Index("ix_article_tags_tag_article", "tag_id", "article_id"),
)


_HIGHLIGHT_CLASS = re.compile(r'class="(?:language-[^" ]* )?highlight"')
# Front matter dark_images: invert light diagrams in dark mode, or dim them.
DARK_IMAGE_MODES = frozenset({"invert", "dim"})


class Category(db.Model):
    """A category; categories nest (深度学习 under 机器学习) and are addressed by their path."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The full slash-joined path of names, unique: "机器学习/深度学习".
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent")

    def trail(self) -> list[tuple[str, str]]:
        """Return (name, path) from the root category down to this one, without queries."""
        names = self.path.split("/")
        return [(name, "/".join(names[: depth + 1])) for depth, name in enumerate(names)]


class Tag(db.Model):
    """A free-form label shared by articles."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)


class Article(db.Model):
    """One published or draft article: verbatim source plus everything rendered from it."""

    __tablename__ = "articles"
    __table_args__ = (
        # The listing pages by (updated_at, id) among visible rows; these indexes serve it
        # (and the page count) without touching the rows themselves.
        Index("ix_articles_listing", "status", "deleted_at", "updated_at", "id"),
        Index(
            "ix_articles_category_listing",
            "category_id",
            "status",
            "deleted_at",
            "updated_at",
            "id",
        ),
        # Published order among visible rows: previous/next on an article page, the archive's
        # month counts and month pages (read from the index alone).
        Index("ix_articles_published", "status", "deleted_at", "published_at", "id"),
        # LATEST UPDATES on the home page: the pinned few above (pinned true), the others
        # below (pinned false) paged and counted from the index alone.
        Index("ix_articles_home", "pinned", "status", "deleted_at", "updated_at", "id"),
        # An upload matches an article by its title when slug and file name do not.
        Index("ix_articles_title", "title"),
        # The few standalone pages: found by kind alone, among the hidden rows of the
        # fingerprint (services/navigation.py) and in the admin's Pages section.
        Index("ix_articles_kind", "kind", "status", "deleted_at"),
        # An author's page lists their visible articles by update, as the listing does.
        Index(
            "ix_articles_author_listing", "author_id", "status", "deleted_at", "updated_at", "id"
        ),
    )

    # Small columns first, big text last: SQLite stores a row's columns in order and reads
    # through the overflow pages of a 50 KB HTML column to reach any column after it, so a
    # card (title, excerpt, date …) must never sit behind the body.
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=PUBLISHED)
    # ARTICLE or PAGE, from the front matter's `type: page`: pages stay out of the stream.
    kind: Mapped[str] = mapped_column(String(16), default=ARTICLE, server_default=ARTICLE)
    lang: Mapped[str] = mapped_column(String(35), default="en")
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    reading_minutes: Mapped[int] = mapped_column(Integer, default=1)
    render_version: Mapped[int] = mapped_column(Integer, default=0)
    # Moved on by every write of the article's content (publishing/writer.py): of two jobs
    # updating one article at once, the second sees it moved and reads the article again.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moves only when the content changes; the listing orders by it.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the stored HTML was last written; finished pages are cached under it.
    rendered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set while the article is in the trash; readers never see it, authors can restore it.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    # Who wrote it; None (no account, or one deleted with "keep as the site's") is shown as
    # the site's author (SITE_AUTHOR, else the site title).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The uploaded file's name: a re-upload of the same file finds its article by it, so the
    # slug stays put when the title changes.
    source_filename: Mapped[str | None] = mapped_column(String(500), index=True)
    source_hash: Mapped[str] = mapped_column(String(64))
    # Shown above LATEST UPDATES (front matter top, sticky or pinned).
    pinned: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Among pinned articles, higher first (Hexo's `top: 10`, `sticky: 100`; true is 1).
    pin_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The card's and OpenGraph image: a /media/ address or a remote https URL, or None.
    cover_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    # The private preview link of a draft or scheduled article (services/preview_links.py):
    # the secret its signature depends on and when it was issued. A new link replaces the
    # secret and revoking clears it, so that every older link stops working at once.
    preview_key: Mapped[str | None] = mapped_column(String(64), default=None)
    preview_issued_at: Mapped[datetime | None] = mapped_column(default=None)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    front_matter: Mapped[dict] = mapped_column(JSON, default=dict)
    toc_html: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    source_md: Mapped[str] = mapped_column(Text)
    # The body as feeds carry it (content/feedhtml.py: formulas as MathML only). Last, and
    # deferred, so that only the feeds ever read through to it; None for rows rendered
    # before it existed (feeds derive it from html then; `flask rerender` stores it).
    feed_html: Mapped[str | None] = mapped_column(Text, default=None, deferred=True)

    category: Mapped[Category | None] = relationship()
    author: Mapped[User | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by=Tag.name)
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Revision.id"
    )
    images: Mapped[list[ArticleImage]] = relationship(cascade="all, delete-orphan")
    addresses: Mapped[list[ArticleAddress]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleAddress.path"
    )

    @property
    def is_published(self) -> bool:
        """Tell whether readers may see the article: published, due, not in the trash."""
        return self.status == PUBLISHED and self.deleted_at is None and not self.is_scheduled

    @property
    def is_scheduled(self) -> bool:
        """Tell whether the article is published with a date still to come (hidden till then)."""
        moment = self.published_at
        return self.status == PUBLISHED and moment is not None and moment > utcnow()

    @property
    def is_page(self) -> bool:
        """Tell whether this is a standalone page (/pages/<slug>/), not an article."""
        return self.kind == PAGE

    @property
    def reader_endpoint(self) -> str:
        """Return the endpoint of the reader's page for it: an article's or a page's."""
        return "blog.page" if self.kind == PAGE else "blog.article"

    @property
    def has_math(self) -> bool:
        """Tell whether the page needs the KaTeX stylesheet."""
        return 'class="math ' in self.html

    @property
    def katex_fonts(self) -> list[str]:
        """Return the KaTeX font files (names without .woff2) the page's formulas draw with."""
        return used_fonts(self.html)

    @property
    def has_code(self) -> bool:
        """Tell whether the page needs the code-highlighting stylesheet."""
        # "highlight" alone (older renders) or after the language class: language-python.
        return _HIGHLIGHT_CLASS.search(self.html) is not None

    @property
    def dark_images(self) -> str | None:
        """Return how dark mode shows the article's images (front matter dark_images), or None."""
        value = (self.front_matter or {}).get("dark_images")
        value = str(value).strip().lower() if value is not None else ""
        return value if value in DARK_IMAGE_MODES else None

    @property
    def has_diagram(self) -> bool:
        """Tell whether the page needs the diagram script (a ```mermaid block)."""
        return '<pre class="mermaid">' in self.html

    @property
    def has_inline_toc(self) -> bool:
        """Tell whether the author placed the table of contents in the text ([toc])."""
        return 'class="toc toc-inline"' in self.html


class ArticleAddress(db.Model):
    """An address the article had before (on Hexo, Jekyll, Hugo, or set by its author).

    A request for it answers 301 to the article. The path is stored decoded, NFC, with a
    leading slash and no trailing one ("/2024/01/18/hello-world"); see services/addresses.
    """

    __tablename__ = "article_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    # Where it came from: hexo, jekyll, hugo, front matter, author.
    origin: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="addresses")


class Revision(db.Model):
    """A saved source of an article, kept when the article is updated."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    source_md: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="revisions")


class Asset(db.Model):
    """A stored file, addressed by the SHA-256 of its content."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    mime_type: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def filename(self) -> str:
        """Return the stored file name, e.g. 3f2a…c1.svg."""
        return f"{self.sha256}.{self.extension}"


class ArticleImage(db.Model):
    """Links an image reference as written in an article's Markdown to the stored asset."""

    __tablename__ = "article_images"
    __table_args__ = (UniqueConstraint("article_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(1000))
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"))

    asset: Mapped[Asset] = relationship()


class User(db.Model):
    """An account that may sign in and write; only a password hash is stored."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The sign-in name.
    username: Mapped[str] = mapped_column(String(80), unique=True)
    # The author page's address, /authors/<slug>/: the username made URL-safe, unique.
    slug: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    # The name readers see on articles, in feeds and JSON-LD; empty: the username.
    display_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    role: Mapped[str] = mapped_column(String(16), default=AUTHOR, server_default=AUTHOR)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set while the account is disabled: it cannot sign in and its tokens are refused.
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    # The admin pages' language ("zh", "en"); None follows the site's SITE_LANG.
    language: Mapped[str | None] = mapped_column(String(8))

    # Flask-Login's user interface, written out rather than inherited from UserMixin.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Tell whether the account may sign in and act (not disabled)."""
        return self.disabled_at is None

    @property
    def shown_name(self) -> str:
        """Return the name readers see: the display name, else the username."""
        return self.display_name or self.username

    @property
    def is_admin(self) -> bool:
        """Tell whether the account may manage accounts and the whole site."""
        return self.role == ADMIN

    @property
    def writes_every_article(self) -> bool:
        """Tell whether the account may change any article, not only its own."""
        return self.role in (ADMIN, EDITOR)

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session."""
        return str(self.id)


class UserSession(db.Model):
    """One sign-in of an account: the session cookie names it, so the server can end it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random key the cookie carries: the table alone signs nobody in.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(db.Model):
    """A personal access token for the publishing API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown in lists so an author can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """One failed sign-in (or one being checked), counted per account and address pair."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_lookup", "username", "address", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchDocument(db.Model):
    """An article's searchable text, field by field, as shown in search result snippets.

    Written by services/search in the same transaction as the article (never by hand); the
    database's own index (FTS5 on SQLite, tsvector chunks on PostgreSQL) sits beside it.
    """

    __tablename__ = "search_documents"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    title: Mapped[str] = mapped_column(Text, default="")
    prose: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str] = mapped_column(Text, default="")  # code blocks
    math: Mapped[str] = mapped_column(Text, default="")  # formula sources (TeX)


COMMENT_PENDING = "pending"
COMMENT_APPROVED = "approved"
COMMENT_SPAM = "spam"


class Comment(db.Model):
    """A reader's comment under an article, or a reply to one (replies nest one level)."""

    __tablename__ = "comments"
    __table_args__ = (
        # An article's approved comments in order, and their count and stamp for the cache.
        Index("ix_comments_thread", "article_id", "status", "id"),
        # The moderation queue, newest first, and the feeds of approved comments.
        Index("ix_comments_status", "status", "created_at", "id"),
        # Rate limits count an address's recent comments.
        Index("ix_comments_address", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=COMMENT_PENDING)
    name: Mapped[str] = mapped_column(String(80))
    # Never shown: notifications go to it, and it recognises an earlier approved commenter.
    email: Mapped[str | None] = mapped_column(String(254), default=None, index=True)
    website: Mapped[str | None] = mapped_column(String(500), default=None)
    # The poster's network address, for rate limits and the blocklist ("" for imports).
    address: Mapped[str] = mapped_column(String(64), default="")
    # SHA-256 of the key in the poster's cookie: they alone see it while it is pending.
    owner_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    # Written by a signed-in author from the moderation page.
    by_author: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The commenter asked for an email when someone replies.
    notify_replies: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    source_md: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)

    article: Mapped[Article] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])


class CommentSettings(db.Model):
    """The author's comment settings: one row, id 1 (services/comments/settings.py)."""

    __tablename__ = "comment_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Every new comment is approved at once.
    auto_approve: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # A commenter (same email) with an earlier approved comment skips the queue.
    approve_known: Mapped[bool] = mapped_column(default=True)
    # Where the author is told of each new comment; None sends nothing.
    notify_email: Mapped[str | None] = mapped_column(String(254), default=None)
    # Words and addresses (one a line) that refuse a comment.
    blocklist: Mapped[str] = mapped_column(Text, default="")
    # Comments close on articles published more than this many days ago; None never.
    close_after_days: Mapped[int | None] = mapped_column(Integer, default=None)
    # Moves with every change: article pages are cached under it (the form may close).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommentClosure(db.Model):
    """An article whose comments the author closed: no new ones, the old ones stay."""

    __tablename__ = "comment_closures"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
