"""The History page and restore on big rewritten articles: bounded diffs, both versions readable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.content.test_diff import article, reworded
from webapp.content import diff as diff_module
from webapp.extensions import db
from webapp.models import Article, Revision
from webapp.services import revisions as history
from webapp.services.publishing import publish


@pytest.fixture
def diffs(monkeypatch):
    """Record every diff the History page computes."""
    made = []
    real = history.diff_sources

    def recording(old, new, *args, **kwargs):
        made.append(real(old, new, *args, **kwargs))
        return made[-1]

    monkeypatch.setattr(history, "diff_sources", recording)
    return made


def publish_twice(app, first: str, second: str) -> tuple[int, list[int]]:
    """Publish an article and save a second version; return its id and revision ids."""
    with app.app_context():
        article_id = publish(first, filename="big.md").article.id
        publish(second, filename="big.md")
        ids = list(
            db.session.scalars(
                select(Revision.id).where(Revision.article_id == article_id).order_by(Revision.id)
            )
        )
    return article_id, ids


def test_a_rewritten_100_kb_article_has_a_line_by_line_history_in_bounded_work(
    app, signed_in_client, diffs
):
    old = "---\ntitle: Big\n---\n" + article(100_000)
    new = "---\ntitle: Big\n---\n" + reworded(article(100_000))
    article_id, ids = publish_twice(app, old, new)
    response = signed_in_client.get(f"/admin/articles/{article_id}/revisions")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    (diff,) = diffs
    changed = sum(1 for line in old.split("\n")[3:] if line.strip())
    assert diff.exact and (diff.added, diff.removed) == (changed, changed)
    # The work is a small multiple of the line count, under the budget that bounds any diff.
    assert diff.work < 20 * (old.count("\n") + new.count("\n")) < diff_module.WORK_BUDGET
    # The page shows the first MAX_ROWS rows and links both versions in full.
    assert diff.truncated and html.count('<tr class="diff-') == diff_module.MAX_ROWS
    assert "The diff is too long to show in full" in html
    for revision_id in ids:
        assert f"/admin/articles/{article_id}/revisions/{revision_id}/source" in html


def test_restoring_the_older_version_of_a_rewritten_article(app, signed_in_client, diffs):
    old = "---\ntitle: Big\n---\n" + article(100_000)
    new = "---\ntitle: Big\n---\n" + reworded(article(100_000))
    article_id, ids = publish_twice(app, old, new)
    response = signed_in_client.post(
        f"/admin/articles/{article_id}/revisions/{ids[0]}/restore",
        data={"csrf_token": signed_in_client.csrf_token},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "as a new revision" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Article, article_id).source_md == old
    # The page it lands on compares the restored version with the rewritten one.
    assert diffs[-1].exact and diffs[-1].work < diff_module.WORK_BUDGET


def test_a_diff_that_runs_out_of_budget_says_so_and_links_both_versions(
    app, signed_in_client, monkeypatch, diffs
):
    monkeypatch.setattr(diff_module, "WORK_BUDGET", 500)
    monkeypatch.setattr(
        history,
        "diff_sources",
        lambda old, new: diffs.append(diff_module.diff_sources(old, new, budget=500)) or diffs[-1],
    )
    old = "---\ntitle: Big\n---\n" + article(20_000)
    new = "---\ntitle: Big\n---\n" + reworded(article(20_000))
    article_id, ids = publish_twice(app, old, new)
    html = signed_in_client.get(f"/admin/articles/{article_id}/revisions").get_data(as_text=True)
    assert not diffs[-1].exact and diffs[-1].work <= 500 + 1_000
    assert "differ too much to compare line by line" in html
    source = signed_in_client.get(f"/admin/articles/{article_id}/revisions/{ids[0]}/source")
    assert source.status_code == 200 and source.mimetype == "text/plain"
    assert source.get_data(as_text=True) == old


def test_a_revision_source_of_another_article_is_404(app, signed_in_client):
    with app.app_context():
        first = publish("---\ntitle: One\n---\nBody.\n").article.id
        other = publish("---\ntitle: Two\n---\nBody.\n").article
        revision = other.revisions[0].id
    assert (
        signed_in_client.get(f"/admin/articles/{first}/revisions/{revision}/source").status_code
        == 404
    )
