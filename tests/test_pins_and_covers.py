"""Pinned articles above LATEST UPDATES and cover images on cards and in share tags."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from tests.conftest import ingest, make_zip, tiny_png
from webapp.content.metadata import MetadataError, normalise
from webapp.extensions import db
from webapp.models import Article
from webapp.services.publishing import publish

UTC = __import__("zoneinfo").ZoneInfo("UTC")
CDN = "https://cdn.jsdelivr.net/gh/someone/blog@src/PageImg/算法/A-B.png"


def post(title: str, extra: str = "", date: str = "2024-01-01") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\nBody of {title}.\n"


def publish_all(app, *texts: str) -> None:
    with app.app_context():
        for text in texts:
            publish(text)


def home(client, **args) -> str:
    response = client.get("/", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, heading: str) -> str:
    """Return the HTML of the <section> a heading id labels."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def titles(html: str) -> list[str]:
    return re.findall(r'class="card-title"[^>]*><a href="[^"]*">([^<]*)</a>', html)


# --- front matter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "pin"),
    [
        ({"top": True}, 1),
        ({"top": 1}, 1),
        ({"sticky": 100}, 100),
        ({"pinned": "yes"}, 1),
        ({"pinned": "true"}, 1),
        ({"top": "5"}, 5),
        ({"top": False}, 0),
        ({"top": 0}, 0),
        ({"sticky": -3}, 0),
        ({"pinned": "no"}, 0),
        ({}, 0),
    ],
)
def test_pin_keys(front, pin):
    assert normalise(front, UTC).pin == pin


def test_an_unreadable_pin_is_a_front_matter_error():
    with pytest.raises(MetadataError, match="top"):
        normalise({"top": "soon"}, UTC)


@pytest.mark.parametrize(
    ("front", "cover"),
    [
        ({"cover": "/img/cover.jpg"}, "/img/cover.jpg"),
        ({"cover": True, "img": CDN}, CDN),  # matery: cover true means the carousel
        ({"image": "images/a.png"}, "images/a.png"),
        ({"banner_img": "b.png"}, "b.png"),
        ({"featured_image": "f.png"}, "f.png"),
        ({"index_img": "i.png", "banner_img": "b.png"}, "i.png"),
        ({"cover": {"image": "c.png", "alt": "A ring"}}, "c.png"),
        ({"images": ["first.png", "second.png"]}, "first.png"),
        ({}, None),
    ],
)
def test_cover_keys(front, cover):
    assert normalise(front, UTC).cover == cover


# --- pinned on the home page -------------------------------------------------------------


def test_pinned_articles_stand_above_latest_updates_in_their_order(app, client):
    publish_all(
        app,
        post("Plain new", date="2024-06-01"),
        post("Top one", "top: 1\n", date="2023-01-01"),
        post("Sticky hundred", "sticky: 100\n", date="2022-01-01"),
        post("Pinned true", "pinned: true\n", date="2023-06-01"),
        post("Plain old", date="2021-01-01"),
    )
    html = home(client)
    pinned = section(html, "pinned-heading")
    assert titles(pinned) == ["Sticky hundred", "Pinned true", "Top one"]
    assert pinned.count("Pinned</span>") == 3 and "card-pin" in pinned
    latest = section(html, "listing-heading")
    assert titles(latest) == ["Plain new", "Plain old"]  # never twice
    assert html.index("pinned-heading") < html.index("listing-heading")


def test_pinned_articles_show_on_the_first_page_only_and_never_in_load_more(app, client):
    app.config["CARDS_PER_PAGE"] = 2
    publish_all(
        app,
        post("Pinned", "top: true\n", date="2024-12-01"),
        *(post(f"Post {n}", date=f"2024-01-{n + 1:02d}") for n in range(5)),
    )
    first = home(client)
    assert titles(section(first, "pinned-heading")) == ["Pinned"]
    assert titles(section(first, "listing-heading")) == ["Post 4", "Post 3"]
    assert "3 pages" in first or first.count('href="/?page=') >= 2
    cursor = re.search(r'href="/\?after=([^"&]+)', first).group(1)
    more = client.get(f"/?after={cursor}", headers={"HX-Request": "true"})
    assert "Pinned" not in titles(more.get_data(as_text=True))
    page_two = home(client, page=2)
    assert "pinned-heading" not in page_two
    assert titles(section(page_two, "listing-heading")) == ["Post 2", "Post 1"]
    every = []
    for number in (1, 2, 3):
        every += titles(section(home(client, page=number), "listing-heading"))
    assert every == [f"Post {n}" for n in (4, 3, 2, 1, 0)]


def test_pinned_articles_stay_in_categories_tags_and_feeds_in_date_order(app, client):
    publish_all(
        app,
        post("Pinned", "top: true\ncategories: [K]\n", date="2020-01-01"),
        post("Newer", "categories: [K]\n", date="2024-01-01"),
    )
    page = client.get("/categories/K/").get_data(as_text=True)
    assert titles(page) == ["Newer", "Pinned"]
    assert "card-pin" not in page


def test_pinning_and_unpinning_on_the_edit_page_shows_at_once(app, signed_in_client):
    client = signed_in_client
    publish_all(app, post("Alpha", date="2024-01-01"), post("Beta", date="2024-02-01"))
    assert "pinned-heading" not in home(client)  # cached now
    with app.app_context():
        alpha = db.session.scalar(select(Article).where(Article.slug == "alpha"))
        alpha_id, source = alpha.id, alpha.source_md

    def save(text: str) -> None:
        response = client.post(
            f"/admin/articles/{alpha_id}/edit",
            data={"csrf_token": client.csrf_token, "source": text},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    save(source.replace("date:", "top: true\ndate:"))
    html = home(client)
    assert titles(section(html, "pinned-heading")) == ["Alpha"]
    assert titles(section(html, "listing-heading")) == ["Beta"]
    save(source)
    html = home(client)
    assert "pinned-heading" not in html
    assert sorted(titles(section(html, "listing-heading"))) == ["Alpha", "Beta"]


def test_a_pinned_draft_or_trashed_article_is_not_shown(app, client):
    publish_all(app, post("Draft", "top: true\ndraft: true\n"), post("Plain"))
    assert "pinned-heading" not in home(client)


# --- covers --------------------------------------------------------------------------------


def cover_of(app, slug: str) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Article.cover_url).where(Article.slug == slug))


def test_a_hexo_cover_from_source_img_is_stored_and_shown_on_the_card(app, client):
    cover = tiny_png(6, 4, (200, 10, 10))
    bundle = make_zip(
        {
            "blog/source/_posts/kafka.md": b"---\ntitle: Kafka\ndate: 2024-01-18\ncover: /img/kafka.png\n---\nText.\n",
            "blog/source/img/kafka.png": cover,
        }
    )
    results = ingest(app, {"blog.zip": bundle})
    assert results[0].warnings == []
    url = f"/media/{hashlib.sha256(cover).hexdigest()}.png"
    assert cover_of(app, "kafka") == url
    card = re.search(r'<img class="card-cover"[^>]*>', home(client)).group(0)
    assert f'src="{url}"' in card
    for attribute in ('alt="Cover image: Kafka"', 'loading="lazy"', 'width="240"', 'height="160"'):
        assert attribute in card
    assert "referrerpolicy" not in card  # our own image
    page = client.get("/posts/kafka/").get_data(as_text=True)
    assert f'<meta property="og:image" content="http://blog.test{url}">' in page
    assert 'content="summary_large_image"' in page


def test_a_remote_cover_is_kept_as_it_is(app, client):
    publish_all(app, post("A+B", f"img: >-\n  {CDN}\ncover: true\n"))
    assert cover_of(app, "a-b") == CDN
    card = re.search(r'<img class="card-cover"[^>]*>', home(client)).group(0)
    assert 'referrerpolicy="no-referrer"' in card
    page = client.get("/posts/a-b/").get_data(as_text=True)
    assert '<meta property="og:image" content="https://cdn.jsdelivr.net/gh/' in page


def test_the_cover_wins_over_the_first_image_for_sharing(app, client):
    figure, cover = tiny_png(2, 2, (1, 2, 3)), tiny_png(3, 3, (4, 5, 6))
    bundle = make_zip(
        {
            "notes/a.md": b"---\ntitle: Covered\nimage: cover.png\n---\n![fig](figure.png)\n",
            "notes/cover.png": cover,
            "notes/figure.png": figure,
        }
    )
    ingest(app, {"n.zip": bundle})
    page = client.get("/posts/covered/").get_data(as_text=True)
    assert f"{hashlib.sha256(cover).hexdigest()}.png" in re.search(
        r'og:image" content="([^"]+)"', page
    ).group(1)


@pytest.mark.parametrize(
    ("value", "warning"),
    [
        ("missing.png", "cover image not in the upload: missing.png (the card shows no image)"),
        ("http://example.com/a.png", "is not an https address"),
        ("data:image/png;base64,AAAA", "is not an https address"),
    ],
)
def test_an_unusable_cover_is_a_warning_not_a_failure(app, client, value, warning):
    results = ingest(app, {"a.md": f"---\ntitle: Bare\ncover: '{value}'\n---\nText.\n".encode()})
    assert results[0].outcome == "created"
    assert any(warning in w for w in results[0].warnings), results[0].warnings
    assert cover_of(app, "bare") is None
    assert "card-cover" not in home(client)


def test_a_cover_that_is_not_an_image_is_a_warning(app):
    bundle = make_zip({"p/a.md": b"---\ntitle: T\ncover: c.png\n---\nx\n", "p/c.png": b"nope"})
    results = ingest(app, {"b.zip": bundle})
    assert results[0].outcome == "created"
    assert any(w.startswith("cover image c.png cannot be used") for w in results[0].warnings)


def test_a_local_cover_survives_an_upload_without_it_and_a_rerender(app, runner):
    cover = tiny_png(5, 5)
    ingest(app, {"a.md": b"---\ntitle: Keep\ncover: c.png\n---\nOne.\n", "c.png": cover})
    url = cover_of(app, "keep")
    assert url and url.endswith(".png")
    # Re-uploaded without the image: the linked cover stays, as images in the body do.
    results = ingest(app, {"a.md": b"---\ntitle: Keep\ncover: c.png\n---\nTwo.\n"})
    assert results[0].outcome == "updated" and results[0].warnings == []
    assert cover_of(app, "keep") == url
    assert runner.invoke(args=["rerender", "--all"]).exit_code == 0
    assert cover_of(app, "keep") == url


def test_the_preview_card_shows_the_cover_and_the_pin(app, signed_in_client):
    response = signed_in_client.post(
        "/admin/preview",
        data={
            "csrf_token": signed_in_client.csrf_token,
            "markdown": f"---\ntitle: P\ntop: true\ncover: {CDN}\n---\nx\n",
        },
    )
    html = response.get_data(as_text=True)
    assert 'class="card-cover"' in html and "Pinned" in html
