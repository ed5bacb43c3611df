"""The files a deployment is made of: the nginx site file and the precompressed static files."""

from __future__ import annotations

import gzip
import os
import re

import brotli
import pytest

from webapp.cli.deploy import TEMPLATE
from webapp.deploy.nginx_site import SiteError, SiteValues, render_site
from webapp.deploy.precompress import precompress

CSS = ("body { color: #222; }\n" * 200).encode()


def values(**changes) -> SiteValues:
    """Return the values of a typical site, with some changed."""
    base = dict(
        server_name="blog.example.org www.blog.example.org",
        app_address="127.0.0.1:8000",
        http_address="80",
        https_address="443",
        tls_certificate="/etc/letsencrypt/live/blog.example.org/fullchain.pem",
        tls_certificate_key="/etc/letsencrypt/live/blog.example.org/privkey.pem",
        acme_root="/var/www/letsencrypt",
        static_root="/srv/blog/static",
        uploads_root="/srv/blog/instance/uploads",
        cache_dir="/var/cache/nginx/blog",
        max_body_size=105906176,
        session_cookie="session",
        remember_cookie="remember_token",
        comment_cookie="comment_key",
        brotli_static=True,
    )
    base.update(changes)
    return SiteValues(**base)


def test_the_site_file_is_filled_from_the_settings():
    site = render_site(TEMPLATE.read_text(), values())
    assert not re.search(r"@[A-Z_]+@", site)
    assert "client_max_body_size 105906176;" in site
    assert "server_name blog.example.org www.blog.example.org;" in site
    assert '"$cookie_session$cookie_remember_token$cookie_comment_key"' in site
    assert "alias /srv/blog/static/;" in site
    assert "\n        brotli_static on;" in site


def test_without_the_brotli_module_the_directive_is_left_out():
    site = render_site(TEMPLATE.read_text(), values(brotli_static=False))
    assert "\n        brotli_static on;" not in site
    assert "gzip_static on;" in site


@pytest.mark.parametrize(
    "change",
    [
        {"session_cookie": "my-session"},
        {"server_name": "blog.example.org; return 200"},
        {"static_root": "/srv/blog/static {"},
        {"cache_dir": ""},
    ],
)
def test_values_that_would_break_the_file_are_refused_with_their_name(change):
    with pytest.raises(SiteError, match=next(iter(change))):
        render_site(TEMPLATE.read_text(), values(**change))


def test_the_command_takes_the_upload_limit_and_cookie_names_from_the_app(app, runner):
    app.config["MAX_CONTENT_LENGTH"] = 12345678
    app.config["SESSION_COOKIE_NAME"] = "blog_session"
    result = runner.invoke(args=["nginx-config", "--server-name", "blog.example.org"])
    assert result.exit_code == 0, result.output
    assert "client_max_body_size 12345678;" in result.output
    assert "$cookie_blog_session" in result.output
    assert "/etc/letsencrypt/live/blog.example.org/fullchain.pem" in result.output
    assert "TRUSTED_PROXIES = 1" in result.output  # the note, printed to stderr


def test_the_command_refuses_a_cookie_name_nginx_cannot_read(app, runner):
    app.config["SESSION_COOKIE_NAME"] = "blog-session"
    result = runner.invoke(args=["nginx-config", "--server-name", "blog.example.org"])
    assert result.exit_code != 0
    assert "session_cookie" in result.output


def test_precompressing_writes_copies_that_decompress_to_the_source(tmp_path):
    (tmp_path / "css").mkdir()
    source = tmp_path / "css" / "site.css"
    source.write_bytes(CSS)
    (tmp_path / "logo.png").write_bytes(b"\x89PNG" + bytes(1000))
    (tmp_path / "tiny.js").write_bytes(b"x=1")

    report = precompress(tmp_path)

    assert gzip.decompress((tmp_path / "css" / "site.css.gz").read_bytes()) == CSS
    assert brotli.decompress((tmp_path / "css" / "site.css.br").read_bytes()) == CSS
    assert len(report.written) == 2
    # Images are compressed already; tiny files gain nothing.
    assert not list(tmp_path.glob("logo.png.*"))
    assert not list(tmp_path.glob("tiny.js.*"))


def test_precompressing_again_rewrites_changed_files_and_removes_orphans(tmp_path):
    source = tmp_path / "site.css"
    source.write_bytes(CSS)
    precompress(tmp_path)
    assert precompress(tmp_path).written == []

    changed = CSS + b"a { color: red; }\n"
    source.write_bytes(changed)
    os.utime(source, ns=(0, source.stat().st_mtime_ns + 1_000_000_000))
    gone = tmp_path / "old.css"
    gone.write_bytes(CSS)
    precompress(tmp_path)
    gone.unlink()

    report = precompress(tmp_path)
    assert gzip.decompress((tmp_path / "site.css.gz").read_bytes()) == changed
    assert sorted(path.name for path in report.removed) == ["old.css.br", "old.css.gz"]
    assert not (tmp_path / "old.css.gz").exists()


def test_the_units_dockerfile_and_compose_file_name_commands_the_app_has(app):
    """The documented files are not run in CI; at least every flask command they start exists."""
    root = TEMPLATE.parents[2]
    files = [*sorted((root / "deploy" / "systemd").glob("*.service")), root / "Dockerfile"]
    files.append(root / "compose.yaml")
    named = set()
    for path in files:
        text = path.read_text()
        named.update(re.findall(r"flask --app webapp ([a-z-]+)", text))
        named.update(re.findall(r'"flask", "--app", "webapp", "([a-z-]+)"', text))
    assert {"init-db", "precompress-static", "worker"} <= named
    assert named <= set(app.cli.list_commands(None))
