"""A big upload in Chromium: the form hands it to a worker and follows its progress bar to
100 %, then shows the per-file results; the job page keeps them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

DOCUMENTS = 40  # over BACKGROUND_AFTER_DOCUMENTS: a job


@pytest.fixture(scope="module")
def worker(live_site, tmp_path_factory):
    """Run `flask worker` on the live site's database and instance folder."""
    app = live_site.app
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(
        INSTANCE_PATH=app.instance_path,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        FLASK_JOB_RENDER_PROCESSES="2",
    )
    env.pop("REDIS_URL", None)
    log = open(tmp_path_factory.mktemp("worker") / "worker.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "webapp", "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    log.close()


def bundle(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(DOCUMENTS):
            formulas = " ".join(f"$y_{{{n}}}^{{{k}}}$" for k in range(15))
            archive.writestr(
                f"notes/bulk-{n:02d}.md",
                f"---\ntitle: Bulk note {n:02d}\ndate: 2023-05-{1 + n % 28:02d}\n---\n{formulas}\n",
            )
    return path


def test_a_big_upload_shows_its_progress_then_its_results(
    page,
    live_site,
    author,
    worker,
    watch,
    tmp_path,
):
    sign_in(page, "/admin/upload")
    page.set_input_files("#upload-files", [str(bundle(tmp_path / "bulk.zip"))])
    page.click("button.upload-submit:not([value])")

    job = page.locator("#upload-results section.job")
    expect(job).to_be_visible()
    bar = job.locator("progress")
    # The first answer is the job waiting or running: the bar polls for more.
    assert job.get_attribute("hx-trigger") == "every 1s"
    assert int(bar.get_attribute("value")) < DOCUMENTS
    expect(job.locator(".progress-text")).to_contain_text(f"of {DOCUMENTS} documents")

    # It fills up and then the results appear in place of the polling.
    expect(page.locator("#upload-results section.job-done")).to_be_visible(timeout=90_000)
    done = page.locator("#upload-results section.job-done")
    assert done.get_attribute("hx-trigger") is None
    bar = done.locator("progress")
    assert bar.get_attribute("value") == bar.get_attribute("max") == str(DOCUMENTS)
    expect(done.locator(".job-percent")).to_have_text("100 %")
    expect(done.locator(".result-created")).to_have_count(DOCUMENTS)
    expect(done.locator(".results-summary")).to_contain_text(f"{DOCUMENTS} created")

    # The author may close the page: the job page keeps the results.
    page.goto("/admin/jobs/")
    page.locator(".job-table a").first.click()
    expect(page.locator(".result-created")).to_have_count(DOCUMENTS)
    assert watch.errors == []
    assert watch.foreign_requests(live_site.url) == []
