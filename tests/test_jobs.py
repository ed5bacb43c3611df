"""Big uploads as background jobs: the API's 202 and job resource, the form's progress and
job pages, a job's report saved with its articles, failures with a message, clean-up.

Jobs run inside the request here (JOBS_IMMEDIATE, set by conftest); test_job_worker.py
runs them in real worker processes, killed and restarted.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.conftest import ADMIN_NAME, csrf_token_from, tiny_png
from webapp.extensions import db
from webapp.jobs import inputs, records
from webapp.jobs.models import DONE, FAILED, RUNNING, Job, JobFile
from webapp.models import Article, Revision, SearchDocument, utcnow
from webapp.services.accounts import find_user
from webapp.services.ingest import IncomingFile
from webapp.services.publishing import FileResult
from webapp.services.tokens import create_token

MANY = 25  # over BACKGROUND_AFTER_DOCUMENTS (20)
HX = {"HX-Request": "true"}


def post(n: int, body: str = "Text.") -> str:
    return (
        f"---\ntitle: Post {n:02d}\ndate: 2024-01-{1 + n % 28:02d}\ntags: [t{n % 3}]\n---\n{body}\n"
    )


def bundle(count: int = MANY, *, image_every: int = 5) -> bytes:
    """Return a zip of `count` posts; every `image_every`-th shows an image of its own."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(count):
            body = "Text with $x^2$."
            if n % image_every == 0:
                body += f"\n\n![figure {n}](img/{n}.png)"
                archive.writestr(f"posts/img/{n}.png", tiny_png(2, 2, (n, 10, 20)))
            archive.writestr(f"posts/post-{n:02d}.md", post(n, body))
    return buffer.getvalue()


@pytest.fixture
def token(app, admin_user):
    with app.app_context():
        return create_token(find_user(ADMIN_NAME), "jobs")[1]


def api_zip(client, token, data: bytes, name: str = "posts.zip"):
    return client.post(
        f"/api/articles?filename={name}",
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/zip"},
    )


def form_zip(client, data: bytes, headers=None):
    return client.post(
        "/admin/upload",
        data={"csrf_token": client.csrf_token, "files": [(io.BytesIO(data), "posts.zip")]},
        content_type="multipart/form-data",
        headers=headers or {},
    )


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- the API ------------------------------------------------------------------------------


def test_a_small_upload_is_answered_at_once_as_before(app, client, token):
    response = api_zip(client, token, bundle(5))
    assert response.status_code == 200
    assert [r["outcome"] for r in response.json["results"]] == ["created"] * 5
    assert count(app, Job) == 0


def test_a_big_upload_is_202_with_the_job_and_where_to_follow_it(app, client, token):
    response = api_zip(client, token, bundle())
    assert response.status_code == 202
    assert response.headers["Location"] == "http://blog.test/api/jobs/1"
    job = response.json["job"]
    assert (job["id"], job["kind"], job["label"], job["total"]) == (1, "upload", "posts.zip", 25)

    followed = client.get("/api/jobs/1", headers={"Authorization": f"Bearer {token}"})
    assert followed.status_code == 200
    job = followed.json["job"]
    assert job["state"] == "done" and job["done"] == 25 and job["percent"] == 100
    assert job["counts"] == {"created": 25, "updated": 0, "unchanged": 0, "rejected": 0}
    assert job["page"] == "http://blog.test/admin/jobs/1"
    assert "Retry-After" not in followed.headers  # finished: nothing more to wait for
    results = followed.json["results"]
    assert [r["name"] for r in results] == [f"posts.zip › posts/post-{n:02d}.md" for n in range(25)]
    assert results[0]["url"] == "http://blog.test/posts/post-00/"
    assert count(app, Article) == 25


def test_the_job_resource_pages_its_results(app, client, token, monkeypatch):
    monkeypatch.setattr("webapp.api.views.RESULTS_PER_ANSWER", 10)
    api_zip(client, token, bundle())
    headers = {"Authorization": f"Bearer {token}"}
    first = client.get("/api/jobs/1", headers=headers).json
    assert len(first["results"]) == 10 and first["next"] == "http://blog.test/api/jobs/1?since=10"
    last = client.get("/api/jobs/1?since=20", headers=headers).json
    assert [r["name"].rsplit("-", 1)[1] for r in last["results"]] == [
        f"{n}.md" for n in range(20, 25)
    ]
    assert last["results_from"] == 20 and "next" not in last


def test_a_running_job_asks_the_client_to_come_back(app, client, token):
    job_id = queued_job(app, bundle())
    with app.app_context():
        records.claim(job_id)
    response = client.get(f"/api/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.json["job"]["state"] == "running"
    assert response.headers["Retry-After"] == "2"


def test_the_job_resource_needs_a_token_and_a_job(app, client, token):
    assert client.get("/api/jobs/1").status_code == 401
    missing = client.get("/api/jobs/7", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404 and missing.json == {"error": "There is no job 7."}


def test_an_upload_over_the_limits_is_refused_before_any_job_is_made(app, client, token):
    app.config["MAX_UPLOAD_SIZE"] = 2000
    response = api_zip(client, token, bundle(40, image_every=1))
    assert response.status_code == 413 and "limit per upload" in response.json["error"]
    assert count(app, Job) == 0 and not (Path(app.instance_path) / "jobs").exists()


# --- the upload form and the job pages -------------------------------------------------------


def test_the_form_answers_htmx_with_the_job_then_its_results(app, signed_in_client):
    response = form_zip(signed_in_client, bundle(), HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="job-1"' in html
    # Done already (the job ran in the request): no polling left, the report is there.
    assert 'hx-trigger="every 1s"' not in html
    assert '<progress id="job-1-bar" max="25" value="25"' in html
    assert "25 files:" in html and "25 created" in html
    assert html.count('class="result result-created"') == 25
    assert 'href="/posts/post-07/"' in html


def test_the_form_without_javascript_goes_to_the_job_page(app, signed_in_client):
    response = form_zip(signed_in_client, bundle())
    assert response.status_code == 303 and response.headers["Location"] == "/admin/jobs/1"
    page = signed_in_client.get("/admin/jobs/1").get_data(as_text=True)
    assert "JOB 1" in page and "Upload of posts.zip" in page and "25 created" in page
    listing = signed_in_client.get("/admin/jobs/").get_data(as_text=True)
    assert 'href="/admin/jobs/1"' in listing and "25 of 25 (100 %)" in listing


def test_the_job_list_takes_the_same_queries_for_two_jobs_or_twelve(app, signed_in_client):
    from tests.test_taxonomy import counting_queries

    def list_queries(jobs: int) -> int:
        with app.app_context():
            user = find_user(ADMIN_NAME)
            while db.session.scalar(select(func.count()).select_from(Job)) < jobs:
                job = records.create_job("upload", "x.zip", 1, user.id)
                records.record(job.id, 0, [FileResult("x.md", "created", slug="x")])
                db.session.commit()
        with counting_queries(app) as statements:
            page = signed_in_client.get("/admin/jobs/").get_data(as_text=True)
        assert page.count("1 created") == jobs and page.count(ADMIN_NAME) >= jobs
        return len(statements)

    assert list_queries(2) == list_queries(12)


def queued_job(app, data: bytes) -> int:
    """Store a job for a zip without running it (as if no worker had taken it yet)."""
    with app.app_context():
        job = records.create_job("upload", "posts.zip", MANY)
        inputs.save_upload(job.id, [IncomingFile("posts.zip", data)], None)
        return job.id


def test_a_waiting_or_running_job_polls_itself_with_progress(app, signed_in_client):
    job_id = queued_job(app, bundle())
    fragment = signed_in_client.get(f"/admin/jobs/{job_id}", headers=HX).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in fragment and "Waiting for a worker" in fragment
    assert "0 of 25 documents" in fragment
    with app.app_context():
        records.claim(job_id)
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                done=10,
                current="posts.zip › posts/post-09.md",
                started_at=utcnow() - timedelta(seconds=20),
            )
        )
        db.session.commit()
    fragment = signed_in_client.get(f"/admin/jobs/{job_id}", headers=HX).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in fragment and 'value="10"' in fragment
    assert "10 of 25 documents" in fragment and "40 %" in fragment
    assert "posts/post-09.md" in fragment
    # 10 files in 20 s: the other 15 take about 30 s more.
    assert re.search(r"Time left</dt><dd>about 3\d s", fragment)
    page = signed_in_client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page  # the page without JavaScript


def test_an_interrupted_job_says_so_and_resumes_where_it_stopped(app, signed_in_client):
    job_id = queued_job(app, bundle())
    with app.app_context():
        records.claim(job_id)
        stale = utcnow() - timedelta(minutes=5)
        db.session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=stale))
        db.session.commit()
    page = signed_in_client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert "interrupted" in page and "Resume" in page
    token = csrf_token_from(signed_in_client, f"/admin/jobs/{job_id}")
    response = signed_in_client.post(f"/admin/jobs/{job_id}/resume", data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.state, job.done) == (DONE, MANY)
    assert count(app, Article) == MANY


def test_job_pages_need_sign_in_and_resume_needs_csrf(app, client, signed_in_client):
    job_id = queued_job(app, bundle())
    anonymous = app.test_client()
    assert anonymous.get("/admin/jobs/").status_code == 302
    assert anonymous.get(f"/admin/jobs/{job_id}").status_code == 302
    assert signed_in_client.post(f"/admin/jobs/{job_id}/resume").status_code == 400


def test_a_job_that_is_not_interrupted_cannot_be_resumed(app, signed_in_client):
    job_id = queued_job(app, bundle())
    token = csrf_token_from(signed_in_client, f"/admin/jobs/{job_id}")
    signed_in_client.post(f"/admin/jobs/{job_id}/resume", data={"csrf_token": token})
    page = signed_in_client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert "cannot be resumed" in page
    assert signed_in_client.get("/admin/jobs/99").status_code == 404


# --- reports, failures, clean-up ------------------------------------------------------------


def damaged(data: bytes) -> bytes:
    """Return the zip with every entry's compressed bytes scrambled (the directory intact)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    spoiled = bytearray(data)
    for info in archive.infolist():
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for offset in range(start, start + min(info.compress_size, 8)):
            spoiled[offset] ^= 0x5A
    return bytes(spoiled)


def test_a_corrupt_bundle_fails_with_a_message_on_its_job_page(app, signed_in_client):
    response = form_zip(signed_in_client, damaged(bundle()))
    page = signed_in_client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        job = db.session.get(Job, 1)
        assert job.state == FAILED
        assert job.message.startswith("nothing was published; posts.zip › posts/")
        assert "damaged in the zip" in job.message
    assert "The job failed: nothing was published" in page
    assert count(app, Article) == 0 and count(app, Revision) == 0


def test_a_report_that_cannot_be_saved_takes_its_articles_with_it(app, client, token, monkeypatch):
    # The job's report of a batch is written in the batch's own transaction: if it fails,
    # the batch's articles are not saved either, and the job stops with what it reported.
    app.config["JOB_BATCH_SIZE"] = 10
    real = records.record
    batches = []

    def record(job_id, first, results):
        batches.append(len(results))
        if first >= 10:
            raise RuntimeError("disk full")
        real(job_id, first, results)

    monkeypatch.setattr(records, "record", record)
    api_zip(client, token, bundle())
    with app.app_context():
        job = db.session.get(Job, 1)
        assert job.state == FAILED and "disk full" in job.message
        reported = db.session.scalar(select(func.count()).select_from(JobFile))
        saved = db.session.scalar(select(func.count()).select_from(Article))
        assert reported == saved == job.done == 10
        assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 10


def test_expired_jobs_are_purged_with_their_files(app):
    with app.app_context():
        old = records.create_job("upload", "old.zip", 1)
        recent = records.create_job("upload", "recent.zip", 1)
        for job, days in ((old, 20), (recent, 2)):
            inputs.save_upload(job.id, [IncomingFile("a.md", b"# A\n")], None)
            job.state, job.finished_at = DONE, utcnow() - timedelta(days=days)
        db.session.commit()
        old_id, recent_id = old.id, recent.id
        assert records.purge_expired() == 1
        assert db.session.get(Job, old_id) is None and db.session.get(Job, recent_id)
        assert not inputs.folder(old_id).exists() and inputs.folder(recent_id).exists()


def test_a_running_job_is_never_purged(app):
    with app.app_context():
        job = records.create_job("upload", "long.zip", 1)
        job.created_at = utcnow() - timedelta(days=60)
        db.session.commit()
        records.claim(job.id)
        assert records.purge_expired() == 0
        assert db.session.get(Job, job.id).state == RUNNING


# --- flask import ---------------------------------------------------------------------------


def test_flask_import_runs_as_a_job_listed_with_its_results(
    app, runner, signed_in_client, tmp_path
):
    folder = tmp_path / "_posts"
    folder.mkdir()
    for n in range(3):
        (folder / f"post-{n}.md").write_text(post(n), encoding="utf-8")
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "as job 1" in result.output and "3 created" in result.output
    page = signed_in_client.get("/admin/jobs/1").get_data(as_text=True)
    assert "Import of" in page and str(folder) in page and "3 created" in page
    again = runner.invoke(args=["import", str(folder), "--background"])
    assert f"Queued {folder} as job 2" in again.output
    with app.app_context():
        # Handed to the queue (run at once in these tests): all three are unchanged.
        assert records.outcome_counts(db.session.get(Job, 2)) == {"unchanged": 3}


def test_flask_import_of_a_broken_export_is_refused_before_it_becomes_a_job(app, runner, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "blog-export.json").write_text('{"format": "blog-export", "version": 99}')
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 1
    assert "format version 99 is newer than this blog reads" in result.output
    assert count(app, Job) == 0


def test_an_import_whose_folder_vanished_fails_with_a_message(app, runner, tmp_path):
    folder = tmp_path / "_posts"
    folder.mkdir()
    (folder / "a.md").write_text(post(1), encoding="utf-8")
    result = runner.invoke(args=["import", str(folder), "--background"])
    assert result.exit_code == 0
    with app.app_context():
        job = records.create_job("import", str(folder), 1)
        inputs.save_path(job.id, folder)
    (folder / "a.md").unlink()
    folder.rmdir()
    from webapp.jobs.runner import run_job

    with app.app_context():
        run_job(job.id)
        failed = db.session.get(Job, job.id)
        assert failed.state == FAILED and failed.message == f"{folder} no longer exists"


def test_reimporting_an_export_reports_every_file_in_order(app, runner, tmp_path):
    from webapp.services.publishing import publish

    with app.app_context():
        for n in range(5):
            publish(post(n), filename=f"post-{n}.md")
    assert runner.invoke(args=["export", str(tmp_path / "export")]).exit_code == 0
    (tmp_path / "export" / "post-02" / "index.md").write_text(post(2, "Edited."), "utf-8")
    result = runner.invoke(args=["import", str(tmp_path / "export")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        files = db.session.scalars(select(JobFile).order_by(JobFile.position)).all()
        assert [(f.position, f.name, f.outcome) for f in files] == [
            (n, f"post-{n:02d}/index.md", "updated" if n == 2 else "unchanged") for n in range(5)
        ]
        assert db.session.get(Job, 1).done == 5


def test_a_job_page_shows_its_results_a_page_at_a_time(app, signed_in_client, monkeypatch):
    monkeypatch.setattr("webapp.admin.jobs.RESULTS_PER_PAGE", 10)
    form_zip(signed_in_client, bundle())
    first = signed_in_client.get("/admin/jobs/1").get_data(as_text=True)
    assert first.count('class="result result-created"') == 10
    assert "Files 1–10 of 25" in first and 'href="/admin/jobs/1?page=2"' in first
    last = signed_in_client.get("/admin/jobs/1?page=3").get_data(as_text=True)
    assert last.count('class="result result-created"') == 5 and "Files 21–25 of 25" in last


def test_an_empty_folder_import_fails_with_its_reason(app, runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(args=["import", str(tmp_path / "empty")])
    assert result.exit_code == 1
    with app.app_context():
        job = db.session.get(Job, 1)
        assert job.state == FAILED
        assert job.message == (
            "nothing was published; empty: the folder holds no Markdown files (.md, .markdown, .txt)"
        )
