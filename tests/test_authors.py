"""Several authors: whose an upload is, and the author on articles, feeds, JSON-LD, their page,
in exports and in the admin's account pages."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from sqlalchemy import select

from tests import test_transfer
from tests.conftest import csrf_token_from
from webapp.extensions import db
from webapp.models import DRAFT, Article, User
from webapp.services import accounts, transfer
from webapp.services.permissions import Actor
from webapp.services.publishing import publish

PASSWORD = "a long enough secret"
# A second app with an empty database, to restore an export into.
empty_app = test_transfer.empty_app
HX = {"HX-Request": "true"}


@pytest.fixture
def people(app):
    """Create an admin, an editor and two authors (Bob shown as “Bob Builder”); return ids."""
    with app.app_context():
        return {
            "root": accounts.create_user("root", PASSWORD, "admin").id,
            "ed": accounts.create_user("ed", PASSWORD, "editor").id,
            "ann": accounts.create_user("ann", PASSWORD, "author", "Ann Lee").id,
            "bob": accounts.create_user("bob", PASSWORD, "author", "Bob Builder").id,
        }


def actor(app, name: str) -> Actor:
    with app.app_context():
        return Actor.of(accounts.find_user(name))


def signed_in(app, name: str):
    client = app.test_client()
    token = csrf_token_from(client)
    response = client.post(
        "/admin/login", data={"username": name, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    client.csrf_token = csrf_token_from(client, "/admin/upload")
    return client


def author_of(app, slug: str) -> str | None:
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        return article.author.username if article.author else None


def upload(client, markdown: str):
    return client.post(
        "/admin/upload", data={"markdown": markdown, "csrf_token": client.csrf_token}, headers=HX
    )


# Uploads


def test_an_upload_is_its_uploaders_article(app, people):
    ann = signed_in(app, "ann")
    response = upload(ann, "---\ntitle: Mine\nslug: mine\n---\nText.\n")
    assert response.status_code == 200 and "created" in response.get_data(as_text=True)
    assert author_of(app, "mine") == "ann"


def test_an_author_may_not_publish_as_someone_else(app, people):
    ann = signed_in(app, "ann")
    response = upload(ann, "---\ntitle: Forged\nslug: forged\nauthor: bob\n---\nText.\n")
    page = response.get_data(as_text=True)
    assert "only editors and admins may publish as another author" in page
    with app.app_context():
        assert db.session.scalar(select(Article).where(Article.slug == "forged")) is None


@pytest.mark.parametrize("named", ["bob", "Bob Builder"])
def test_an_editor_publishes_for_the_author_the_front_matter_names(app, people, named):
    ed = signed_in(app, "ed")
    upload(ed, f"---\ntitle: Guest\nslug: guest\nauthor: {named}\n---\nText.\n")
    assert author_of(app, "guest") == "bob"
    table = ed.get("/admin/articles").get_data(as_text=True)
    assert re.search(r'data-label="Author">Bob Builder</td>', table)


def test_an_author_naming_nobody_here_is_told_and_keeps_the_article(app, people):
    ann = signed_in(app, "ann")
    page = upload(ann, "---\ntitle: Hexo\nslug: hexo\nauthor: John Doe\n---\nText.\n")
    assert "has no account on this site, so it was not used" in page.get_data(as_text=True)
    assert author_of(app, "hexo") == "ann"


def test_an_author_uploading_a_file_another_author_has_gets_a_new_article(app, people):
    with app.app_context():
        publish("# Notes\n\nBob's.\n", filename="notes.md", actor=actor(app, "bob"))
        publish("# Notes\n\nAnn's.\n", filename="notes.md", actor=actor(app, "ann"))
        rows = db.session.execute(
            select(Article.slug, User.username).join(User).order_by(Article.id)
        ).all()
    assert [tuple(row) for row in rows] == [("notes", "bob"), ("notes-2", "ann")]


def test_an_editors_update_keeps_the_author_and_the_editor_can_reassign(app, people):
    with app.app_context():
        publish("---\ntitle: T\nslug: t\n---\nOne.\n", actor=actor(app, "bob"))
        publish("---\ntitle: T\nslug: t\n---\nTwo.\n", actor=actor(app, "ed"))
    assert author_of(app, "t") == "bob"
    with app.app_context():
        publish("---\ntitle: T\nslug: t\nauthor: ann\n---\nTwo.\n", actor=actor(app, "ed"))
    assert author_of(app, "t") == "ann"


def test_the_editor_refuses_a_forged_author_and_saves_nothing(app, people):
    with app.app_context():
        article = publish("---\ntitle: T\nslug: t\n---\nOne.\n", actor=actor(app, "ann"))
        article_id, digest = article.article.id, article.article.source_hash
    ann = signed_in(app, "ann")
    response = ann.post(
        f"/admin/articles/{article_id}/edit",
        data={"source": "---\ntitle: T\nauthor: bob\n---\nOne.\n", "csrf_token": ann.csrf_token},
    )
    assert response.status_code == 422
    assert "only editors and admins may publish as another author" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Article, article_id).source_hash == digest


def test_a_loose_image_goes_only_to_the_uploading_authors_articles(app, people):
    from tests.conftest import tiny_png

    with app.app_context():
        publish("---\ntitle: B\nslug: b\n---\n![](fig.png)\n", actor=actor(app, "bob"))
        publish("---\ntitle: A\nslug: a\n---\n![](fig.png)\n", actor=actor(app, "ann"))
    ann = signed_in(app, "ann")
    import io

    ann.post(
        "/admin/upload",
        data={"files": [(io.BytesIO(tiny_png()), "fig.png")], "csrf_token": ann.csrf_token},
        content_type="multipart/form-data",
    )
    with app.app_context():
        linked = {
            article.slug: [link.reference for link in article.images]
            for article in db.session.scalars(select(Article))
        }
    assert linked == {"a": ["fig.png"], "b": []}


# Readers


@pytest.fixture
def bobs_article(app, people):
    with app.app_context():
        return publish(
            "---\ntitle: Bob's piece\nslug: bobs-piece\n---\nBody.\n", actor=actor(app, "bob")
        ).article.id


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_the_article_names_its_author_with_a_link_to_their_page(app, client, bobs_article):
    html = client.get("/posts/bobs-piece/").get_data(as_text=True)
    assert re.search(r'By <a href="/authors/bob/" rel="author">Bob Builder</a>', html)
    author = json_ld(html)["author"]
    assert author == {
        "@type": "Person",
        "name": "Bob Builder",
        "url": "http://blog.test/authors/bob/",
    }


def test_an_article_without_an_author_is_the_sites(app, client):
    app.config["SITE_AUTHOR"] = "Signal Team"
    with app.app_context():
        publish("---\ntitle: Old\nslug: old\n---\nBody.\n")
    html = client.get("/posts/old/").get_data(as_text=True)
    assert "By Signal Team" in html and "/authors/" not in html
    assert json_ld(html)["author"] == {"@type": "Person", "name": "Signal Team"}


def test_feeds_name_each_entrys_author(app, client, bobs_article):
    with app.app_context():
        publish("---\ntitle: Site's\nslug: sites\n---\nBody.\n")
    atom = client.get("/feed.xml").get_data(as_text=True)
    assert (
        "<author><name>Bob Builder</name><uri>http://blog.test/authors/bob/</uri></author>" in atom
    )
    assert atom.count("<author><name>Signal &amp; Noise</name></author>") == 2  # feed and entry
    rss = client.get("/rss.xml").get_data(as_text=True)
    assert "<dc:creator>Bob Builder</dc:creator>" in rss
    assert "<dc:creator>Signal &amp; Noise</dc:creator>" in rss


def test_a_new_display_name_shows_on_the_cached_article_and_feed(app, client, bobs_article):
    assert "Bob Builder" in client.get("/posts/bobs-piece/").get_data(as_text=True)
    assert "Bob Builder" in client.get("/feed.xml").get_data(as_text=True)
    root = signed_in(app, "root")
    with app.app_context():
        bob_id = accounts.find_user("bob").id
    response = root.post(
        f"/admin/users/{bob_id}/name",
        data={"display_name": "Robert B.", "csrf_token": root.csrf_token},
    )
    assert response.status_code == 302
    assert "Robert B." in client.get("/posts/bobs-piece/").get_data(as_text=True)
    assert "Robert B." in client.get("/feed.xml").get_data(as_text=True)
    assert "Robert B." in client.get("/authors/bob/").get_data(as_text=True)


def test_the_author_page_lists_their_visible_articles_with_load_more(app, client, people):
    app.config["CARDS_PER_PAGE"] = 2
    bob = actor(app, "bob")
    with app.app_context():
        for n in range(3):
            publish(f"---\ntitle: Bob {n}\nslug: bob-{n}\n---\nBody {n}.\n", actor=bob)
        publish("---\ntitle: Bob draft\nslug: bob-draft\ndraft: true\n---\nX.\n", actor=bob)
        publish("---\ntitle: Ann's\nslug: anns\n---\nX.\n", actor=actor(app, "ann"))
        assert db.session.scalar(select(Article.status).where(Article.slug == "bob-draft")) == DRAFT
    page = client.get("/authors/bob/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "AUTHOR: Bob Builder" in html
    assert "3 articles" in html
    assert "Bob 2" in html and "Bob 1" in html and "Bob 0" not in html
    assert "Bob draft" not in html and "Ann&#39;s" not in html
    assert "HX-Request" in page.headers["Vary"]
    more = re.search(r'class="load-more-link" href="([^"]+)"', html)
    assert more, "no load-more link"
    url = more.group(1).replace("&amp;", "&")
    fragment = client.get(url, headers=HX).get_data(as_text=True)
    assert "Bob 0" in fragment and "<html" not in fragment
    boosted = client.get(url, headers={**HX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in boosted and "Bob 0" in boosted


@pytest.mark.parametrize("slug", ["nobody", "root"])
def test_an_unknown_author_or_one_with_no_articles_has_no_page(app, client, people, slug):
    assert client.get(f"/authors/{slug}/").status_code == 404


# The admin's account pages


def post(client, url: str, **data):
    return client.post(url, data={**data, "csrf_token": client.csrf_token})


def user(app, name: str) -> User | None:
    with app.app_context():
        found = accounts.find_user(name)
        if found is not None:
            db.session.expunge(found)
        return found


def test_the_admin_creates_an_account_with_a_role(app, people):
    root = signed_in(app, "root")
    response = post(
        root, "/admin/users", username="cat", password=PASSWORD, role="editor", display_name="Cat"
    )
    assert response.status_code == 302
    created = user(app, "cat")
    assert (created.role, created.display_name, created.slug) == ("editor", "Cat", "cat")
    assert "cat" in root.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "ann", "password": PASSWORD, "role": "author"}, "already exists"),
        ({"username": "dan", "password": "short", "role": "author"}, "at least 8 characters"),
        ({"username": "dan", "password": PASSWORD, "role": "owner"}, "There is no role"),
    ],
)
def test_a_bad_new_account_is_refused_and_nothing_saved(app, people, fields, message):
    root = signed_in(app, "root")
    response = post(root, "/admin/users", **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert user(app, "dan") is None


def test_the_forms_need_the_csrf_token(app, people):
    root = signed_in(app, "root")
    response = root.post("/admin/users", data={"username": "eve", "password": PASSWORD})
    assert response.status_code == 400 and user(app, "eve") is None


def test_the_last_admin_is_never_demoted_disabled_or_deleted(app, people):
    root = signed_in(app, "root")
    root_id = people["root"]
    demoted = post(root, f"/admin/users/{root_id}/role", role="author")
    assert demoted.status_code == 422 and "last admin" in demoted.get_data(as_text=True)
    disabled = post(root, f"/admin/users/{root_id}/disable", disabled="1")
    assert disabled.status_code == 422
    assert user(app, "root").role == "admin" and user(app, "root").disabled_at is None
    with app.app_context(), pytest.raises(accounts.AccountError, match="last admin"):
        from webapp.services.users import delete_user

        delete_user(accounts.find_user("root"), None, accounts.find_user("ed"))
    assert user(app, "root") is not None


def test_changing_a_role_and_resetting_a_password(app, people):
    root = signed_in(app, "root")
    bob = signed_in(app, "bob")
    assert post(root, f"/admin/users/{people['bob']}/role", role="editor").status_code == 302
    assert user(app, "bob").role == "editor"
    reset = post(root, f"/admin/users/{people['bob']}/password", password="brand new secret")
    assert reset.status_code == 302
    assert bob.get("/admin/articles").status_code == 302  # signed out everywhere
    with app.app_context():
        assert accounts.authenticate("bob", "brand new secret", "127.0.0.1") is not None


@pytest.mark.parametrize("to", ["ann", "site"])
def test_deleting_an_account_hands_its_articles_over_as_chosen(app, client, bobs_article, to):
    root = signed_in(app, "root")
    confirm = root.get(f"/admin/users/{people_id(app, 'bob')}/delete").get_data(as_text=True)
    assert "Its 1 article goes to" in confirm
    choice = str(people_id(app, "ann")) if to == "ann" else "site"
    response = post(root, f"/admin/users/{people_id(app, 'bob')}/delete", articles_to=choice)
    assert response.status_code == 302
    assert user(app, "bob") is None
    assert author_of(app, "bobs-piece") == ("ann" if to == "ann" else None)
    html = client.get("/posts/bobs-piece/").get_data(as_text=True)
    assert ("Ann Lee" if to == "ann" else "By Signal &amp; Noise") in html
    assert client.get("/authors/bob/").status_code == 404


def people_id(app, name: str) -> int:
    return user(app, name).id


def test_an_admin_cannot_delete_their_own_account(app, people):
    root = signed_in(app, "root")
    signed_in(app, "ed")
    with app.app_context():
        accounts.set_role(accounts.find_user("ed"), "admin")
    response = post(root, f"/admin/users/{people['root']}/delete", articles_to="site")
    assert response.status_code == 422 and "cannot delete itself" in response.get_data(as_text=True)
    assert user(app, "root") is not None


# Export and import


def test_export_and_import_carry_the_author(app, runner, empty_app, bobs_article, tmp_path):
    with app.app_context():
        publish("---\ntitle: Nobody's\nslug: nobodys\n---\nBody.\n")
    path = tmp_path / "export.zip"
    assert runner.invoke(args=["export", str(path), "--accounts"]).exit_code == 0
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(transfer.MANIFEST))
    authors = {entry["slug"]: entry["author"] for entry in manifest["articles"]}
    assert authors == {"bobs-piece": "bob", "nobodys": None}
    roles = {item["username"]: item["role"] for item in manifest["accounts"]["users"]}
    assert roles["bob"] == "author" and roles["ed"] == "editor"
    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    with restored.app_context():
        rows = dict(
            db.session.execute(
                select(Article.slug, User.username).outerjoin(User, User.id == Article.author_id)
            ).all()
        )
        bob = accounts.find_user("bob")
        assert (bob.role, bob.display_name) == ("author", "Bob Builder")
    assert rows == {"bobs-piece": "bob", "nobodys": None}


def test_an_import_without_the_account_says_whose_it_was(
    app, runner, empty_app, bobs_article, tmp_path
):
    path = tmp_path / "export.zip"
    assert runner.invoke(args=["export", str(path)]).exit_code == 0
    restored = empty_app()
    result = restored.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "its author “bob” has no account on this site" in result.output
    with restored.app_context():
        assert db.session.scalar(select(Article.author_id)) is None
