"""Trusted hosts: with SITE_URL or TRUSTED_HOSTS set, a request for another host gets 400."""

from __future__ import annotations

import pytest

from webapp import create_app
from webapp.extensions import db
from webapp.web.hosts import trusted_hosts

EVIL = "evil.example"
REFLECTING_PAGES = ["/", "/feed.xml", "/rss.xml", "/robots.txt", "/sitemap.xml", "/admin/login"]


@pytest.fixture
def make_app(tmp_path):
    """Return a factory of apps on a fresh SQLite file with extra settings."""
    made = []

    def make(**config):
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-only",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / f'hosts{len(made)}.sqlite3'}",
                "INSTANCE_PATH": str(tmp_path / "instance"),
                **config,
            }
        )
        with app.app_context():
            db.create_all()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def get(app, path, host, **headers):
    return app.test_client().get(path, headers={"Host": host, **headers})


@pytest.mark.parametrize("path", REFLECTING_PAGES)
def test_with_site_url_another_host_is_refused(make_app, path):
    app = make_app(SITE_URL="https://blog.example.org")
    assert get(app, path, "blog.example.org").status_code == 200
    refused = get(app, path, EVIL)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "does not answer to the host name" in html
    assert EVIL not in html


def test_the_refusal_is_a_page_in_the_sites_style_and_json_for_the_api(make_app):
    app = make_app(SITE_URL="https://blog.example.org")
    page = get(app, "/posts/anything/", EVIL)
    assert page.status_code == 400 and 'class="site-title"' in page.get_data(as_text=True)
    api = app.test_client().post("/api/articles", data="# x", headers={"Host": EVIL})
    assert api.status_code == 400 and "host name" in api.json["error"]


def test_the_port_does_not_matter(make_app):
    app = make_app(SITE_URL="https://blog.example.org")
    assert get(app, "/", "blog.example.org:8443").status_code == 200
    assert get(app, "/", "BLOG.example.org").status_code == 200
    assert get(app, "/", "blog.example.org.evil.example").status_code == 400


def test_trusted_hosts_add_names_and_subdomains(make_app):
    app = make_app(TRUSTED_HOSTS=["blog.example.org", ".example.net"])
    for host in ["blog.example.org", "example.net", "www.example.net"]:
        assert get(app, "/", host).status_code == 200, host
    assert get(app, "/", "example.org").status_code == 400


def test_trusted_hosts_from_the_environment(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "env-instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", "blog.example.org, 127.0.0.1")
    app = create_app()
    assert app.extensions["trusted_hosts"] == ["127.0.0.1", "blog.example.org"]
    assert get(app, "/robots.txt", "127.0.0.1:8000").status_code == 200
    assert get(app, "/robots.txt", EVIL).status_code == 400


def test_a_forwarded_host_is_checked_behind_a_trusted_proxy(make_app):
    app = make_app(SITE_URL="https://blog.example.org", TRUSTED_PROXIES=1)
    ok = get(app, "/robots.txt", "127.0.0.1:8000", **{"X-Forwarded-Host": "blog.example.org"})
    assert ok.status_code == 200
    bad = get(app, "/robots.txt", "blog.example.org", **{"X-Forwarded-Host": EVIL})
    assert bad.status_code == 400


def test_without_either_setting_every_host_is_answered(make_app):
    # For development: the request's own address is the site's.
    app = make_app()
    response = get(app, "/robots.txt", "localhost:5000")
    assert response.status_code == 200
    assert "http://localhost:5000/sitemap.xml" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("site_url", "setting", "expected"),
    [
        (None, None, []),
        ("https://Blog.Example.org:8443/notes/", None, ["blog.example.org"]),
        (None, "a.example, b.example  c.example", ["a.example", "b.example", "c.example"]),
        ("https://x.example", [".example.net", "x.example:80"], [".example.net", "x.example"]),
        (None, ["", " ", "."], []),
    ],
)
def test_trusted_hosts_reads_both_settings(site_url, setting, expected):
    assert trusted_hosts(site_url, setting) == expected
