"""Below an article: previous and next in published order, related articles, and the cached
page following the rest of the site."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import BASE_TIME
from tests.test_taxonomy import counting_queries, section
from webapp.extensions import db
from webapp.models import DRAFT, Article
from webapp.services import authoring, navigation
from webapp.services.publishing import publish

DAY = timedelta(days=1)


def neighbours(html: str) -> dict[str, str]:
    """Return {"prev": title, "next": title} from an article page's previous/next links."""
    found = {}
    for rel, title in re.findall(
        r'rel="(prev|next)"><span class="post-nav-label">[^<]+</span> '
        r'<span class="post-nav-title"[^>]*>([^<]+)</span>',
        html,
    ):
        found[rel] = title
    return found


def related_titles(html: str) -> list[str]:
    """Return the titles in an article page's related list, in order."""
    if 'class="related-list"' not in html:
        return []
    block = section(html, r'<ul class="related-list">.*?</ul>')
    return re.findall(r"<li><a href=\"/posts/[^\"]+/\"[^>]*>([^<]+)</a>", block)


def page(client, slug: str) -> str:
    response = client.get(f"/posts/{slug}/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# Previous and next


def test_previous_and_next_follow_publication_order_among_visible_articles(client, add_article):
    # Updated in the opposite order, so the update order would give other neighbours.
    add_article("First", slug="first", published_at=BASE_TIME, updated_at=BASE_TIME + 9 * DAY)
    add_article("Second", slug="second", published_at=BASE_TIME + DAY, updated_at=BASE_TIME)
    add_article("Draft", slug="draft", published_at=BASE_TIME + 1.5 * DAY, status=DRAFT)
    add_article("Trashed", published_at=BASE_TIME + 1.7 * DAY, deleted_at=BASE_TIME)
    add_article("Third", slug="third", published_at=BASE_TIME + 2 * DAY)

    assert neighbours(page(client, "first")) == {"next": "Second"}
    assert neighbours(page(client, "second")) == {"prev": "First", "next": "Third"}
    assert neighbours(page(client, "third")) == {"prev": "Second"}
    html = page(client, "second")
    nav = section(html, r'<nav class="post-nav".*?</nav>')
    assert 'href="/posts/first/" rel="prev"' in nav and 'href="/posts/third/" rel="next"' in nav
    assert "← Previous" in nav and "Next →" in nav


def test_articles_published_at_the_same_instant_are_ordered_by_id(client, add_article):
    for name in ("a", "b", "c"):
        add_article(name.upper(), slug=name, published_at=BASE_TIME)
    assert neighbours(page(client, "a")) == {"next": "B"}
    assert neighbours(page(client, "b")) == {"prev": "A", "next": "C"}
    assert neighbours(page(client, "c")) == {"prev": "B"}


def test_a_lone_article_has_no_previous_next_or_related(client, add_article):
    add_article("Alone", slug="alone", tags=["Spark"], category=["大数据"])
    html = page(client, "alone")
    assert 'class="post-nav"' not in html and 'class="related"' not in html


def test_neighbour_titles_in_another_language_carry_their_lang(client, add_article):
    add_article("English note", slug="en", lang="en", published_at=BASE_TIME)
    add_article("中文笔记", slug="zh", lang="zh-CN", published_at=BASE_TIME + DAY)
    html = page(client, "en")
    assert '<span class="post-nav-title" lang="zh-CN">中文笔记</span>' in html


# Related articles


def test_related_ranks_shared_tags_then_category_then_recency(client, add_article):
    subject = {"category": ["ML", "DL"], "tags": ["a", "b", "c"]}
    add_article("Subject", slug="subject", published_at=BASE_TIME + 7 * DAY, **subject)
    add_article(
        "Three tags elsewhere",
        category=["Other"],
        tags=["a", "b", "c"],
        published_at=BASE_TIME + DAY,
    )  # 3 tags: 6
    add_article(
        "Two tags, same category",
        category=["ML", "DL"],
        tags=["a", "b", "x"],
        published_at=BASE_TIME + 2 * DAY,
    )  # 2 tags + same category: 6, newer
    add_article("One tag", category=["Other"], tags=["c"], published_at=BASE_TIME + 5 * DAY)
    add_article("Same category only", category=["ML", "DL"], published_at=BASE_TIME + 3 * DAY)
    add_article("Sibling category", category=["ML", "RL"], published_at=BASE_TIME + 6 * DAY)
    add_article("Parent category", category=["ML"], published_at=BASE_TIME + 4 * DAY)
    add_article(
        "Unrelated and newest", category=["Other"], tags=["z"], published_at=BASE_TIME + 9 * DAY
    )
    add_article("Draft twin", status=DRAFT, published_at=BASE_TIME + 8 * DAY, **subject)
    add_article("Trashed twin", deleted_at=BASE_TIME, published_at=BASE_TIME + 8 * DAY, **subject)

    html = page(client, "subject")
    assert related_titles(html) == [
        "Two tags, same category",  # ties at 6 go to the more recent
        "Three tags elsewhere",
        "One tag",  # 2, newer than "Same category only" (2)
        "Same category only",
        "Sibling category",  # 1, newer than "Parent category" (1), which is sixth: cut
    ]
    heading = section(html, r'<section class="related".*?</h2>')
    assert "RELATED" in heading
    meta = section(html, r'<ul class="related-list">.*?</ul>')
    assert re.search(r"DL · (Published|Updated) <time", meta)  # category and labelled date


def test_related_never_lists_the_article_itself_and_stops_at_five(client, add_article):
    add_article("Subject", slug="subject", tags=["t"], category=["C"])
    for n in range(12):
        add_article(f"Peer {n}", tags=["t"], published_at=BASE_TIME + n * DAY)
    titles = related_titles(page(client, "subject"))
    assert titles == [f"Peer {n}" for n in range(11, 6, -1)]


def test_article_without_tags_or_category_has_no_related(client, add_article):
    add_article("Bare", slug="bare")
    add_article("Other", tags=["t"], category=["C"])
    assert related_titles(page(client, "bare")) == []


def test_related_and_neighbours_take_a_bounded_number_of_queries(app, client, add_article):
    def render_queries(slug: str) -> int:
        app.extensions["page_cache"] = type(app.extensions["page_cache"])(1 << 20)
        with counting_queries(app) as statements:
            page(client, slug)
        return len(statements)

    add_article("Subject", slug="subject", tags=["a", "b"], category=["ML", "DL"])
    add_article("Peer", tags=["a"], category=["ML"])
    few = render_queries("subject")
    for n in range(40):
        add_article(tags=["a", "b"][: n % 3], category=["ML", "DL"] if n % 2 else ["ML", "RL"])
    many = render_queries("subject")
    # stamp, comments' stamp, the article, its tags, previous+next (one UNION), the category
    # tree, related (one query), its comments (one query)
    assert few == many <= 8
    with counting_queries(app) as statements:
        page(client, "subject")
    # A cached page costs two statements: the stamp and the comments' stamp.
    assert len(statements) == 2


def test_related_scores_only_each_tags_newest_articles(client, add_article, monkeypatch):
    # A popular tag can carry tens of thousands of articles: only its newest few are
    # candidates, so the page costs the same with 40 or 40,000 of them.
    monkeypatch.setattr(navigation, "RELATED_WINDOW", 2)
    add_article("Subject", slug="subject", tags=["a"], published_at=BASE_TIME)
    for n in range(1, 5):
        add_article(f"Peer {n}", tags=["a"], published_at=BASE_TIME + n * DAY)
    assert related_titles(page(client, "subject")) == ["Peer 4", "Peer 3"]


# The cached page follows the rest of the site


def publish_note(app, title: str, day: str, **front) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in front.items())
    text = f"---\ntitle: {title}\ndate: {day}\n{extra}---\nAbout {title}.\n"
    with app.app_context():
        return publish(text, filename=f"{title}.md").article.slug


def test_cached_page_follows_publishing_unpublishing_and_trashing(app, client, monkeypatch):
    older = publish_note(app, "Older", "2025-01-01")
    middle = publish_note(app, "Middle", "2025-02-01")
    assert neighbours(page(client, middle)) == {"prev": "Older"}

    import webapp.blog.views as views

    renders = []
    original = views.render_template
    monkeypatch.setattr(
        views, "render_template", lambda *a, **k: renders.append(a) or original(*a, **k)
    )
    page(client, middle)
    assert renders == []  # nothing changed: served from the cache

    newer = publish_note(app, "Newer", "2025-03-01")
    assert neighbours(page(client, middle)) == {"prev": "Older", "next": "Newer"}

    with app.app_context():
        authoring.set_status(db.session.scalar(db.select(Article).filter_by(slug=newer)), DRAFT)
    assert neighbours(page(client, middle)) == {"prev": "Older"}

    with app.app_context():
        authoring.move_to_trash(db.session.scalar(db.select(Article).filter_by(slug=older)))
    assert neighbours(page(client, middle)) == {}

    with app.app_context():
        authoring.restore_from_trash(db.session.scalar(db.select(Article).filter_by(slug=older)))
    assert neighbours(page(client, middle)) == {"prev": "Older"}

    # A neighbour's new title shows at once too: an edit moves the latest update.
    assert publish_note(app, "Older, renamed", "2025-01-01", slug=older) == older
    assert neighbours(page(client, middle)) == {"prev": "Older, renamed"}


def test_an_old_article_published_late_still_refreshes_its_neighbours(app, client):
    # Its dates are older than the latest update: only its arrival itself tells the cache.
    first = publish_note(app, "First", "2025-01-01")
    third = publish_note(app, "Third", "2025-03-01")
    assert neighbours(page(client, third)) == {"prev": "First"}
    assert neighbours(page(client, first)) == {"next": "Third"}
    publish_note(app, "Second", "2025-02-01", updated="2025-02-02")
    assert neighbours(page(client, third)) == {"prev": "Second"}
    assert neighbours(page(client, first)) == {"next": "Second"}


def test_a_draft_published_from_the_admin_refreshes_its_neighbours(app, client):
    first = publish_note(app, "First", "2025-01-01")
    draft = publish_note(app, "Later draft", "2025-02-01", draft="true")
    assert neighbours(page(client, first)) == {}
    with app.app_context():
        article = db.session.scalar(db.select(Article).filter_by(slug=draft))
        authoring.set_status(article, "published")
    assert neighbours(page(client, first)) == {"next": "Later draft"}
    with app.app_context():
        authoring.move_to_trash(db.session.scalar(db.select(Article).filter_by(slug=draft)))
        authoring.empty_trash()
    assert neighbours(page(client, first)) == {}


def test_related_list_follows_a_new_article_sharing_tags(app, client):
    subject = publish_note(app, "Subject", "2025-01-01", tags="[Spark]")
    assert related_titles(page(client, subject)) == []
    publish_note(app, "Kin", "2024-06-01", tags="[Spark]")  # older: not a neighbour change only
    assert related_titles(page(client, subject)) == ["Kin"]


@pytest.mark.parametrize("encoding", ["identity", "br", "gzip"])
def test_every_encoding_of_the_cached_page_shows_the_new_neighbour(app, client, encoding):
    first = publish_note(app, "First", "2025-01-01")
    client.get(f"/posts/{first}/", headers={"Accept-Encoding": encoding})
    publish_note(app, "Second", "2025-02-01")
    response = client.get(f"/posts/{first}/", headers={"Accept-Encoding": encoding})
    assert response.status_code == 200
    if encoding == "identity":
        body = response.data
    elif encoding == "br":
        import brotli

        body = brotli.decompress(response.data)
    else:
        import gzip

        body = gzip.decompress(response.data)
    assert neighbours(body.decode("utf-8")) == {"next": "Second"}
