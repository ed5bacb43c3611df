"""Odd input ends in a clear 4xx page, never a 500, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_NAME, csrf_token_from
from webapp.models import User

NUL_MESSAGE = "contains a NUL character"


@pytest.mark.parametrize(
    "url",
    [
        "/posts/%00/",
        "/tags/%00/",
        "/tags/a%00b/feed.xml",
        "/categories/%00/",
        "/categories/ML%00/rss.xml",
        "/?after=%00",
        "/admin/login?next=%00",
    ],
)
def test_a_nul_character_in_an_address_is_a_bad_request(client, add_article, url):
    add_article("Post", category=["ML"], tags=["a"])
    response = client.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)


def test_search_drops_nul_from_its_query(client, add_article):
    response = client.get("/search?q=%E5%8D%B7%00%E7%A7%AF")
    assert response.status_code == 200


def test_a_nul_character_in_a_form_field_is_a_bad_request(app, client, admin_user):
    token = csrf_token_from(client)
    response = client.post(
        "/admin/login",
        data={"username": f"{ADMIN_NAME}\x00", "password": "x", "csrf_token": token},
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)
    with app.app_context():
        assert User.query.count() == 1


def test_the_admin_title_filter_refuses_nul(signed_in_client):
    response = signed_in_client.get("/admin/articles?q=%00")
    assert response.status_code == 400


def test_htmx_requests_get_the_message_without_the_page(client):
    response = client.get("/posts/%00/", headers={"HX-Request": "true"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert NUL_MESSAGE in html and "<html" not in html
