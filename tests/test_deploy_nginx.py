"""deploy/'s nginx site in front of gunicorn: what readers, authors and the app rely on.

Debian's nginx runs the site file `flask nginx-config` makes (TLS, HTTP/2, the one-second
micro-cache, static files and media from disk) on 127.0.0.1, with the app under gunicorn
behind it. Without nginx installed these tests fail and say how to install it.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import brotli
import pytest

from tests.conftest import tiny_png
from tests.deploy_scenario import (
    MISSING_NGINX,
    access_log,
    app_env,
    app_server,
    copy_static,
    fetch,
    free_ports,
    multipart,
    negotiated_protocol,
    nginx,
    nginx_available,
    render_site,
)
from tests.load_scenario import new_site

# A small upload limit, so that going past it costs the test little.
MAX_UPLOAD_SIZE = 2 * 1024 * 1024
FORM_OVERHEAD = 1024 * 1024
PASSWORD = "correct horse battery staple"  # tests/load_scenario.new_site's author
# nginx counts a cache entry's life in whole seconds: with "1s", a page stored at 12:00:00.3
# is served until 12:00:01.999. A page stored before now is gone after the next second.
SECOND_MARGIN = 0.15
IMAGE = tiny_png(5, 4, (200, 30, 60))


@pytest.fixture(scope="module")
def deployed():
    """Yield (front, app server, site) for a site with one article and its image."""
    if not nginx_available():
        pytest.fail(MISSING_NGINX)
    # The PostgreSQL run of the suite puts PostgreSQL behind nginx too (emptied first).
    site = new_site(os.environ.get("TEST_DATABASE_URL"))
    folder = Path(tempfile.mkdtemp(prefix="blog-deploy-"))
    try:
        app_port, https_port, http_port = free_ports(3)
        env = app_env(site, MAX_UPLOAD_SIZE=str(MAX_UPLOAD_SIZE))
        static_root = copy_static(folder / "static")
        site_file = render_site(site, app_port, folder, static_root, https_port, http_port, env)
        with (
            app_server(env, app_port, folder / "gunicorn.log") as server,
            nginx(site_file, folder, https_port, http_port) as front,
        ):
            published = publish(front, site.token, "first-post", "First post", with_image=True)
            assert published.status == 200, published.body
            yield front, server, site
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(site.instance, ignore_errors=True)


def wait_past_cache_lifetime() -> None:
    """Sleep until every page cached before this call has expired (under 2.2 s)."""
    stored_by = time.time()
    time.sleep(int(stored_by) + 2 + SECOND_MARGIN - stored_by)


def publish(front, token: str, slug: str, title: str, with_image: bool = False):
    """Publish an article through nginx with the API, as an author's script would."""
    markdown = f"---\ntitle: {title}\nslug: {slug}\n---\n\nA note about caching.\n"
    files = {f"{slug}.md": markdown.encode()}
    if with_image:
        files[f"{slug}.md"] += b"\n![A red square](red.png)\n"
        files["red.png"] = IMAGE
    body, content_type = multipart(files)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    return fetch(front.https_port, "/api/articles", "POST", body, headers)


def sign_in(front) -> str:
    """Sign the author in through nginx; return the Cookie header the browser would send."""
    form = fetch(front.https_port, "/admin/login")
    csrf = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', form.body).group(1).decode()
    cookie = form.set_cookies[0].split(";", 1)[0]
    body = f"username=loader&password={PASSWORD.replace(' ', '+')}&csrf_token={csrf}".encode()
    answer = fetch(
        front.https_port,
        "/admin/login",
        "POST",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": "https://localhost/admin/login",
        },
    )
    assert answer.status == 302, answer.body[:500]
    return answer.set_cookies[0].split(";", 1)[0]


def app_requests(front, server, prefix: str) -> list[dict]:
    """Return gunicorn's access-log entries (JSON lines) of GET requests that reached the app.

    `prefix` names a path, exactly when it ends in a space ("/posts/x/ "), else a folder.
    gunicorn logs a request after answering it: a marker request is sent through nginx and
    waited for (at most 10 s), so that the entries of the requests before it are there.
    """
    marker = uuid.uuid4().hex
    fetch(front.https_port, f"/admin/login?settled={marker}")
    deadline = time.monotonic() + 10
    while marker not in access_log(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    entries = [json.loads(line) for line in access_log(server).splitlines() if line.strip()]
    path = prefix.strip()

    def wanted(entry: dict) -> bool:
        found = entry["path"]
        return found == path if prefix.endswith(" ") else found.startswith(path)

    return [entry for entry in entries if entry["method"] == "GET" and wanted(entry)]


def test_reader_pages_are_served_from_the_cache_after_the_first_request(deployed):
    front, server, _site = deployed
    wait_past_cache_lifetime()
    for path in ("/", "/posts/first-post/"):
        first = fetch(front.https_port, path, headers={"Accept-Encoding": "gzip"})
        second = fetch(front.https_port, path, headers={"Accept-Encoding": "gzip"})
        assert first.status == second.status == 200
        assert first.header("X-Cache-Status") in {"MISS", "EXPIRED"}
        assert second.header("X-Cache-Status") == "HIT"
        assert second.body == first.body
        assert b"First post" in gzip.decompress(second.body)
    # The app answered the first request for the article and not the second.
    assert len(app_requests(front, server, "/posts/first-post/ ")) == 1


def test_readers_share_one_copy_per_encoding_whatever_else_they_send(deployed):
    front, _server, _site = deployed
    path = "/posts/first-post/"
    fetch(front.https_port, path, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    for accept, encoding in (
        ("br, gzip", "br"),
        ("gzip, deflate", "gzip"),
        ("gzip;q=0, identity", ""),
        ("", ""),
    ):
        fetch(front.https_port, path, headers={"Accept-Encoding": accept})
        answer = fetch(
            front.https_port,
            path,
            headers={"Accept-Encoding": accept, "Cookie": f"_ga=GA1.{uuid.uuid4().hex}"},
        )
        assert answer.header("X-Cache-Status") == "HIT", accept
        assert answer.header("Content-Encoding") == encoding, accept
        text = {"br": brotli.decompress, "gzip": gzip.decompress, "": bytes}[encoding](answer.body)
        assert b"First post" in text


def test_htmx_fragments_are_cached_apart_from_whole_pages(deployed):
    front, _server, _site = deployed
    page = fetch(front.https_port, "/")
    fragment = fetch(front.https_port, "/", headers={"HX-Request": "true"})
    again = fetch(front.https_port, "/", headers={"HX-Request": "true"})
    assert b"<html" in page.body
    assert b"<html" not in fragment.body
    assert again.body == fragment.body


def test_a_publish_shows_within_the_cache_lifetime(deployed):
    front, _server, site = deployed
    before = fetch(front.https_port, "/")
    assert b"Fresh from the press" not in before.body
    assert publish(front, site.token, "fresh", "Fresh from the press").status == 200
    wait_past_cache_lifetime()
    after = fetch(front.https_port, "/")
    assert b"Fresh from the press" in after.body, after.header("X-Cache-Status")
    assert fetch(front.https_port, "/posts/fresh/").status == 200


def test_admin_pages_and_responses_that_set_cookies_are_never_cached(deployed):
    front, server, _site = deployed
    for _ in range(2):
        login = fetch(front.https_port, "/admin/login")
        assert login.status == 200
        assert login.set_cookies, "the sign-in form starts a session"
        assert "no-store" in login.header("Cache-Control")
        assert login.header("X-Cache-Status") != "HIT"
    cookie = sign_in(front)
    for _ in range(2):
        admin = fetch(front.https_port, "/admin/articles", headers={"Cookie": cookie})
        assert admin.status == 200, (admin.header("Location"), admin.set_cookies)
        assert admin.header("Cache-Control") == "no-store"
        assert admin.header("X-Cache-Status") != "HIT"
    # A signed-in author's reader page comes from the app, and is not kept for the next
    # reader: after the cache's lifetime, the anonymous reader's request misses.
    wait_past_cache_lifetime()
    seen = len(app_requests(front, server, "/posts/first-post/ "))
    for _ in range(2):
        mine = fetch(front.https_port, "/posts/first-post/", headers={"Cookie": cookie})
        assert mine.status == 200
        assert mine.header("X-Cache-Status") == "BYPASS"
    assert len(app_requests(front, server, "/posts/first-post/ ")) == seen + 2
    anonymous = fetch(front.https_port, "/posts/first-post/")
    assert anonymous.header("X-Cache-Status") in {"MISS", "EXPIRED"}


def test_a_commenter_awaiting_moderation_gets_pages_made_for_them(deployed):
    # Their pending comment shows to them alone: never the shared copy, never stored.
    front, server, _site = deployed
    cookie = {"Cookie": f"comment_key={uuid.uuid4().hex}"}
    seen = len(app_requests(front, server, "/posts/first-post/ "))
    for _ in range(2):
        mine = fetch(front.https_port, "/posts/first-post/", headers=cookie)
        assert mine.status == 200
        assert mine.header("X-Cache-Status") == "BYPASS"
        assert mine.header("Cache-Control") == "private, no-store"
    assert len(app_requests(front, server, "/posts/first-post/ ")) == seen + 2


def test_api_answers_are_never_cached(deployed):
    front, _server, site = deployed
    for _ in range(2):
        answer = fetch(front.https_port, "/api/jobs/1", headers={"Authorization": "Bearer x"})
        assert answer.status == 401
        assert answer.header("Cache-Control") == "no-store"
        assert answer.header("X-Cache-Status") == ""


def test_static_files_come_from_nginx_precompressed_with_long_lifetimes(deployed):
    front, server, _site = deployed
    page = fetch(front.https_port, "/").body.decode()
    stylesheet = re.search(r'href="(/static/[^"]+\.css\?v=[0-9a-f]+)"', page).group(1)
    script = re.search(r'src="(/static/[^"]+\.js\?v=[0-9a-f]+)"', page).group(1)
    root = Path(front.site_file).parent / "static"
    for url, kind in ((stylesheet, "text/css"), (script, "application/javascript")):
        original = (root / url.split("?")[0].removeprefix("/static/")).read_bytes()
        for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
            answer = fetch(front.https_port, url, headers={"Accept-Encoding": encoding})
            assert answer.status == 200
            assert answer.header("Content-Type").startswith(kind)
            assert answer.header("Content-Encoding") == encoding
            assert decode(answer.body) == original
            assert answer.header("X-Content-Type-Options") == "nosniff"
            assert "max-age=31536000" in answer.header("Cache-Control")
            assert "immutable" in answer.header("Cache-Control")
        plain = fetch(front.https_port, url)
        assert plain.body == original
    assert app_requests(front, server, "/static/") == []


def test_media_comes_from_nginx_with_its_type_and_nosniff(deployed):
    front, server, _site = deployed
    name = hashlib.sha256(IMAGE).hexdigest() + ".png"
    article = fetch(front.https_port, "/posts/first-post/").body.decode()
    assert f"/media/{name}" in article
    answer = fetch(front.https_port, f"/media/{name}")
    assert answer.status == 200
    assert answer.body == IMAGE
    assert answer.header("Content-Type") == "image/png"
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert "sandbox" in answer.header("Content-Security-Policy")
    assert "max-age=31536000" in answer.header("Cache-Control")
    assert app_requests(front, server, "/media/") == []
    # A name that is not on this disk is asked of the app, which answers 404.
    missing = fetch(front.https_port, "/media/" + "0" * 64 + ".png")
    assert missing.status == 404
    assert len(app_requests(front, server, "/media/")) == 1


def test_the_app_believes_the_scheme_and_host_nginx_passes_not_the_clients(deployed):
    front, _server, site = deployed
    body, content_type = multipart({"forwarded.md": b"# Forwarded\n\nText.\n"})
    answer = fetch(
        front.https_port,
        "/api/articles",
        "POST",
        body,
        {
            "Authorization": f"Bearer {site.token}",
            "Content-Type": content_type,
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "http",
        },
    )
    assert answer.status == 200
    url = json.loads(answer.body)["results"][0]["url"]
    assert url.startswith("https://localhost/")


def test_uploads_up_to_the_apps_limit_pass_and_larger_ones_get_413(deployed):
    front, _server, site = deployed
    site_text = front.site_file.read_text()
    assert f"client_max_body_size {MAX_UPLOAD_SIZE + FORM_OVERHEAD};" in site_text
    headers = {"Authorization": f"Bearer {site.token}", "Content-Type": "text/markdown"}
    allowed = b"# Long\n\n" + b"word " * (MAX_UPLOAD_SIZE // 10)
    answer = fetch(front.https_port, "/api/articles?filename=long.md", "POST", allowed, headers)
    assert answer.status == 200
    too_big = b"x" * (MAX_UPLOAD_SIZE + FORM_OVERHEAD + 1)
    answer = fetch(front.https_port, "/api/articles?filename=big.md", "POST", too_big, headers)
    assert answer.status == 413


def test_plain_http_moves_to_https_and_https_speaks_http2(deployed):
    front, _server, _site = deployed
    connection = http.client.HTTPConnection("127.0.0.1", front.http_port, timeout=10)
    connection.request("GET", "/posts/first-post/?x=1", headers={"Host": "localhost"})
    moved = connection.getresponse()
    connection.close()
    assert moved.status == 301
    assert moved.getheader("Location") == "https://localhost/posts/first-post/?x=1"
    assert negotiated_protocol(front.https_port) == "h2"
