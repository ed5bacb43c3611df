"""What the reader pages say about dates, length, contents and dark-mode images."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.conftest import BASE_TIME
from webapp.services.publishing import publish

LATER = BASE_TIME + timedelta(days=30)
FIRST_DAY, LATER_DAY = BASE_TIME.date().isoformat(), LATER.date().isoformat()


def card_meta(html: str, title: str) -> str:
    card = next(part for part in html.split('<article class="card"') if f">{title}</a>" in part)
    return re.search(r'<p class="card-meta">.*?</p>', card, re.S).group(0)


def test_cards_label_the_date_they_show(client, add_article):
    add_article("Fresh", updated_at=BASE_TIME + timedelta(hours=1))
    add_article("Revised", updated_at=LATER)
    html = client.get("/").get_data(as_text=True)
    assert re.search(rf"Published <time[^>]*>{FIRST_DAY}</time>", card_meta(html, "Fresh"))
    revised = card_meta(html, "Revised")
    assert re.search(rf"Updated <time[^>]*>{LATER_DAY}</time>", revised)
    assert "Published" not in revised


def test_archive_cards_always_show_the_publication_date(client, add_article):
    add_article("Revised", updated_at=LATER)
    html = client.get(f"/archive/{BASE_TIME:%Y/%m}/").get_data(as_text=True)
    meta = card_meta(html, "Revised")
    assert "Published <time" in meta and "Updated" not in meta


def test_related_list_follows_the_same_date_rule(client, add_article):
    add_article("Subject", slug="subject", tags=["a"])
    add_article("Revised peer", tags=["a"], updated_at=LATER)
    html = client.get("/posts/subject/").get_data(as_text=True)
    related = re.search(r'<ul class="related-list">.*?</ul>', html, re.S).group(0)
    assert re.search(rf"Updated <time[^>]*>{LATER_DAY}</time>", related)


def publish_in(app, text: str) -> str:
    with app.app_context():
        return publish(text, filename="a.md").article.slug


def test_article_header_shows_word_count_beside_reading_time(app, client):
    slug = publish_in(app, "---\ntitle: Counted\n---\n" + "word " * 450)
    html = client.get(f"/posts/{slug}/").get_data(as_text=True)
    meta = re.search(r'<p class="post-meta">.*?</p>', html, re.S).group(0)
    assert '<span class="post-words">450 words</span>' in meta and "3 min read" in meta


def test_contents_are_closed_on_top_and_listed_in_the_sidebar(app, client):
    slug = publish_in(app, "---\ntitle: T\n---\n## One\n\nA.\n\n## Two\n\nB.\n\n## Three\n\nC.\n")
    html = client.get(f"/posts/{slug}/").get_data(as_text=True)
    assert 'class="page-article has-toc"' in html
    top = re.search(r'<nav class="toc toc-top".*?</nav>', html, re.S).group(0)
    assert "<details>" in top and "open" not in top
    side = re.search(r'<aside class="toc-side">.*?</aside>', html, re.S).group(0)
    assert 'href="#one"' in side and 'href="#three"' in side
    assert '<a class="back-to-top" href="#top"' in html


def test_short_article_has_no_contents_column(app, client):
    slug = publish_in(app, "---\ntitle: T\n---\nJust words.\n")
    html = client.get(f"/posts/{slug}/").get_data(as_text=True)
    assert 'class="page-article"' in html and "toc-side" not in html


def test_front_matter_dark_images_becomes_a_class_on_the_article_body(app, client):
    inverted = publish_in(
        app, "---\ntitle: A\ndark_images: Invert\n---\n![d](http://x.test/d.png)\n"
    )
    html = client.get(f"/posts/{inverted}/").get_data(as_text=True)
    assert '<div class="prose dark-images-invert">' in html
    dimmed = publish_in(app, "---\ntitle: B\ndark_images: dim\n---\nText.\n")
    assert '<div class="prose dark-images-dim">' in client.get(f"/posts/{dimmed}/").get_data(
        as_text=True
    )
    # An unknown value is ignored, not a failure.
    odd = publish_in(app, "---\ntitle: C\ndark_images: sepia\n---\nText.\n")
    page = client.get(f"/posts/{odd}/")
    assert page.status_code == 200 and '<div class="prose">' in page.get_data(as_text=True)


def test_image_classes_for_dark_mode_survive_sanitising(app, client):
    slug = publish_in(
        app,
        "---\ntitle: D\n---\n![d](http://x.test/d.png){.invert-dark}\n\n"
        "![p](http://x.test/p.jpg){.no-dark}\n",
    )
    html = client.get(f"/posts/{slug}/").get_data(as_text=True)
    assert re.search(r'<img[^>]*class="invert-dark"', html)
    assert re.search(r'<img[^>]*class="no-dark"', html)
