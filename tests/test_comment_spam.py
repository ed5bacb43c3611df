"""Spam and abuse without an outside service: each refusal a clear 4xx, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.comment_helpers import open_form, post_comment, quick_forms  # noqa: F401
from webapp.extensions import db
from webapp.models import Comment
from webapp.services.comments import settings


@pytest.fixture
def article(add_article):
    add_article("Attention")
    return "article-1"


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def refused(response, status: int, words: str) -> None:
    assert response.status_code == status, response.status_code
    html = response.get_data(as_text=True)
    assert "Your comment was not posted" in html and words in html
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_filled_honeypot_is_refused(app, client, article, quick_forms):  # noqa: F811
    refused(post_comment(client, homepage="http://spam.example"), 400, "hidden field")
    assert count(app) == 0


def test_a_form_sent_too_soon_is_refused(app, client, article):
    app.config["COMMENT_MIN_FILL_SECONDS"] = 60
    refused(post_comment(client), 400, "after it was opened")
    assert count(app) == 0


def test_a_forged_or_foreign_form_token_is_refused(app, client, article, add_article, quick_forms):  # noqa: F811
    refused(post_comment(client, form_token="made-up"), 400, "not one this site handed out")
    add_article("Other", slug="other")
    other = open_form(client, "other")["form_token"]
    refused(post_comment(client, form_token=other), 400, "not one this site handed out")
    assert count(app) == 0


def test_per_address_rate_limit(app, article, add_article, quick_forms):  # noqa: F811
    app.config["COMMENT_RATE_PER_ADDRESS"] = 2
    add_article("Other", slug="other")
    client = app.test_client()
    assert post_comment(client).status_code == 303
    assert post_comment(client, "other").status_code == 303
    refused(post_comment(client), 429, "too many comments from your address")
    assert count(app) == 2
    # Another address still gets through.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert post_comment(other).status_code == 303


def test_per_article_rate_limit(app, article, quick_forms):  # noqa: F811
    app.config["COMMENT_RATE_PER_ARTICLE"] = 2
    for number in range(2):
        reader = app.test_client()
        reader.environ_base["REMOTE_ADDR"] = f"203.0.113.{number}"
        assert post_comment(reader).status_code == 303
    late = app.test_client()
    late.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    refused(post_comment(late), 429, "receiving too many comments")
    assert count(app) == 2


def test_link_count_limit(app, client, article, quick_forms):  # noqa: F811
    links = " ".join(f"[{n}](https://spam{n}.example)" for n in range(4))
    refused(post_comment(client, body=links), 422, "more than 3 links")
    assert post_comment(client, body=links.rsplit(" ", 1)[0]).status_code == 303
    assert count(app) == 1


def test_length_limit(app, client, article, quick_forms):  # noqa: F811
    refused(post_comment(client, body="x" * 10_001), 422, "longer than 10000 characters")
    assert count(app) == 0
    assert post_comment(client, body="x" * 10_000).status_code == 303


@pytest.mark.parametrize(
    ("entry", "fields"),
    [
        ("casino", {"body": "Best CASINO bonus"}),
        ("casino", {"name": "casino king"}),
        ("spam.example", {"website": "https://spam.example/x"}),
        ("127.0.0.0/8", {}),
        ("127.0.0.1", {}),
    ],
)
def test_blocklist_words_and_addresses(app, client, article, quick_forms, entry, fields):  # noqa: F811
    with app.app_context():
        settings.current().blocklist = f"# my list\n{entry}\n"
        db.session.commit()
    refused(post_comment(client, **fields), 403, "the author blocks")
    assert count(app) == 0


def test_bad_fields_are_refused(app, client, article, quick_forms):  # noqa: F811
    refused(post_comment(client, email="not an address"), 422, "is not valid")
    refused(post_comment(client, website="javascript:alert(1)"), 422, "http or https")
    refused(post_comment(client, name="x" * 81), 422, "longer than 80")
    refused(post_comment(client, body="   "), 422, "empty")
    assert count(app) == 0
