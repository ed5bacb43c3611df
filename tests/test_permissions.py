"""Who may write what, route by route: every write route of the admin and the API is here.

Admins may do everything, editors write every article but not accounts or the site's
export and restore, authors write only their own articles. A parametrized test goes over
the whole route map, so a new write route without an expectation fails the suite.
"""

from __future__ import annotations

import functools
import io

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token_from, make_zip
from webapp.extensions import db
from webapp.jobs import records
from webapp.jobs.models import UPLOAD, Job
from webapp.models import (
    ApiToken,
    Article,
    ArticleAddress,
    Comment,
    CommentClosure,
    CommentSettings,
    Revision,
    User,
)
from webapp.services import accounts
from webapp.services.permissions import Actor
from webapp.services.publishing import publish
from webapp.services.tokens import create_token

PASSWORD = "a long enough secret"
BOB_SOURCE = "---\ntitle: Bob's note\nslug: bobs-note\n---\nBob wrote this.\n"
ANN_SOURCE = "---\ntitle: Ann's note\nslug: anns-note\n---\nAnn wrote this.\n"
ROLES = ("admin", "editor", "author")

# What each route is, for its permission check:
ARTICLE = "article"  # another author's article: authors 403, editors and admins may
ADMIN_ONLY = "admin only"  # accounts, export and restore: editors and authors 403
JOB = "job"  # another account's job: authors 404 (not listed to them), the others may
OWN = "own"  # the account's own things (its tokens, language, sign-out): everyone
LIST = "list"  # everyone may open it; an author sees only their own articles
PUBLIC = "public"  # sign-in itself
READER = "reader"  # readers' own forms (commenting, unsubscribing): no account needed

ROUTES = {
    ("admin.account", "GET"): OWN,
    ("admin.account", "POST"): OWN,
    ("admin.add_addresses", "POST"): ARTICLE,
    ("admin.approve_comment", "POST"): ARTICLE,
    ("admin.articles", "GET"): LIST,
    ("admin.close_comments", "POST"): ARTICLE,
    ("admin.comment_settings", "POST"): ADMIN_ONLY,
    ("admin.comments", "GET"): LIST,
    ("admin.delete", "GET"): ARTICLE,
    ("admin.delete_comment", "POST"): ARTICLE,
    ("admin.delete", "POST"): ARTICLE,
    ("admin.download_export", "GET"): ADMIN_ONLY,
    ("admin.edit", "GET"): ARTICLE,
    ("admin.edit", "POST"): ARTICLE,
    ("admin.empty_trash", "GET"): LIST,
    ("admin.empty_trash", "POST"): LIST,
    ("admin.index", "GET"): OWN,
    ("admin.issue_preview_link", "POST"): ARTICLE,
    ("admin.job", "GET"): JOB,
    ("admin.jobs", "GET"): LIST,
    ("admin.login", "GET"): PUBLIC,
    ("admin.login", "POST"): PUBLIC,
    ("admin.logout", "POST"): OWN,
    ("admin.pages", "GET"): LIST,
    ("admin.preview", "POST"): ARTICLE,
    ("admin.remove_address", "POST"): ARTICLE,
    ("admin.reopen_comments", "POST"): ARTICLE,
    ("admin.reply_comment", "POST"): ARTICLE,
    ("admin.restore", "POST"): ARTICLE,
    ("admin.restore_revision", "POST"): ARTICLE,
    ("admin.restore_upload", "POST"): ADMIN_ONLY,
    ("admin.resume_job", "POST"): JOB,
    ("admin.revision_source", "GET"): ARTICLE,
    ("admin.revisions", "GET"): ARTICLE,
    ("admin.revoke_preview_link", "POST"): ARTICLE,
    ("admin.revoke_token", "POST"): OWN,
    ("admin.set_status", "POST"): ARTICLE,
    ("admin.spam_comment", "POST"): ARTICLE,
    ("admin.start_export", "POST"): ADMIN_ONLY,
    ("admin.tokens", "GET"): OWN,
    ("admin.tokens", "POST"): OWN,
    ("admin.transfer", "GET"): ADMIN_ONLY,
    ("admin.trash", "GET"): LIST,
    ("admin.upload", "GET"): OWN,
    ("admin.upload", "POST"): OWN,
    ("admin.user_delete", "GET"): ADMIN_ONLY,
    ("admin.user_delete", "POST"): ADMIN_ONLY,
    ("admin.user_disable", "POST"): ADMIN_ONLY,
    ("admin.user_name", "POST"): ADMIN_ONLY,
    ("admin.user_password", "POST"): ADMIN_ONLY,
    ("admin.user_role", "POST"): ADMIN_ONLY,
    ("admin.users_list", "GET"): ADMIN_ONLY,
    ("admin.users_list", "POST"): ADMIN_ONLY,
    ("api.job", "GET"): JOB,
    ("comments.create", "POST"): READER,
    ("comments.preview", "POST"): READER,
    ("comments.unsubscribe", "GET"): READER,
    ("comments.unsubscribe", "POST"): READER,
    ("api.publish_articles", "POST"): ARTICLE,
}


def test_every_admin_and_api_route_and_every_write_route_has_an_expectation(app):
    found = set()
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"HEAD", "OPTIONS"}
        writes = methods & {"POST", "PUT", "PATCH", "DELETE"}
        if rule.endpoint.split(".")[0] in ("admin", "api") or writes:
            found |= {(rule.endpoint, method) for method in methods}
    assert found == set(ROUTES)


# Hashing a password (scrypt) is most of an account's cost; these tests make five
# accounts each, with one password, and check permissions, not hashing.
_hash_once = functools.cache(accounts.generate_password_hash)


@pytest.fixture
def site(app, monkeypatch):
    """Create an account per role plus Bob, a second author, with his article, job, token."""
    monkeypatch.setattr(accounts, "generate_password_hash", _hash_once)
    with app.app_context():
        ids = {}
        for name, role in (("root", "admin"), ("ed", "editor"), ("ann", "author")):
            ids[role] = accounts.create_user(name, PASSWORD, role).id
        bob = accounts.create_user("bob", PASSWORD, "author", "Bob Builder")
        ids["bob"] = bob.id
        article = publish(BOB_SOURCE, filename="bob.md", actor=Actor.of(bob)).article
        article.addresses.append(ArticleAddress(path="/old/bobs-note", origin="author"))
        db.session.commit()
        ids["article"] = article.id
        ids["revision"] = db.session.scalar(
            select(Revision.id).where(Revision.article_id == article.id)
        )
        ids["address"] = article.addresses[0].id
        ids["job"] = records.create_job(UPLOAD, "bob.zip", 1, bob.id).id
        comment = Comment(
            article_id=article.id, name="A reader", source_md="Nice.", html="<p>Nice.</p>"
        )
        db.session.add(comment)
        db.session.commit()
        ids["comment"] = comment.id
        token, _secret = create_token(bob, "bob's laptop")
        ids["bob_token"] = token.id
        for role in ROLES:
            user = db.session.get(User, ids[role])
            ids[f"{role}_token"], ids[f"{role}_secret"] = (lambda made: (made[0].id, made[1]))(
                create_token(user, "script")
            )
    return ids


def sign_in(client, name: str) -> str:
    """Sign a client in; return the CSRF token of its session."""
    token = csrf_token_from(client)
    response = client.post(
        "/admin/login", data={"username": name, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return csrf_token_from(client, "/admin/upload")


NAMES = {"admin": "root", "editor": "ed", "author": "ann"}


def request_for(endpoint: str, method: str, ids: dict, role: str) -> tuple[str, dict]:
    """Return the URL and form fields that exercise a route against Bob's things."""
    article, job, user, comment = ids["article"], ids["job"], ids["bob"], ids["comment"]
    edited = BOB_SOURCE.replace("Bob wrote this.", "Changed by someone.")
    table = {
        "admin.account": ("/admin/account", {"language": "en"}),
        "admin.add_addresses": (
            f"/admin/articles/{article}/addresses",
            {"addresses": "/2020/01/old-bob"},
        ),
        "admin.approve_comment": (f"/admin/comments/{comment}/approve", {}),
        "admin.articles": ("/admin/articles", {}),
        "admin.close_comments": ("/admin/comments/close", {"slug": "bobs-note"}),
        "admin.comment_settings": ("/admin/comments/settings", {"auto_approve": "on"}),
        "admin.comments": ("/admin/comments", {}),
        "admin.delete": (f"/admin/articles/{article}/delete", {}),
        "admin.delete_comment": (f"/admin/comments/{comment}/delete", {}),
        "admin.download_export": (f"/admin/transfer/export/{job}.zip", {}),
        "admin.edit": (f"/admin/articles/{article}/edit", {"source": edited}),
        "admin.empty_trash": ("/admin/trash/empty", {}),
        "admin.index": ("/admin/", {}),
        "admin.issue_preview_link": (f"/admin/articles/{article}/preview-link", {}),
        "admin.job": (f"/admin/jobs/{job}", {}),
        "admin.jobs": ("/admin/jobs/", {}),
        "admin.login": ("/admin/login", {"username": "nobody", "password": "x"}),
        "admin.logout": ("/admin/logout", {}),
        "admin.pages": ("/admin/pages", {}),
        "admin.preview": ("/admin/preview", {"article_id": str(article), "source": "# Hi"}),
        "admin.remove_address": (
            f"/admin/articles/{article}/addresses/{ids['address']}/remove",
            {},
        ),
        "admin.reopen_comments": ("/admin/comments/reopen", {"slug": "bobs-note"}),
        "admin.reply_comment": (f"/admin/comments/{comment}/reply", {"body": "Thanks."}),
        "admin.restore": (f"/admin/articles/{article}/restore", {}),
        "admin.revoke_preview_link": (f"/admin/articles/{article}/preview-link/revoke", {}),
        "admin.restore_revision": (
            f"/admin/articles/{article}/revisions/{ids['revision']}/restore",
            {},
        ),
        "admin.restore_upload": ("/admin/transfer/restore", {}),
        "admin.resume_job": (f"/admin/jobs/{job}/resume", {}),
        "admin.revision_source": (
            f"/admin/articles/{article}/revisions/{ids['revision']}/source",
            {},
        ),
        "admin.revisions": (f"/admin/articles/{article}/revisions", {}),
        # One's own token: nobody revokes another account's (test_tokens_are_personal).
        "admin.revoke_token": (f"/admin/tokens/{ids[f'{role}_token']}/revoke", {}),
        "admin.spam_comment": (f"/admin/comments/{comment}/spam", {}),
        "admin.set_status": (f"/admin/articles/{article}/status", {"status": "draft"}),
        "admin.start_export": ("/admin/transfer/export", {}),
        "admin.tokens": ("/admin/tokens", {"name": "another"}),
        "admin.transfer": ("/admin/transfer", {}),
        "admin.trash": ("/admin/trash", {}),
        "admin.upload": ("/admin/upload", {"markdown": ANN_SOURCE}),
        "admin.user_delete": (f"/admin/users/{user}/delete", {"articles_to": "site"}),
        "admin.user_disable": (f"/admin/users/{user}/disable", {"disabled": "1"}),
        "admin.user_name": (f"/admin/users/{user}/name", {"display_name": "B."}),
        "admin.user_password": (f"/admin/users/{user}/password", {"password": "x" * 12}),
        "admin.user_role": (f"/admin/users/{user}/role", {"role": "editor"}),
        "admin.users_list": (
            "/admin/users",
            {"username": "newbie", "password": PASSWORD, "role": "author"},
        ),
    }
    return table[endpoint]


def snapshot(app) -> tuple:
    """Return what a refused request must leave as it was: Bob's article, accounts, jobs."""
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "bobs-note"))
        return (
            (
                article.version,
                article.status,
                article.deleted_at,
                article.source_hash,
                article.author_id,
                len(article.addresses),
            )
            if article
            else None,
            tuple(
                db.session.execute(
                    select(User.username, User.role, User.disabled_at, User.password_hash)
                ).all()
            ),
            tuple(db.session.execute(select(Job.id, Job.state)).all()),
            db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.revoked_at.is_(None))),
            tuple(db.session.execute(select(Comment.id, Comment.status)).all()),
            tuple(db.session.scalars(select(CommentClosure.article_id))),
            tuple(db.session.execute(select(CommentSettings.auto_approve)).all()),
        )


def expected_refusal(kind: str, role: str) -> int | None:
    """Return the status a role gets for a kind of route, or None when it may go ahead."""
    if kind == ADMIN_ONLY and role != "admin":
        return 403
    if kind == ARTICLE and role == "author":
        return 403
    if kind == JOB and role == "author":
        return 404
    return None


ADMIN_CASES = sorted(key for key in ROUTES if key[0].startswith("admin."))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "method"), ADMIN_CASES)
def test_each_admin_route_lets_each_role_do_what_it_may(app, client, site, role, endpoint, method):
    csrf = sign_in(client, NAMES[role])
    url, data = request_for(endpoint, method, site, role)
    before = snapshot(app)
    if method == "GET":
        response = client.get(url)
    else:
        files = {}
        if endpoint == "admin.restore_upload":
            files = {"export": (io.BytesIO(make_zip({"a.md": "# A"})), "export.zip")}
        response = client.post(
            url, data={**data, **files, "csrf_token": csrf}, content_type="multipart/form-data"
        )
    refusal = expected_refusal(ROUTES[(endpoint, method)], role)
    if refusal is not None:
        assert response.status_code == refusal, response.get_data(as_text=True)[:300]
        assert snapshot(app) == before
    else:
        assert response.status_code not in (401, 403), response.get_data(as_text=True)[:300]
        assert response.status_code < 500


@pytest.mark.parametrize("role", ROLES)
def test_the_api_token_acts_as_its_account(app, client, site, role):
    before = snapshot(app)
    edited = BOB_SOURCE.replace("Bob wrote this.", "Changed through the API.")
    response = client.post(
        "/api/articles?filename=bob.md",
        data=edited.encode(),
        headers={
            "Authorization": f"Bearer {site[f'{role}_secret']}",
            "Content-Type": "text/markdown",
        },
    )
    if role == "author":
        assert response.status_code == 422
        [result] = response.json["results"]
        assert result["outcome"] == "rejected"
        assert "another author's article" in result["reason"]
        assert snapshot(app) == before
    else:
        assert response.status_code == 200
        assert response.json["results"][0]["outcome"] == "updated"
        with app.app_context():
            article = db.session.scalar(select(Article).where(Article.slug == "bobs-note"))
            assert "Changed through the API." in article.source_md
            assert article.author_id == site["bob"]  # an editor's edit keeps the author


@pytest.mark.parametrize("role", ROLES)
def test_the_api_shows_another_accounts_job_only_to_editors_and_admins(app, client, site, role):
    response = client.get(
        f"/api/jobs/{site['job']}",
        headers={"Authorization": f"Bearer {site[f'{role}_secret']}"},
    )
    assert response.status_code == (404 if role == "author" else 200)


def test_tokens_are_personal_even_for_an_admin(app, client, site):
    csrf = sign_in(client, "root")
    response = client.post(f"/admin/tokens/{site['bob_token']}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, site["bob_token"]).revoked_at is None


def test_an_author_lists_and_empties_only_their_own_articles(app, client, site):
    with app.app_context():
        ann = db.session.get(User, site["author"])
        mine = publish(ANN_SOURCE, filename="ann.md", actor=Actor.of(ann)).article
        for article in db.session.scalars(select(Article)):
            article.deleted_at = article.created_at
        db.session.commit()
        mine_id = mine.id
    csrf = sign_in(client, "ann")
    trash = client.get("/admin/trash").get_data(as_text=True)
    assert "Ann&#39;s note" in trash or "Ann's note" in trash
    assert "Bob" not in trash
    client.post("/admin/trash/empty", data={"csrf_token": csrf})
    with app.app_context():
        assert db.session.get(Article, mine_id) is None
        assert db.session.get(Article, site["article"]) is not None
    jobs = client.get("/admin/jobs/").get_data(as_text=True)
    assert "bob.zip" not in jobs


def test_an_editor_sees_every_article_and_job(app, client, site):
    sign_in(client, "ed")
    assert "Bob&#39;s note" in client.get("/admin/articles").get_data(as_text=True)
    assert "bob.zip" in client.get("/admin/jobs/").get_data(as_text=True)


def test_an_author_cannot_reach_the_accounts_or_export_links(app, client, site):
    sign_in(client, "ann")
    page = client.get("/admin/articles").get_data(as_text=True)
    assert "/admin/users" not in page and "/admin/transfer" not in page
    sign_in_admin = app.test_client()
    sign_in(sign_in_admin, "root")
    page = sign_in_admin.get("/admin/articles").get_data(as_text=True)
    assert "/admin/users" in page and "/admin/transfer" in page


def test_a_disabled_account_is_signed_out_and_its_token_refused(app, client, site):
    sign_in(client, "ann")
    with app.app_context():
        accounts.set_disabled(db.session.get(User, site["author"]), True)
    assert client.get("/admin/articles").status_code == 302
    response = client.post(
        "/api/articles",
        data=ANN_SOURCE.encode(),
        headers={
            "Authorization": f"Bearer {site['author_secret']}",
            "Content-Type": "text/markdown",
        },
    )
    assert response.status_code == 401
    again = app.test_client()
    token = csrf_token_from(again)
    refused = again.post(
        "/admin/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 200 and "Wrong username or password" in refused.get_data(
        as_text=True
    )


def test_an_author_moderates_only_the_comments_on_their_own_articles(client, site):
    sign_in(client, NAMES["author"])
    page = client.get("/admin/comments").get_data(as_text=True)
    assert "Nice." not in page and "Comment settings" not in page
    client.post("/admin/logout", data={"csrf_token": csrf_token_from(client, "/admin/upload")})
    sign_in(client, NAMES["editor"])
    page = client.get("/admin/comments").get_data(as_text=True)
    assert "Nice." in page and "Comment settings" not in page
