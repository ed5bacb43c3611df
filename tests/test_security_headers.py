"""Headers every response carries: no framing, no powerful features, HSTS on HTTPS sites."""

from __future__ import annotations

import pytest

PATHS = ["/", "/feed.xml", "/robots.txt", "/admin/login", "/posts/missing/", "/static/css/site.css"]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_refuses_framing_and_powerful_features(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", PATHS)
def test_hsts_when_the_session_cookie_is_secure(app, client, path):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = client.get(path)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
