"""Remote images: the CSP lets them show, they load lazily without a Referer, the upload
report lists them, and an upload (form, API, `flask import`, a job, a pool) may copy them
into the site, with a result per image."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import tiny_png
from tests.image_host import BIG_LIMIT, PNG, ImageHost
from webapp import create_app
from webapp.config import SettingError
from webapp.content.render import render_markdown
from webapp.content.sanitize import sanitize_html
from webapp.extensions import db
from webapp.jobs import inputs
from webapp.jobs.models import Job, JobFile
from webapp.models import Article, Asset
from webapp.services.ingest import UploadLimits, ingest_tree
from webapp.services.publishing import FetchBudget, Publisher, RenderPool, publish, rerender
from webapp.services.tokens import create_token

HX = {"HX-Request": "true"}
REMOTE = ' loading="lazy" decoding="async" referrerpolicy="no-referrer"'
LIMITS = UploadLimits(10 * 1024 * 1024, 100 * 1024 * 1024)


@pytest.fixture
def host():
    with ImageHost() as running:
        yield running


@pytest.fixture
def fetching(app):
    """Let downloads reach the local image host, with limits small enough to reach."""
    app.config.update(IMAGE_FETCH_ALLOW_PRIVATE=True, IMAGE_FETCH_MAX_SIZE=BIG_LIMIT)
    app.config.update(IMAGE_FETCH_TIMEOUT=0.5)
    return app


def note(title: str, *urls: str) -> str:
    images = "\n\n".join(f"![figure {n}]({url})" for n, url in enumerate(urls, 1))
    return f"---\ntitle: {title}\n---\nSome text.\n\n{images}\n"


def stored_article(app, title: str) -> Article:
    with app.app_context():
        db.session.remove()
        article = db.session.scalar(select(Article).where(Article.title == title))
        article.images  # noqa: B018 - loaded while the session is open
        for link in article.images:
            link.asset  # noqa: B018
        return article


def asset_path(app, asset: Asset) -> Path:
    return Path(app.instance_path) / "uploads" / asset.filename


# --- the Content-Security-Policy -----------------------------------------------------------


def csp_of(client, path: str = "/static/css/admin.css") -> str:
    return client.get(path).headers["Content-Security-Policy"]


def test_pages_allow_https_images_by_default(client):
    policy = csp_of(client)
    assert "img-src 'self' data: https:;" in policy
    # Nothing else is opened up.
    assert "script-src 'self';" in policy and "default-src 'self';" in policy


def make_app(tmp_path, sources):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'csp.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SITE_IMAGE_SOURCES": sources,
        }
    )


@pytest.mark.parametrize(
    ("sources", "img_src"),
    [
        ("", "img-src 'self' data:;"),
        (
            "https://img.example.org  https://*.cdn.example:8443/u/",
            "img-src 'self' data: https://img.example.org https://*.cdn.example:8443/u/;",
        ),  # fmt: skip
        ("https: http://127.0.0.1:8123", "img-src 'self' data: https: http://127.0.0.1:8123;"),
        (["https:", "cdn.example"], "img-src 'self' data: https: cdn.example;"),
    ],
)
def test_the_image_sources_are_a_setting(tmp_path, sources, img_src):
    assert img_src in csp_of(make_app(tmp_path, sources).test_client())


@pytest.mark.parametrize(
    "sources",
    [
        "https:; script-src *",
        "https: 'unsafe-inline'",
        "https:,http:",
        "https://img.example.org/a;b",
        "'none' https:",
        'https: "evil"',
        42,
    ],
)
def test_a_bad_image_source_stops_the_app_at_start_up(tmp_path, sources):
    with pytest.raises(SettingError, match="SITE_IMAGE_SOURCES"):
        make_app(tmp_path, sources)


def test_a_bad_image_source_from_the_environment_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("FLASK_SITE_IMAGE_SOURCES", "https: 'unsafe-eval'")
    with pytest.raises(SettingError, match="'unsafe-eval'"):
        create_app()


def test_stored_images_keep_their_own_strict_policy(app, signed_in_client):
    figure = tiny_png()
    signed_in_client.post(
        "/admin/upload",
        data={
            "csrf_token": signed_in_client.csrf_token,
            "files": [
                (io.BytesIO(note("Local", "fig.png").encode()), "local.md"),
                (io.BytesIO(figure), "fig.png"),
            ],
        },  # fmt: skip
        content_type="multipart/form-data",
    )
    asset = stored_article(app, "Local").images[0].asset
    response = signed_in_client.get(f"/media/{asset.filename}")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )


# --- how remote images are written ---------------------------------------------------------


def test_remote_images_load_lazily_and_send_no_referrer():
    html = render_markdown(
        "![a](https://cdn.example/a.png) ![b](//cdn.example/b.png) ![c](http://old.example/c.gif)"
        " ![d](local.png) ![e](data:image/png;base64,iVBORw0KGgo=)"
    ).html
    assert f'<img alt="a" src="https://cdn.example/a.png"{REMOTE}>' in html
    assert f'<img alt="b" src="//cdn.example/b.png"{REMOTE}>' in html
    assert f'<img alt="c" src="http://old.example/c.gif"{REMOTE}>' in html
    assert '<img alt="d" src="local.png">' in html


def test_the_authors_attributes_are_replaced_but_eager_loading_kept():
    html = render_markdown(
        '<img src="https://cdn.example/hero.png" loading="eager" referrerpolicy="unsafe-url"'
        ' decoding="sync" width="300" alt="we are loading=now">\n\n'
        '<img src="https://cdn.example/x.png" loading="bogus" onerror="alert(1)">'
    ).html
    assert (
        '<img src="https://cdn.example/hero.png" width="300" alt="we are loading=now"'
        ' loading="eager" decoding="async" referrerpolicy="no-referrer">'
    ) in html
    assert f'<img src="https://cdn.example/x.png"{REMOTE}>' in html
    assert "unsafe-url" not in html and "onerror" not in html


def test_the_sanitizer_keeps_only_the_values_the_renderer_writes():
    kept = sanitize_html(f'<img src="https://a.example/x.png"{REMOTE}>')
    assert kept == f'<img src="https://a.example/x.png"{REMOTE}>'
    dropped = sanitize_html(
        '<img src="/x.png" loading="soon" decoding="later" referrerpolicy="unsafe-url">'
    )
    assert dropped == '<img src="/x.png">'


def test_the_feed_body_carries_the_attributes_and_rerender_adds_them(app):
    with app.app_context():
        article = publish(note("Feedy", "https://cdn.example/f.png")).article
        assert f'src="https://cdn.example/f.png"{REMOTE}' in article.feed_html
        # An article stored by an older pipeline gets them from `flask rerender`.
        article.html = '<p><img alt="figure 1" src="https://cdn.example/f.png"></p>'
        article.render_version = 3
        db.session.commit()
    runner = app.test_cli_runner()
    assert "Re-rendered 1 articles; 1 changed" in runner.invoke(args=["rerender"]).output
    assert REMOTE in stored_article(app, "Feedy").html


def test_the_article_page_shows_the_remote_image(app, client):
    with app.app_context():
        slug = publish(note("Shown", "https://cdn.example/s.png")).article.slug
    response = client.get(f"/posts/{slug}/")
    html = response.get_data(as_text=True)
    assert f'src="https://cdn.example/s.png"{REMOTE}' in html
    assert "https:" in response.headers["Content-Security-Policy"]


# --- the report --------------------------------------------------------------------------


def upload(client, files=(), headers=None, **fields):
    data = {"csrf_token": client.csrf_token, "markdown": "", **fields}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(
        "/admin/upload", data=data, headers=headers or {}, content_type="multipart/form-data"
    )


def test_the_upload_report_lists_the_images_left_remote(app, signed_in_client):
    urls = [f"https://cdn.example/{n}.png" for n in range(1, 6)] + ["http://old.example/x.png"]
    response = upload(signed_in_client, [("cdn.md", note("On a CDN", *urls).encode())], HX)
    html = response.get_data(as_text=True)
    assert '<ul class="result-images">' in html
    assert (
        "6 images stay remote: https://cdn.example/1.png, https://cdn.example/2.png, "
        "https://cdn.example/3.png and 3 more"
    ) in html
    assert (
        "1 remote image over plain http: browsers of an https site load it over https or "
        "block it: http://old.example/x.png"
    ) in html
    # Nothing was downloaded, and the article is published with its images remote.
    article = stored_article(app, "On a CDN")
    assert article.status == "published" and article.images == []
    assert article.html.count(REMOTE) == 6


def test_a_document_without_remote_images_says_nothing_of_them(signed_in_client):
    html = upload(signed_in_client, [("plain.md", note("Plain").encode())], HX).get_data(
        as_text=True
    )
    assert "result-images" not in html and "remote" not in html


# --- copying remote images into the site --------------------------------------------------


def test_the_form_offers_the_checkbox(signed_in_client):
    html = signed_in_client.get("/admin/upload").get_data(as_text=True)
    assert 'name="localize_images" type="checkbox" value="1"' in html
    assert "Copy remote images into the site" in html


def test_the_checkbox_copies_remote_images_with_a_result_per_image(
    app, fetching, host, signed_in_client
):
    urls = [
        host.url("/a.png"),
        host.url("/pic.svg"),
        host.url("/missing.png"),
        host.url("/big.png"),
        host.url("/page.png"),
        host.url("/slow.png"),
        host.url("/loop-1.png"),
        host.url("/moved.png"),
    ]
    text = note("Copied", *urls, host.url("/a.png"))
    response = upload(signed_in_client, [("copied.md", text.encode())], HX, localize_images="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (f"3 remote images stored on this site: {urls[0]}, {urls[1]}, {urls[7]}") in html
    assert f"1 image stays remote (HTTP 404): {urls[2]}" in html
    assert f"1 image stays remote (too large: over the 4 KB limit per image): {urls[3]}" in html
    assert (
        f"1 image stays remote (not an image: not a PNG, JPEG, GIF, WebP or SVG image): {urls[4]}"
        in html
    )
    assert f"1 image stays remote (timed out): {urls[5]}" in html
    assert f"1 image stays remote (too many redirects): {urls[6]}" in html
    # The same image twice is downloaded once.
    assert host.hits("/a.png") == 2  # once itself, once behind /moved.png

    article = stored_article(app, "Copied")
    assert article.status == "published"
    links = {link.reference: link.asset for link in article.images}
    assert set(links) == {urls[0], urls[1], urls[7]}
    png, svg = links[urls[0]], links[urls[1]]
    assert asset_path(app, png).read_bytes() == PNG
    assert png.mime_type == "image/png" and links[urls[7]].sha256 == png.sha256
    # An SVG is stored as its sanitised copy, like an uploaded one.
    assert svg.mime_type == "image/svg+xml"
    assert b"<script" not in asset_path(app, svg).read_bytes()
    assert f'src="/media/{png.filename}"' in article.html
    assert f'src="/media/{svg.filename}"' in article.html
    # What stays remote is shown from its host, lazily and without a Referer.
    assert f'src="{urls[2]}"{REMOTE}' in article.html
    assert urls[0] not in article.html


def test_without_the_checkbox_nothing_is_downloaded(app, fetching, host, signed_in_client):
    upload(signed_in_client, [("kept.md", note("Kept", host.url("/a.png")).encode())], HX)
    assert host.requests == []
    assert stored_article(app, "Kept").images == []


def test_private_addresses_are_refused_without_the_setting(app, host, signed_in_client):
    urls = [
        host.url("/a.png"),
        f"http://localhost:{host.port}/b.png",
        f"http://[::1]:{host.port}/a.png",
        "http://10.0.0.7/a.png",
        "http://169.254.169.254/latest/meta-data/iam.png",
    ]
    text = note("Guarded", *urls)
    html = upload(signed_in_client, [("g.md", text.encode())], HX, localize_images="1").get_data(
        as_text=True
    )
    assert host.requests == []
    assert f"stays remote (refused address: 127.0.0.1 is a loopback address): {urls[0]}" in html
    assert "(refused address: localhost is 127.0.0.1, a loopback address)" in html or (
        "(refused address: localhost is ::1, a loopback address)" in html
    )
    assert f"(refused address: ::1 is a loopback address): {urls[2]}" in html
    assert f"(refused address: 10.0.0.7 is a private address): {urls[3]}" in html
    assert f"(refused address: 169.254.169.254 is a link-local address): {urls[4]}" in html
    article = stored_article(app, "Guarded")
    assert article.status == "published" and article.images == []


def test_other_schemes_are_never_fetched(app, fetching, host, signed_in_client):
    text = note("Schemes", "ftp://127.0.0.1/a.png", "file:///etc/passwd", host.url("/a.png"))
    html = upload(signed_in_client, [("s.md", text.encode())], HX, localize_images="1").get_data(
        as_text=True
    )
    assert f"1 remote image stored on this site: {host.url('/a.png')}" in html
    assert "ftp://" not in html and "file://" not in html
    assert [path for path, _ in host.requests] == ["/a.png"]


def test_count_limits_per_document_and_per_upload(app, fetching, host, signed_in_client):
    app.config.update(IMAGE_FETCH_MAX_PER_DOCUMENT=2, IMAGE_FETCH_MAX_PER_UPLOAD=3)
    first = note("First", host.url("/a.png?1"), host.url("/a.png?2"), host.url("/a.png?3"))
    second = note("Second", host.url("/b.png?1"), host.url("/b.png?2"))
    html = upload(
        signed_in_client, [("1.md", first.encode()), ("2.md", second.encode())], HX,
        localize_images="on",
    ).get_data(as_text=True)  # fmt: skip
    assert (
        "1 image stays remote (the limit of 2 downloaded images per document is reached): "
        f"{host.url('/a.png?3')}"
    ) in html
    assert (
        "1 image stays remote (the limit of 3 downloaded images per upload is reached): "
        f"{host.url('/b.png?2')}"
    ) in html
    assert len(host.requests) == 3


def test_a_document_out_of_time_keeps_its_images_remote(app, fetching, host, signed_in_client):
    app.config["IMAGE_FETCH_DOCUMENT_SECONDS"] = 0
    html = upload(
        signed_in_client, [("t.md", note("Late", host.url("/a.png")).encode())], HX,
        localize_images="1",
    ).get_data(as_text=True)  # fmt: skip
    assert "stays remote (no time left for this document&#39;s downloads)" in html
    assert host.requests == []


def test_a_stored_copy_is_kept_by_rerender_and_a_later_upload(app, fetching, host):
    url = host.url("/a.png")
    with app.app_context():
        budget = FetchBudget.from_config(app.config)
        plan = budget.plan(note("Kept copy", url))
        first = publish(note("Kept copy", url), filename="k.md", fetch=plan)
        assert first.remote_notes == [f"1 remote image stored on this site: {url}"]
        rerender(db.session.get(Article, first.article.id))
        # Edited without asking for downloads: the copy it has stays in use.
        again = publish(note("Kept copy", url) + "\nMore.\n", filename="k.md")
        assert again.outcome == "updated"
        assert again.remote_notes == [f"1 remote image stored on this site: {url}"]
    assert host.hits("/a.png") == 1
    article = stored_article(app, "Kept copy")
    assert [link.reference for link in article.images] == [url]
    assert "/media/" in article.html and url not in article.html


# --- the API, jobs, the pool and the CLI ---------------------------------------------------


@pytest.fixture
def token(app, admin_user):
    from webapp.services.accounts import find_user

    with app.app_context():
        _, secret = create_token(find_user("author"), "ci")
    return secret


def test_the_api_option_copies_images_and_reports_them(app, fetching, host, client, token):
    text = note("By API", host.url("/a.png"), host.url("/missing.png"))
    response = client.post(
        "/api/articles",
        data={"files": [(io.BytesIO(text.encode()), "api.md")], "localize_images": "1"},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    (result,) = response.get_json()["results"]
    assert result["images"] == [
        f"1 remote image stored on this site: {host.url('/a.png')}",
        f"1 image stays remote (HTTP 404): {host.url('/missing.png')}",
        "1 remote image over plain http: browsers of an https site load it over https or "
        f"block it: {host.url('/missing.png')}",
    ]
    assert result["warnings"] == []


def test_the_api_option_as_a_query_parameter_for_a_raw_body(app, fetching, host, client, token):
    response = client.post(
        "/api/articles?localize_images=true&filename=raw.md",
        data=note("Raw", host.url("/a.png")).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/markdown"},
    )
    (result,) = response.get_json()["results"]
    assert result["images"] == [f"1 remote image stored on this site: {host.url('/a.png')}"]


def test_without_the_option_the_api_lists_the_remote_images(app, host, client, token):
    response = client.post(
        "/api/articles",
        data={"files": [(io.BytesIO(note("Listed", host.url("/a.png")).encode()), "l.md")]},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    (result,) = response.get_json()["results"]
    assert result["images"][0] == f"1 image stays remote: {host.url('/a.png')}"


def bundle(host, count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(count):
            archive.writestr(f"posts/p{n}.md", note(f"Post {n}", host.url(f"/a.png?{n % 2}")))
    return buffer.getvalue()


def test_a_background_job_keeps_the_option_and_reports_per_file(
    app, fetching, host, signed_in_client
):
    app.config["BACKGROUND_AFTER_DOCUMENTS"] = 2
    response = upload(signed_in_client, [("posts.zip", bundle(host, 3))], localize_images="1")
    assert response.status_code == 303
    job_page = signed_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"1 remote image stored on this site: {host.url('/a.png?1')}" in job_page
    with app.app_context():
        job = db.session.scalar(select(Job))
        rows = db.session.scalars(select(JobFile).order_by(JobFile.position)).all()
        assert [row.images for row in rows] == [
            [f"1 remote image stored on this site: {host.url(f'/a.png?{n % 2}')}"] for n in range(3)
        ]
        assert job.state == "done"
        articles = db.session.scalars(select(Article)).all()
        assert all(len(article.images) == 1 for article in articles)


def test_the_job_manifest_records_the_option(app, tmp_path):
    with app.app_context():
        inputs.save_path(7, tmp_path, {inputs.LOCALIZE: True})
        assert inputs.options(7) == {inputs.LOCALIZE: True}
        inputs.save_upload(8, [], "text")
        assert inputs.options(8) == {}


def test_documents_rendered_in_a_pool_download_there(app, fetching, host, tmp_path):
    folder = tmp_path / "_posts"
    folder.mkdir()
    for n in range(4):
        (folder / f"p{n}.md").write_text(
            note(f"Pooled {n}", host.url("/a.png?pool"), host.url(f"/missing-{n}.png")),
            encoding="utf-8",
        )
    app.config["IMAGE_FETCH_MAX_PER_UPLOAD"] = 6
    with app.app_context():
        publisher = Publisher(
            pool=RenderPool(2), batch_size=3, fetch=FetchBudget.from_config(app.config)
        )
        try:
            results = ingest_tree(folder, limits=LIMITS, publisher=publisher)
        finally:
            publisher.pool.close()
        assert [result.outcome for result in results] == ["created"] * 4
        # Six downloads for eight images: the upload's limit holds across the processes.
        assert len(host.requests) == 6
        copied = sum(len(article.images) for article in db.session.scalars(select(Article)))
        lines = [line for result in results for line in result.images]
        limited = [line for line in lines if "per upload is reached" in line]
        assert sum(int(line.split()[0]) for line in limited) == 2
        assert sum("stored on this site" in line for line in lines) == copied
        assert copied == host.hits("/a.png?pool")


def test_flask_import_localize_images(app, fetching, host, runner, tmp_path):
    folder = tmp_path / "source" / "_posts"
    folder.mkdir(parents=True)
    (folder / "hexo.md").write_text(
        note("Hexo post", host.url("/a.png"), host.url("/missing.png")), encoding="utf-8"
    )
    plain = runner.invoke(args=["import", str(folder)])
    assert plain.exit_code == 0, plain.output
    assert f"2 images stay remote: {host.url('/a.png')}, {host.url('/missing.png')}" in (
        plain.output
    )
    assert host.requests == []
    (folder / "hexo.md").write_text(
        note("Hexo post", host.url("/a.png"), host.url("/missing.png")) + "\nEdited.\n",
        encoding="utf-8",
    )
    copied = runner.invoke(args=["import", str(folder), "--localize-images"])
    assert copied.exit_code == 0, copied.output
    assert f"1 remote image stored on this site: {host.url('/a.png')}" in copied.output
    assert f"1 image stays remote (HTTP 404): {host.url('/missing.png')}" in copied.output
    article = stored_article(app, "Hexo post")
    assert [link.reference for link in article.images] == [host.url("/a.png")]


def test_the_import_help_names_the_flag(runner):
    assert "--localize-images" in runner.invoke(args=["import", "--help"]).output


def test_downloads_inside_a_request_stop_in_time_for_the_server(
    app, fetching, host, signed_in_client
):
    # A slow image host must not hold the request past gunicorn's timeout: the request's
    # downloads stop at IMAGE_FETCH_REQUEST_SECONDS, whatever the per-image timeout says.
    app.config.update(IMAGE_FETCH_TIMEOUT=600, IMAGE_FETCH_REQUEST_SECONDS=0.5)
    slow = host.url("/slow.png")
    text = note("Slow host", slow)
    response = upload(signed_in_client, [("slow.md", text.encode())], HX, localize_images="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"1 image stays remote (timed out): {slow}" in html
    assert stored_article(app, "Slow host").status == "published"
