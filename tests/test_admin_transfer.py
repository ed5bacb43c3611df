"""The Export & restore page: download an export zip, restore one through a job."""

from __future__ import annotations

import io
import json
import re
import zipfile

from tests.conftest import ADMIN_NAME, ADMIN_PASSWORD, csrf_token_from
from tests.test_transfer import PNG, empty_app, fill_moving_in, snapshot  # noqa: F401
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.services import accounts
from webapp.services.publishing import publish


def fill(app) -> None:
    with app.app_context():
        publish("---\ntitle: Work in progress\ndraft: true\n---\nLater.\n")
        publish("---\ntitle: Dot\n---\n![d](img/dot.png)\n", load_image={"img/dot.png": PNG}.get)
    fill_moving_in(app)


def zip_contents(data: bytes) -> dict[str, bytes]:
    """Return a zip's files, the manifest without its export time."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files.pop("blog-export.json"))
    manifest.pop("exported_at")
    files["blog-export.json"] = json.dumps(manifest, sort_keys=True).encode()
    return files


def sign_in(client) -> None:
    token = csrf_token_from(client)
    form = {"username": ADMIN_NAME, "password": ADMIN_PASSWORD, "csrf_token": token}
    assert client.post("/admin/login", data=form).status_code == 302
    client.csrf_token = csrf_token_from(client, "/admin/transfer")


def test_the_page_needs_sign_in_and_is_in_the_nav(client, signed_in_client):
    signed_in_client.post("/admin/logout", data={"csrf_token": signed_in_client.csrf_token})
    assert client.get("/admin/transfer").status_code == 302
    assert client.post("/admin/transfer/export").status_code in (302, 400)
    sign_in(signed_in_client)
    page = signed_in_client.get("/admin/transfer").get_data(as_text=True)
    assert 'href="/admin/transfer" aria-current="page">Export &amp; restore</a>' in page
    assert "flask export --accounts" in page


def test_an_export_without_csrf_is_refused(app, signed_in_client):
    assert signed_in_client.post("/admin/transfer/export").status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_the_downloaded_zip_holds_what_the_cli_writes(app, runner, signed_in_client, tmp_path):
    fill(app)
    response = signed_in_client.post(
        "/admin/transfer/export", data={"csrf_token": signed_in_client.csrf_token}
    )
    assert response.status_code == 303
    job_page = signed_in_client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/admin/transfer/export/\d+\.zip)"', job_page).group(1)
    assert "Download the export" in job_page
    download = signed_in_client.get(link)
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert "attachment; filename=blog-export-" in download.headers["Content-Disposition"]
    cli = tmp_path / "cli.zip"
    assert runner.invoke(args=["export", str(cli)]).exit_code == 0
    assert zip_contents(download.data) == zip_contents(cli.read_bytes())
    assert "vault-note/index.md" in zip_contents(download.data)
    # The page lists it for download again.
    assert link in signed_in_client.get("/admin/transfer").get_data(as_text=True)


def test_an_htmx_export_answers_with_its_job_progress(app, signed_in_client):
    fill(app)
    response = signed_in_client.post(
        "/admin/transfer/export",
        data={"csrf_token": signed_in_client.csrf_token, "revisions": "on"},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'class="job job-done"' in html and "Download the export" in html
    link = re.search(r'href="(/admin/transfer/export/\d+\.zip)"', html).group(1)
    names = zipfile.ZipFile(io.BytesIO(signed_in_client.get(link).data)).namelist()
    assert any(name.startswith(".blog/revisions/") for name in names)


def test_a_missing_or_unfinished_export_is_not_found(signed_in_client):
    assert signed_in_client.get("/admin/transfer/export/99.zip").status_code == 404


def test_an_uploaded_export_is_restored_through_a_job(app, runner, empty_app, tmp_path):  # noqa: F811
    fill(app)
    dest = tmp_path / "backup.zip"
    assert runner.invoke(args=["export", str(dest), "--revisions"]).exit_code == 0
    before = snapshot(app)
    restored = empty_app()
    restored.config["JOBS_IMMEDIATE"] = True
    with restored.app_context():
        accounts.create_user(ADMIN_NAME, ADMIN_PASSWORD)
    client = restored.test_client()
    sign_in(client)
    response = client.post(
        "/admin/transfer/restore",
        data={"csrf_token": client.csrf_token, "export": (dest.open("rb"), "backup.zip")},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert 'class="job job-done"' in html
    assert f"{len(before)} created" in html
    assert snapshot(restored) == before
    with restored.app_context():
        job = db.session.scalar(db.select(Job))
        assert (job.kind, job.label, job.done) == ("restore", "backup.zip", len(before))


def bad_upload(client, data: bytes, name: str = "backup.zip"):
    return client.post(
        "/admin/transfer/restore",
        data={"csrf_token": client.csrf_token, "export": (io.BytesIO(data), name)},
    )


def test_a_zip_that_is_no_export_or_is_damaged_is_refused(app, runner, signed_in_client, tmp_path):
    response = bad_upload(signed_in_client, b"just text")
    assert response.status_code == 422
    assert "backup.zip: not a zip file, or a damaged one" in response.get_data(as_text=True)

    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("posts/hello.md", "# Hello\n")
    response = bad_upload(signed_in_client, plain.getvalue(), "posts.zip")
    assert response.status_code == 422
    assert "posts.zip: not a blog export: it holds no blog-export.json" in response.get_data(
        as_text=True
    )

    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("blog-export.json", "{not json")
    response = bad_upload(signed_in_client, broken.getvalue())
    assert response.status_code == 422
    assert "backup.zip: blog-export.json: Expecting property name" in response.get_data(
        as_text=True
    )

    with app.app_context():
        publish("---\ntitle: One\n---\nBody.\n")
    good = tmp_path / "good.zip"
    assert runner.invoke(args=["export", str(good)]).exit_code == 0
    response = bad_upload(signed_in_client, good.read_bytes()[:100])
    assert response.status_code == 422

    response = signed_in_client.post(
        "/admin/transfer/restore",
        data={"csrf_token": signed_in_client.csrf_token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "Choose an export zip" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_a_restore_over_the_upload_limit_is_refused(app, runner, signed_in_client, tmp_path):
    with app.app_context():
        publish("---\ntitle: One\n---\n" + "Body. " * 500)
    good = tmp_path / "good.zip"
    assert runner.invoke(args=["export", str(good)]).exit_code == 0
    app.config["MAX_UPLOAD_SIZE"] = 100
    response = bad_upload(signed_in_client, good.read_bytes())
    assert response.status_code == 413
    assert "larger than the upload limit" in response.get_data(as_text=True)
