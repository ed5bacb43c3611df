"""Upload and import reports in the reader's language: why a file was refused and what it
warns of, shown in Chinese to a Chinese account and unchanged in English, on the upload
page, a job's page (its report stored in English) and in the API's answers."""

from __future__ import annotations

import io

import pytest

from tests.conftest import ADMIN_NAME, make_zip
from tests.test_i18n import marked_strings
from webapp.extensions import db
from webapp.jobs import records
from webapp.jobs.models import FAILED, JobFile
from webapp.services.accounts import find_user
from webapp.services.publishing import FileResult
from webapp.services.tokens import create_token
from webapp.web.reasons import translate_report_text

BAD_DATE = "---\ntitle: Someday\ndate: someday\n---\nBody.\n"
MISSING_IMAGE = "# With a chart\n\n![A chart](missing.png)\n"


def set_language(app, language: str | None) -> None:
    with app.app_context():
        find_user(ADMIN_NAME).language = language
        db.session.commit()


def upload(client, files: list[tuple[str, bytes]]):
    payload = [(io.BytesIO(data), name) for name, data in files]
    return client.post(
        "/admin/upload",
        data={"csrf_token": client.csrf_token, "files": payload},
        content_type="multipart/form-data",
    )


def mixed_upload(app, client):
    """Upload a zip with an entry over the size limit, bad front matter and a missing image."""
    app.config["MAX_FILE_SIZE"] = 1024
    bundle = make_zip({"big.md": "# Big\n\n" + "x" * 2000, "date.md": BAD_DATE})
    files = [("posts.zip", bundle), ("chart.md", MISSING_IMAGE.encode()), ("notes.pdf", b"%PDF")]
    response = upload(client, files)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_chinese_account_reads_why_files_were_refused_in_chinese(app, signed_in_client):
    set_language(app, "zh")
    html = mixed_upload(app, signed_in_client)
    assert "解压后超过每个文件 1 KB 的上限" in html
    # A reason inside a reason: the date's own words are translated too.
    assert (
        "front matter：无法把 date：&#39;someday&#39; 读作日期（请用 YYYY-MM-DD 或 YYYY-MM-DD HH:MM）"
        in html
    )
    assert "上传的文件中没有这张图片：missing.png（文章中显示其替代文字）" in html
    assert (
        "不是 Markdown 文件（.md、.markdown、.txt）或 .zip，上传的 Markdown 文件也没有用到它"
        in html
    )
    for english in ("limit per file", "cannot read", "not in the upload", "not a Markdown file"):
        assert english not in html


def test_an_english_account_reads_the_same_report_in_english(app, signed_in_client):
    html = mixed_upload(app, signed_in_client)
    assert "over the 1 KB limit per file once unpacked" in html
    assert (
        "front matter: cannot read date: &#39;someday&#39; as a date "
        "(use YYYY-MM-DD or YYYY-MM-DD HH:MM)" in html
    )
    assert "image not in the upload: missing.png (the article shows its alt text)" in html
    assert "解压" not in html and "上传的文件中" not in html


def test_a_job_report_stored_in_english_is_shown_in_the_readers_language(app, signed_in_client):
    with app.app_context():
        job = records.create_job("upload", "posts.zip", 2, find_user(ADMIN_NAME).id)
        reasons = [
            FileResult("posts.zip › big.md", "rejected", reason="over the 10 MB limit per file"),
            FileResult(
                "posts.zip › odd.md",
                "rejected",
                reason="front matter, line 2: mapping values are not allowed here",
                warnings=["links to notes not found: Elsewhere"],
            ),
        ]
        records.record(job.id, 0, reasons)
        db.session.commit()
        records.finish(job.id, FAILED, records.nothing_published(job))
        job_id = job.id
    english = signed_in_client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert "The job failed: nothing was published; posts.zip › big.md: over the 10 MB" in english
    assert "over the 10 MB limit per file" in english
    set_language(app, "zh")
    html = signed_in_client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert "任务失败：没有发布任何内容；posts.zip › big.md：超过每个文件 10 MB 的上限。" in html
    assert "超过每个文件 10 MB 的上限" in html
    # The parser's own words have no template: they stay as they are, the line is translated.
    assert "front matter 第 2 行：mapping values are not allowed here" in html
    assert "找不到链接指向的笔记：Elsewhere" in html
    with app.app_context():
        stored = db.session.scalars(db.select(JobFile.reason).order_by(JobFile.position)).all()
    assert stored[0] == "over the 10 MB limit per file"  # the report itself stays English


@pytest.mark.parametrize(
    "text",
    [
        "mapping values are not allowed here",
        "something odd: happened; twice",
        "backup.zip: Expecting property name enclosed in double quotes",
    ],
)
def test_a_reason_without_a_template_passes_through_unchanged(app, text):
    app.config["SITE_LANG"] = "zh-CN"
    with app.test_request_context("/"):
        assert translate_report_text(text) == text


def test_reasons_joined_and_nested_are_each_translated(app):
    app.config["SITE_LANG"] = "zh-CN"
    text = (
        "added to 2 articles: “A”, “B”; replaced in 1 article: “C”"
        "; not added to 1 article: “D” (it references two images of this name; upload it "
        "with its note)"
    )
    with app.test_request_context("/"):
        assert translate_report_text(text) == (
            "已添加到 2 篇文章：“A”, “B”；已替换原图的 1 篇文章：“C”；未添加到 1 篇文章：“D”"
            "（文章引用了两张同名图片；请把图片和它的笔记一起上传）"
        )
        # A title holding "; " is not taken for two reasons.
        assert translate_report_text("added to 1 article: “A; B”") == "已添加到 1 篇文章：“A; B”"
        assert translate_report_text("the old address is not kept: /admin/x is under /admin/, "
                                     "which this site uses itself") == (
            "未保留旧地址：/admin/x 位于本站自用的 /admin/ 之下"
        )  # fmt: skip


def test_the_preview_warns_in_the_accounts_language(app, signed_in_client):
    set_language(app, "zh")
    data = {"csrf_token": signed_in_client.csrf_token, "markdown": "# Pic\n\n![A](pics/a.png)"}
    response = signed_in_client.post("/admin/preview", data=data, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "图片尚未上传（读者会看到其替代文字）：pics/a.png" in html


def test_the_api_reports_reasons_in_the_token_holders_language(app, client, admin_user):
    set_language(app, "zh")
    with app.app_context():
        secret = create_token(find_user(ADMIN_NAME), "script")[1]
    app.config["MAX_FILE_SIZE"] = 1024
    response = client.post(
        "/api/articles?filename=posts.zip",
        data=make_zip({"big.md": "x" * 2000, "a.md": MISSING_IMAGE}),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/zip"},
    )
    results = {result["name"]: result for result in response.json["results"]}
    assert results["posts.zip › big.md"]["reason"] == "解压后超过每个文件 1 KB 的上限"
    assert results["posts.zip › a.md"]["warnings"] == [
        "上传的文件中没有这张图片：missing.png（文章中显示其替代文字）"
    ]
    too_big = client.post(
        "/api/articles?filename=big.md",
        data=b"y" * 3072,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/markdown"},
    )
    assert too_big.status_code == 413
    assert too_big.json["error"] == "big.md 大小为 3 KB，超过每个文件 1 KB 的上限"


def test_report_templates_are_extracted_for_the_catalog():
    # tests/test_i18n.py then fails on any of them without a Chinese translation.
    found = marked_strings()
    for template in (
        "over the %(limit)s limit per file",  # services/bundle.py
        "front matter: %(error)s",  # services/publishing/bulk.py
        "image not in the upload: %(image)s (the article shows its alt text)",  # content/
        "nothing was published; %(name)s: %(reason)s",  # jobs/records.py
    ):
        assert template in found
