"""Managing articles: the list, editing with revisions, publishing, the trash and the history."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.conftest import BASE_TIME
from webapp.extensions import db
from webapp.models import DRAFT, PUBLISHED, Article, Revision
from webapp.services.publishing import publish

HX = {"HX-Request": "true"}
SOURCE = "---\ntitle: Editable\ntags: [alpha]\n---\nFirst version of the body.\n"


@pytest.fixture
def article_id(app):
    """Publish one article through the real write path; return its id."""
    with app.app_context():
        return publish(SOURCE, filename="editable.md").article.id


def load(app, article_id) -> Article:
    with app.app_context():
        article = db.session.get(Article, article_id)
        db.session.expunge(article)
        return article


def revision_count(app, article_id) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Revision.id)).where(Revision.article_id == article_id)
        )


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf_token, **data})


def save(client, article_id, source, **extra):
    return post(client, f"/admin/articles/{article_id}/edit", source=source, **extra)


def reader_sees(client, slug: str, title: str) -> dict[str, bool]:
    """Tell where a reader finds the article: the listing, its URL, the htmx fragment."""
    return {
        "list": title in client.get("/").get_data(as_text=True),
        "url": client.get(f"/posts/{slug}/").status_code == 200,
        "fragment": title in client.get("/?page=1", headers=HX).get_data(as_text=True),
        "tag": title in client.get("/tags/alpha/").get_data(as_text=True),
    }


def test_list_shows_every_article_with_status_and_dates(signed_in_client, add_article):
    add_article("Published one", updated_at=BASE_TIME.replace(year=2025, month=3, day=14))
    add_article("A draft", status=DRAFT)
    html = signed_in_client.get("/admin/articles").get_data(as_text=True)
    assert "Published one" in html and "A draft" in html
    assert '<span class="badge badge-draft">draft</span>' in html
    assert '<span class="badge badge-published">published</span>' in html
    assert ">2025-03-14</time>" in html
    assert "2 articles." in html


def test_list_filters_by_title_and_status(signed_in_client, add_article):
    add_article("Kafka rebalance")
    add_article("Spark shuffle")
    add_article("Kafka draft", status=DRAFT)
    html = signed_in_client.get("/admin/articles?q=kafka").get_data(as_text=True)
    assert "Kafka rebalance" in html and "Kafka draft" in html and "Spark shuffle" not in html
    drafts = signed_in_client.get("/admin/articles?q=kafka&status=draft").get_data(as_text=True)
    assert "Kafka draft" in drafts and "Kafka rebalance" not in drafts
    none = signed_in_client.get("/admin/articles?q=100%25").get_data(as_text=True)
    assert "No articles match this filter." in none


def test_list_filter_via_htmx_returns_the_table_only(signed_in_client, add_article):
    add_article("Kafka rebalance")
    response = signed_in_client.get("/admin/articles?q=kafka", headers=HX)
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="article-table"')
    assert "Kafka rebalance" in html
    assert "HX-Request" in response.headers["Vary"]
    restored = signed_in_client.get(
        "/admin/articles?q=kafka", headers={**HX, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restored.get_data(as_text=True)
    boosted = signed_in_client.get("/admin/articles", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_long_lists_are_paged(signed_in_client, add_article):
    for n in range(55):
        add_article(f"Bulk {n:02d}")
    first = signed_in_client.get("/admin/articles").get_data(as_text=True)
    assert first.count('<th scope="row"') == 50 and "Page 1 of 2" in first
    second = signed_in_client.get("/admin/articles?page=2").get_data(as_text=True)
    assert second.count('<th scope="row"') == 5 and "Bulk 00" in second


def test_editor_shows_the_verbatim_source(signed_in_client, article_id):
    html = signed_in_client.get(f"/admin/articles/{article_id}/edit").get_data(as_text=True)
    textarea = re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    # The newline after the tag is eaten by HTML parsers; it protects a leading blank line.
    assert unescape(textarea) == "\n" + SOURCE
    assert 'id="card-title-' in html  # the stored card as the first preview
    assert "katex.min.css" in html


def test_saving_an_edit_updates_the_article_and_keeps_a_revision(app, signed_in_client, article_id):
    before = load(app, article_id)
    new_source = SOURCE.replace("First version", "Second version") + "\nA new paragraph.\n"
    response = save(signed_in_client, article_id, new_source.replace("\n", "\r\n"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/articles/{article_id}/edit")
    after = load(app, article_id)
    assert after.source_md == new_source  # the browser's CRLF back to LF
    assert "Second version" in after.html and "A new paragraph." in after.html
    assert after.updated_at > before.updated_at
    assert after.slug == before.slug
    assert revision_count(app, article_id) == 2
    page = signed_in_client.get(f"/admin/articles/{article_id}/edit").get_data(as_text=True)
    assert "Saved." in page
    assert "Second version" in signed_in_client.get(f"/posts/{after.slug}/").get_data(as_text=True)


def test_saving_the_same_source_changes_nothing(app, signed_in_client, article_id):
    before = load(app, article_id)
    response = save(signed_in_client, article_id, SOURCE.replace("\n", "\r\n"))
    assert response.status_code == 302
    after = load(app, article_id)
    assert after.updated_at == before.updated_at
    assert revision_count(app, article_id) == 1
    page = signed_in_client.get(f"/admin/articles/{article_id}/edit").get_data(as_text=True)
    assert "No changes to save" in page


def test_broken_front_matter_saves_nothing_and_keeps_the_text(app, signed_in_client, article_id):
    broken = "---\ntitle: [unclosed\n---\nMy careful <edit>.\n"
    response = save(signed_in_client, article_id, broken)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "front matter cannot be read" in html and "Nothing was saved." in html
    assert "My careful &lt;edit&gt;." in html
    assert load(app, article_id).source_md == SOURCE
    assert revision_count(app, article_id) == 1


def test_a_title_too_long_to_store_is_refused_by_name(app, signed_in_client, article_id):
    response = save(signed_in_client, article_id, f"---\ntitle: {'长' * 501}\n---\nText.\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "the title is 501 characters long; at most 500 fit" in html
    assert "Nothing was saved." in html
    assert load(app, article_id).source_md == SOURCE


def test_a_new_front_matter_slug_moves_the_article_when_free(app, signed_in_client, article_id):
    save(
        signed_in_client,
        article_id,
        SOURCE.replace("title: Editable", "title: Editable\nslug: moved"),
    )
    assert load(app, article_id).slug == "moved"
    assert signed_in_client.get("/posts/moved/").status_code == 200


def test_a_taken_slug_keeps_the_old_one_with_a_warning(app, signed_in_client, article_id):
    with app.app_context():
        publish("---\ntitle: Other\nslug: taken\n---\nBody.\n")
    save(
        signed_in_client,
        article_id,
        SOURCE.replace("title: Editable", "title: Editable\nslug: taken"),
    )
    article = load(app, article_id)
    assert article.slug == "editable"
    page = signed_in_client.get(f"/admin/articles/{article_id}/edit").get_data(as_text=True)
    assert "belongs to another article" in page


def test_editor_preview_button_without_javascript(app, signed_in_client, article_id):
    response = save(signed_in_client, article_id, SOURCE + "\nPreviewed line.\n", action="preview")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Previewed line." in html and 'class="preview-article post"' in html
    assert load(app, article_id).source_md == SOURCE


def test_unpublish_hides_the_article_from_every_reader_path(app, signed_in_client, article_id):
    slug = load(app, article_id).slug
    assert all(reader_sees(signed_in_client, slug, "Editable").values())
    response = post(signed_in_client, f"/admin/articles/{article_id}/status", status=DRAFT)
    assert response.status_code == 302
    assert load(app, article_id).status == DRAFT
    assert not any(reader_sees(signed_in_client, slug, "Editable").values())
    # The author still has it.
    assert "Editable" in signed_in_client.get("/admin/articles").get_data(as_text=True)


def test_publishing_a_draft_shows_it_at_the_top(app, signed_in_client, add_article):
    add_article("Newer public", updated_at=BASE_TIME + timedelta(days=30))
    with app.app_context():
        draft_id = publish(
            "---\ntitle: Was a draft\ndate: 2020-01-01\ndraft: true\ntags: [alpha]\n---\nBody.\n"
        ).article.id
    assert not any(reader_sees(signed_in_client, "was-a-draft", "Was a draft").values())
    post(signed_in_client, f"/admin/articles/{draft_id}/status", status=PUBLISHED)
    assert all(reader_sees(signed_in_client, "was-a-draft", "Was a draft").values())
    listing = signed_in_client.get("/").get_data(as_text=True)
    assert listing.index("Was a draft") < listing.index("Newer public")
    # Saving an edit that leaves `draft: true` as it was keeps the author's choice.
    save(
        signed_in_client,
        draft_id,
        "---\ntitle: Was a draft\ndate: 2020-01-01\ndraft: true\ntags: [alpha]\n---\nBody, edited.\n",
    )
    assert load(app, draft_id).status == PUBLISHED


def test_an_invalid_status_is_refused(signed_in_client, article_id):
    response = post(signed_in_client, f"/admin/articles/{article_id}/status", status="gone")
    assert response.status_code == 400


def test_delete_asks_first_then_moves_to_the_trash(app, signed_in_client, article_id):
    confirm = signed_in_client.get(f"/admin/articles/{article_id}/delete")
    assert confirm.status_code == 200 and "Move to trash" in confirm.get_data(as_text=True)
    assert load(app, article_id).deleted_at is None
    response = post(signed_in_client, f"/admin/articles/{article_id}/delete")
    assert response.status_code == 302
    assert load(app, article_id).deleted_at is not None
    assert not any(reader_sees(signed_in_client, "editable", "Editable").values())
    listing = signed_in_client.get("/admin/articles").get_data(as_text=True)
    assert "moved to the trash" in listing and ">Editable</a>" not in listing
    trash = signed_in_client.get("/admin/trash").get_data(as_text=True)
    assert "Editable" in trash and "Restore" in trash


def test_restore_brings_it_back_as_it_was(app, signed_in_client, article_id):
    post(signed_in_client, f"/admin/articles/{article_id}/delete")
    response = post(signed_in_client, f"/admin/articles/{article_id}/restore")
    assert response.status_code == 302
    assert load(app, article_id).deleted_at is None
    assert all(reader_sees(signed_in_client, "editable", "Editable").values())
    assert "The trash is empty." in signed_in_client.get("/admin/trash").get_data(as_text=True)


def test_empty_trash_deletes_articles_and_revisions_but_not_images(
    app, signed_in_client, add_article
):
    from tests.conftest import tiny_png

    image = tiny_png()
    with app.app_context():
        doomed = publish(
            "---\ntitle: Doomed\n---\n![x](a.png)\n", load_image=lambda _: image
        ).article
        doomed_id = doomed.id
        media = re.search(r'src="([^"]+)"', doomed.html).group(1)
        kept = publish(
            "---\ntitle: Kept\n---\n![x](a.png)\n", load_image=lambda _: image
        ).article.id
    post(signed_in_client, f"/admin/articles/{doomed_id}/delete")
    confirm = signed_in_client.get("/admin/trash/empty").get_data(as_text=True)
    assert "Doomed" in confirm and "cannot be undone" in confirm
    response = post(signed_in_client, "/admin/trash/empty")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Article, doomed_id) is None
        assert (
            db.session.scalar(
                select(func.count(Revision.id)).where(Revision.article_id == doomed_id)
            )
            == 0
        )
        assert db.session.get(Article, kept) is not None
    assert "1 article deleted for good" in signed_in_client.get("/admin/trash").get_data(
        as_text=True
    )
    # The shared image is still served to the article that uses it.
    assert signed_in_client.get(media).status_code == 200


def test_history_shows_a_readable_diff_and_restores_a_revision(app, signed_in_client, article_id):
    save(signed_in_client, article_id, SOURCE.replace("First version", "Second version"))
    save(signed_in_client, article_id, SOURCE.replace("First version", "Third version"))
    with app.app_context():
        ids = list(
            db.session.scalars(
                select(Revision.id).where(Revision.article_id == article_id).order_by(Revision.id)
            )
        )
    assert len(ids) == 3
    latest = signed_in_client.get(f"/admin/articles/{article_id}/revisions").get_data(as_text=True)
    # By default: the previous revision against the newest.
    assert '<td class="diff-text">Second version of the body.</td>' in latest
    assert '<tr class="diff-removed">' in latest and '<tr class="diff-added">' in latest
    assert '<td class="diff-text">Third version of the body.</td>' in latest
    chosen = signed_in_client.get(
        f"/admin/articles/{article_id}/revisions?from={ids[0]}&to={ids[2]}"
    ).get_data(as_text=True)
    assert "First version of the body." in chosen and "Third version of the body." in chosen
    assert "+1" in chosen and "−1" in chosen
    response = post(signed_in_client, f"/admin/articles/{article_id}/revisions/{ids[0]}/restore")
    assert response.status_code == 302
    assert load(app, article_id).source_md == SOURCE
    assert "First version" in load(app, article_id).html
    assert revision_count(app, article_id) == 4


def test_history_of_another_articles_revision_is_404(app, signed_in_client, article_id):
    with app.app_context():
        other = publish("---\ntitle: Other\n---\nBody.\n").article
        other_revision = other.revisions[0].id
    url = f"/admin/articles/{article_id}/revisions/{other_revision}/restore"
    assert post(signed_in_client, url).status_code == 404


def test_unknown_article_is_404(signed_in_client):
    assert signed_in_client.get("/admin/articles/999/edit").status_code == 404
    assert post(signed_in_client, "/admin/articles/999/status", status=DRAFT).status_code == 404
