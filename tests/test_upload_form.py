"""The upload form: files, a zip, pasted text, their results, size limits and the preview."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from tests.conftest import tiny_png
from webapp.extensions import db
from webapp.models import Article

HX = {"HX-Request": "true"}


def article_md(title: str, body: str = "Some text.", extra: str = "") -> bytes:
    return f"---\ntitle: {title}\n{extra}---\n{body}\n".encode()


def upload(client, files=(), markdown="", headers=None, **extra):
    data = {"csrf_token": client.csrf_token, "markdown": markdown, **extra}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(
        "/admin/upload", data=data, headers=headers or {}, content_type="multipart/form-data"
    )


def count_articles(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Article.id)))


def results(html: str) -> list[tuple[str, str]]:
    """Return (outcome, file name) of every result row."""
    return re.findall(
        r'<li class="result result-(\w+)">.*?<span class="result-name">([^<]+)</span>', html, re.S
    )


def test_form_offers_files_paste_progress_and_csrf(signed_in_client):
    html = signed_in_client.get("/admin/upload").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'hx-encoding="multipart/form-data"' in html
    field = re.search(r'<input id="upload-files"[^>]*>', html, re.S).group(0)
    assert "multiple" in field and 'name="files"' in field
    for kind in (".md", ".markdown", ".txt", ".zip", "image/*"):
        assert kind in field
    assert '<textarea id="markdown" name="markdown"' in html
    assert 'hx-trigger="input changed delay:400ms"' in html
    assert '<progress id="upload-progress"' in html
    assert 'name="csrf_token"' in html
    assert "Up to 10 MB per file and 100 MB in total" in html
    assert "js/admin.js" in html and "css/admin.css" in html
    assert "katex.min.css" in html and "pygments.css" in html
    # No inline scripts or handlers: the CSP allows only our files.
    assert "<script>" not in html and "hx-on" not in html and " onclick=" not in html


def test_reader_pages_load_no_admin_assets(client, add_article):
    add_article("Public")
    for url in ("/", "/posts/article-1/"):
        html = client.get(url).get_data(as_text=True)
        assert "admin.css" not in html and "admin.js" not in html


def test_markdown_files_are_published_and_listed_with_links(app, signed_in_client):
    response = upload(
        signed_in_client,
        [
            ("first.md", article_md("First upload")),
            ("second.markdown", article_md("Second upload")),
        ],
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in html  # without htmx: a whole page
    assert results(html) == [("created", "first.md"), ("created", "second.markdown")]
    assert '<a href="/posts/first-upload/">First upload</a>' in html
    assert '<a href="/posts/second-upload/">Second upload</a>' in html
    assert "2 files:" in html and "2 created" in html
    assert count_articles(app) == 2
    assert signed_in_client.get("/posts/first-upload/").status_code == 200


def test_the_same_files_again_are_unchanged_then_updated(signed_in_client):
    upload(signed_in_client, [("note.md", article_md("A note"))])
    again = upload(signed_in_client, [("note.md", article_md("A note"))]).get_data(as_text=True)
    assert results(again) == [("unchanged", "note.md")]
    edited = upload(signed_in_client, [("note.md", article_md("A note", "New text."))])
    assert results(edited.get_data(as_text=True)) == [("updated", "note.md")]


def test_a_zip_bundle_with_its_images(app, signed_in_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(
            "notes/zipped.md",
            article_md("Zipped note", "![A square](img/square.png)"),
        )
        bundle.writestr("notes/img/square.png", tiny_png())
    html = upload(signed_in_client, [("notes.zip", buffer.getvalue())]).get_data(as_text=True)
    assert [outcome for outcome, _ in results(html)] == ["created"]
    assert "notes.zip" in html and "zipped.md" in html
    page = signed_in_client.get("/posts/zipped-note/").get_data(as_text=True)
    src = re.search(r'<img[^>]+src="(/media/[0-9a-f]{64}\.png)"', page).group(1)
    assert signed_in_client.get(src).data == tiny_png()


def test_pasted_markdown_is_published(app, signed_in_client):
    html = upload(
        signed_in_client, markdown="---\r\ntitle: Pasted in\r\n---\r\nFrom the text area.\r\n"
    ).get_data(as_text=True)
    assert results(html) == [("created", "pasted text")]
    assert '<a href="/posts/pasted-in/">Pasted in</a>' in html
    with app.app_context():
        article = db.session.scalar(select(Article))
        assert "\r" not in article.source_md and article.title == "Pasted in"


def test_files_and_pasted_text_in_one_submission(app, signed_in_client):
    html = upload(
        signed_in_client, [("one.md", article_md("One"))], markdown="# Two\n\nPasted."
    ).get_data(as_text=True)
    assert sorted(results(html)) == [("created", "one.md"), ("created", "pasted text")]
    assert count_articles(app) == 2


def test_a_missing_image_is_a_warning_and_the_article_still_publishes(signed_in_client):
    md = article_md("With a hole", "![The diagram](figures/missing.png)")
    html = upload(signed_in_client, [("hole.md", md)]).get_data(as_text=True)
    assert results(html) == [("created", "hole.md")]
    assert "figures/missing.png" in html and "result-warnings" in html
    page = signed_in_client.get("/posts/with-a-hole/").get_data(as_text=True)
    assert "The diagram" in page  # the alt text stands in for the image


def test_rejected_files_say_why_in_plain_words(app, signed_in_client):
    html = upload(
        signed_in_client,
        [
            ("broken.md", b"---\ntitle: [unclosed\n---\nBody\n"),
            ("program.exe", b"MZ\x00\x00binary"),
            ("fine.md", article_md("Fine")),
        ],
    ).get_data(as_text=True)
    found = dict((name, outcome) for outcome, name in results(html))
    assert found == {"broken.md": "rejected", "program.exe": "rejected", "fine.md": "created"}
    assert html.count('class="result-reason"') == 2
    assert "front matter" in html
    assert count_articles(app) == 1


def test_a_draft_is_created_but_not_linked_for_readers(signed_in_client):
    html = upload(
        signed_in_client, [("secret.md", article_md("Secret", extra="draft: true\n"))]
    ).get_data(as_text=True)
    assert "draft: readers cannot see it" in html
    assert 'href="/posts/secret/"' not in html
    assert re.search(r'href="/admin/articles/\d+/edit"', html)
    assert signed_in_client.get("/posts/secret/").status_code == 404


def test_htmx_upload_answers_with_the_results_only(signed_in_client):
    response = upload(signed_in_client, [("a.md", article_md("Via htmx"))], headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="upload-form"' not in html
    assert results(html) == [("created", "a.md")]
    assert "HX-Request" in response.headers["Vary"]
    boosted = upload(
        signed_in_client,
        [("a.md", article_md("Via htmx"))],
        headers={**HX, "HX-Boosted": "true"},
    )
    assert "<html" in boosted.get_data(as_text=True)


def test_an_empty_submission_asks_for_something(app, signed_in_client):
    response = upload(signed_in_client, markdown="   ")
    assert response.status_code == 422
    assert "Nothing to publish" in response.get_data(as_text=True)
    assert count_articles(app) == 0


def test_a_file_over_the_limit_gets_a_413_page_naming_the_limit(app, signed_in_client):
    app.config["MAX_FILE_SIZE"] = 1024
    big = article_md("Too big", "x" * 4000)
    response = upload(signed_in_client, [("big.md", big)])
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Refused: big.md is" in html
    assert "Uploads are limited to 100 MB in total and 1 KB per file." in html
    assert "INCOMING TRANSMISSION" in html  # the site's own page
    assert count_articles(app) == 0


def test_an_oversize_htmx_upload_gets_the_message_only(app, signed_in_client):
    app.config["MAX_FILE_SIZE"] = 1024
    response = upload(signed_in_client, [("big.md", b"x" * 5000)], headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "<html" not in html and "1 KB per file" in html


def test_a_request_over_max_content_length_gets_the_413_page(app, signed_in_client):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = upload(signed_in_client, [("big.md", b"y" * 10_000)])
    assert response.status_code == 413
    assert "Uploads are limited to 100 MB in total and 10 MB per file." in response.get_data(
        as_text=True
    )


def preview(client, markdown: str, headers=HX, **extra):
    data = {"csrf_token": client.csrf_token, "markdown": markdown, **extra}
    return client.post("/admin/preview", data=data, headers=headers)


def test_preview_renders_the_article_and_its_card_without_saving(app, signed_in_client):
    text = (
        "---\ntitle: Preview me\ntags: [math]\ncategories: [Notes]\n---\n"
        "The energy is $E=mc^2$ here.\n\n```python\nprint('hi')\n```\n"
    )
    response = preview(signed_in_client, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'class="card"' in html and 'class="card-excerpt"' in html
    excerpt = re.search(r'<p class="card-excerpt">(.*?)</p>', html, re.S).group(1)
    assert "The energy is" in excerpt and "[Math]" in excerpt
    assert '<h3 class="card-title" id="card-title-preview">' in html
    assert ">Notes</a>" in html and 'href="/tags/math/"' in html
    assert 'class="katex"' in html and 'highlight"><span class="code-lang">Python</span>' in html
    assert count_articles(app) == 0


def test_preview_of_broken_front_matter_is_a_message_not_an_error(app, signed_in_client):
    response = preview(signed_in_client, "---\ntitle: [unclosed\ndate: x\n---\nBody")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="form-error"' in html and "front matter" in html
    bad_date = preview(signed_in_client, "---\ntitle: Ok\ndate: not a date\n---\nBody")
    assert bad_date.status_code == 200 and "front matter" in bad_date.get_data(as_text=True)


def test_preview_warns_about_images_not_uploaded(signed_in_client):
    html = preview(signed_in_client, "# Pic\n\n![A chart](pics/a.png)").get_data(as_text=True)
    assert "pics/a.png" in html and "preview-warnings" in html
    assert 'class="missing-image"' in html and "A chart" in html


def test_preview_button_without_javascript_keeps_the_text(app, signed_in_client):
    text = "---\ntitle: Not yet\n---\nDraft <b>text</b>."
    response = upload(signed_in_client, markdown=text, action="preview")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    assert "Draft &lt;b&gt;text&lt;/b&gt;." in html  # the text area keeps it, escaped
    assert 'id="card-title-preview"' in html
    assert count_articles(app) == 0


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true", "HX-Boosted": "true"}])
def test_preview_endpoint_without_htmx_is_a_whole_page(signed_in_client, headers):
    html = preview(signed_in_client, "# Whole", headers=headers).get_data(as_text=True)
    assert "<html" in html and 'id="card-title-preview"' in html
