"""Helpers for the comment tests: open the form as a reader does, post what it holds."""

from __future__ import annotations

import re

import pytest

_FIELD = re.compile(r'name="(csrf_token|form_token)" value="([^"]+)"')


def open_form(client, slug: str = "article-1", reply_to: int | None = None) -> dict:
    """Open an article's comment form; return its hidden fields (CSRF and form tokens)."""
    query = f"?reply_to={reply_to}" if reply_to else ""
    response = client.get(f"/posts/{slug}/comment/{query}")
    assert response.status_code == 200, response.status_code
    return dict(_FIELD.findall(response.get_data(as_text=True)))


def post_comment(client, slug: str = "article-1", *, htmx: bool = False, **fields):
    """Open the form and post it with the given fields (name and body have defaults)."""
    data = open_form(client, slug, fields.get("parent_id"))
    data.update({"name": "Reader", "body": "Nice post.", "action": "post"})
    data.update({key: value for key, value in fields.items() if value is not None})
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/posts/{slug}/comment/", data=data, headers=headers)


@pytest.fixture
def quick_forms(app):
    """Let a form be sent at once (the minimum fill time has its own tests)."""
    app.config["COMMENT_MIN_FILL_SECONDS"] = 0
    return app
