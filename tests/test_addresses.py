"""Old addresses: bundles from Hexo, Jekyll and Hugo keep their addresses, each answering 301
to the article; old tag and category addresses follow; the author edits the list."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from, make_zip
from webapp.extensions import db
from webapp.models import Article, ArticleAddress
from webapp.services import authoring
from webapp.services.ingest import IncomingFile, UploadLimits, ingest_files
from webapp.services.publishing import Publisher

LIMITS = UploadLimits(max_file_bytes=1 << 20, max_upload_bytes=1 << 24)
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "realworld"


def upload(app, files: dict[str, bytes], publisher: Publisher | None = None):
    with app.app_context():
        incoming = [IncomingFile(name, data) for name, data in files.items()]
        return ingest_files(incoming, limits=LIMITS, publisher=publisher)


def addresses_of(app, slug: str) -> dict[str, str]:
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        return {address.path: address.origin for address in article.addresses}


def assert_moved(client, address: str, slug: str) -> None:
    response = client.get(quote(address))
    assert response.status_code == 301, (address, response.status_code)
    assert response.headers["Location"] == f"/posts/{quote(slug)}/"


# --- Hexo -------------------------------------------------------------------------------

HEXO_CONFIG = """\
title: My Hexo Blog
url: https://old.example.com
root: /
permalink: :year/:month/:day/:title/
tag_dir: tags
category_dir: categories
"""
HEXO_POST = """\
---
title: Hello World
date: 2024-01-18 10:00:00
categories:
- Tech
- Web Dev
tags:
- Machine Learning
- python
---
Hello from Hexo.
"""


def test_hexo_bundle_keeps_its_default_and_front_matter_permalinks(app, client):
    bundle = make_zip(
        {
            "blog/_config.yml": HEXO_CONFIG,
            "blog/source/_posts/hello-world.md": HEXO_POST,
            "blog/source/_posts/about-site.md": (
                "---\ntitle: About this site\ndate: 2023-05-01\npermalink: about/\n---\nAbout.\n"
            ),
            "blog/source/_posts/undated.md": "---\ntitle: Undated\n---\nNo date.\n",
        }
    )
    results = upload(app, {"blog.zip": bundle})
    by_name = {result.name.split("/")[-1]: result for result in results}
    assert all(result.outcome == "created" for result in results)
    assert by_name["undated.md"].warnings == [
        "no date in the front matter, so its old Hexo address is unknown"
    ]
    assert addresses_of(app, "hello-world") == {"/2024/01/18/hello-world": "hexo"}
    # The front matter permalink also gives the slug, as a Hexo user expects.
    assert addresses_of(app, "about") == {"/about": "hexo"}
    for form in (
        "/2024/01/18/hello-world/",
        "/2024/01/18/hello-world",
        "/2024/01/18/hello-world/index.html",
    ):
        assert_moved(client, form, "hello-world")
    # The old site's query string means nothing here and is left off.
    response = client.get("/2024/01/18/hello-world/?from=rss")
    assert response.headers["Location"] == "/posts/hello-world/"
    assert client.head("/2024/01/18/hello-world/").status_code == 301
    assert_moved(client, "/about/", "about")
    # The article's own page answers as before, and an unknown address is still a 404.
    assert client.get("/posts/hello-world/").status_code == 200
    assert client.get("/2024/01/18/nothing-here/").status_code == 404


def test_hexo_custom_permalink_with_root_and_category(app, client):
    config = "permalink: :category/:post_title.html\nroot: /blog/\n"
    bundle = make_zip({"_config.yml": config, "source/_posts/hello-world.md": HEXO_POST})
    upload(app, {"site.zip": bundle})
    assert addresses_of(app, "hello-world") == {"/blog/Tech/Web-Dev/hello-world.html": "hexo"}
    assert_moved(client, "/blog/Tech/Web-Dev/hello-world.html", "hello-world")


def test_old_hexo_tag_and_category_addresses_move_to_ours(app, client):
    bundle = make_zip({"_config.yml": HEXO_CONFIG, "source/_posts/hello-world.md": HEXO_POST})
    upload(app, {"blog.zip": bundle})
    # Raw names (Hexo with filename_case 0 keeps case and spaces become "-").
    response = client.get(quote("/tags/Machine-Learning/"))
    assert (response.status_code, response.headers["Location"]) == (
        301,
        "/tags/machine-learning/",
    )
    assert client.get(quote("/tags/Machine Learning/")).headers["Location"] == (
        "/tags/machine-learning/"
    )
    response = client.get(quote("/categories/Tech/Web-Dev/"))
    assert response.status_code == 301
    assert response.headers["Location"] == quote("/categories/Tech/Web Dev/")
    # Addresses that are already ours are served, not moved; unknown ones stay 404.
    assert client.get("/tags/python/").status_code == 200
    assert client.get(quote("/categories/Tech/Web Dev/")).status_code == 200
    assert client.get("/tags/no-such-tag/").status_code == 404
    assert client.get("/categories/Tech/Nothing/").status_code == 404


# --- Jekyll -----------------------------------------------------------------------------


def test_jekyll_bundle_pretty_permalinks_and_redirect_from(app, client):
    bundle = make_zip(
        {
            "_config.yml": "title: Jekyll site\npermalink: pretty\nplugins:\n  - jekyll-redirect-from\n",
            "_posts/2024-01-18-hello.md": (
                "---\nlayout: post\ntitle: Hello\ncategories: notes\n"
                "redirect_from:\n  - /old/hello/\n  - /hello.html\n---\nHi.\n"
            ),
            "_posts/2024-02-03-second.md": (
                "---\ntitle: Second\nredirect_from: /2024/second.html\n---\nTwo.\n"
            ),
            "index.md": "---\nlayout: home\n---\n",
            "about.md": "---\ntitle: About\n---\nAbout me.\n",
        }
    )
    upload(app, {"jekyll.zip": bundle})
    assert addresses_of(app, "hello") == {
        "/notes/2024/01/18/hello": "jekyll",
        "/old/hello": "jekyll",
        "/hello.html": "jekyll",
    }
    assert_moved(client, "/notes/2024/01/18/hello/", "hello")
    assert_moved(client, "/old/hello/", "hello")
    assert_moved(client, "/hello.html", "hello")
    assert_moved(client, "/2024/02/03/second/", "second")
    assert_moved(client, "/2024/second.html", "second")
    assert_moved(client, "/about/", "about")


def test_jekyll_date_default_and_archive_addresses(app, client):
    bundle = make_zip(
        {
            "_config.yml": "title: Jekyll site\n",
            "_posts/2024-01-18-hello.md": (
                "---\ntitle: Hello\ncategory: Web Dev\ntags: [Machine Learning]\n---\nHi.\n"
            ),
        }
    )
    upload(app, {"jekyll.zip": bundle})
    assert_moved(client, "/web dev/2024/01/18/hello.html", "hello")
    # jekyll-archives' /tag/<slug>/ and /category/<slug>/.
    assert client.get("/tag/machine-learning/").headers["Location"] == "/tags/machine-learning/"
    assert client.get("/category/web-dev/").headers["Location"] == quote("/categories/Web Dev/")


# --- Hugo -------------------------------------------------------------------------------

HUGO_CONFIG = """\
baseURL = "https://old.example.org/"
title = "Hugo site"

[permalinks]
  posts = "/:year/:month/:slug/"
"""


def test_hugo_bundle_permalinks_aliases_url_and_page_bundles(app, client):
    bundle = make_zip(
        {
            "site/hugo.toml": HUGO_CONFIG,
            "site/content/posts/first-post.md": (
                '+++\ntitle = "First Post"\ndate = 2024-01-18T10:00:00+08:00\n'
                'aliases = ["/old/first/", "first.html"]\ntags = ["Deep Learning"]\n'
                'categories = ["Machine Learning"]\n+++\nFirst.\n'
            ),
            "site/content/posts/trip/index.md": (
                "---\ntitle: A Trip\ndate: 2024-03-01\nslug: my-trip\n---\nTrip.\n"
            ),
            "site/content/notes/Reading List.md": "---\ntitle: Reading\n---\nBooks.\n",
            "site/content/special.md": "---\ntitle: Special\nurl: /legacy/special.html\n---\nS.\n",
        }
    )
    upload(app, {"hugo.zip": bundle})
    assert addresses_of(app, "first-post") == {
        "/2024/01/first-post": "hugo",
        "/old/first": "hugo",
        "/2024/01/first.html": "hugo",
    }
    assert_moved(client, "/2024/01/first-post/", "first-post")
    assert_moved(client, "/old/first/", "first-post")
    assert_moved(client, "/2024/01/first.html", "first-post")
    assert_moved(client, "/2024/03/my-trip/", "my-trip")
    assert_moved(client, "/notes/reading-list/", "reading")
    assert_moved(client, "/legacy/special.html", "special")
    # Hugo's taxonomy pages: /tags/<urlized>/ and /categories/<urlized>/.
    assert client.get("/tags/deep-learning/").status_code == 200
    response = client.get("/categories/machine-learning/")
    assert response.headers["Location"] == quote("/categories/Machine Learning/")


def test_hugo_default_address_without_permalinks(app, client):
    bundle = make_zip(
        {
            "config.yaml": "baseURL: https://x.example/\n",
            "content/post/Some Title.md": "---\ntitle: 完全不同的标题\n---\nBody.\n",
        }
    )
    upload(app, {"hugo.zip": bundle})
    slug = "完全不同的标题"
    assert addresses_of(app, slug) == {"/post/some-title": "hugo"}
    assert_moved(client, "/post/some-title/", slug)


def test_real_hugo_note_with_chinese_aliases(app, client):
    """A note from a real Hugo blog names its old addresses in TOML front matter."""
    note = CORPUS / "ouuan__hugo-blog" / "content" / "post" / "AC自动机学习笔记.md"
    upload(app, {note.name: note.read_bytes()})
    slug = "ac自动机学习笔记"
    assert addresses_of(app, slug) == {
        "/post/AC自动机学习笔记": "front matter",
        "/AC自动机学习笔记": "front matter",
    }
    assert_moved(client, "/post/AC自动机学习笔记/", slug)
    # Percent-encoded as browsers send it, decomposed or not.
    assert_moved(client, "/AC自动机学习笔记", slug)


# --- a file on its own ------------------------------------------------------------------


def test_a_lone_file_keeps_only_what_its_front_matter_says(app, client):
    text = (
        "---\ntitle: Loose Note\ndate: 2024-01-18\npermalink: /notes/loose/\n"
        "redirect_from: [/n/1]\naliases: [/old-loose/]\nurl: /u/loose/\n---\nBody.\n"
    )
    results = upload(app, {"loose.md": text.encode()})
    assert results[0].outcome == "created" and results[0].warnings == []
    assert addresses_of(app, "loose") == {
        "/notes/loose": "front matter",
        "/n/1": "front matter",
        "/old-loose": "front matter",
        "/u/loose": "front matter",
    }
    for address in ("/notes/loose/", "/n/1", "/old-loose/", "/u/loose/"):
        assert_moved(client, address, "loose")
    # No date-based address is guessed for a file without its site.
    assert client.get("/2024/01/18/loose/").status_code == 404


# --- what is not kept -------------------------------------------------------------------


def test_an_address_stays_with_the_first_article_and_the_report_says_so(app, client):
    bundle = make_zip(
        {
            "a.md": "---\ntitle: First\nredirect_from: /shared/\n---\nA.\n",
            "b.md": "---\ntitle: Second\nredirect_from: [/shared/, /only-b/]\n---\nB.\n",
        }
    )
    results = upload(app, {"two.zip": bundle}, Publisher(batch_size=10))
    second = next(result for result in results if result.name.endswith("b.md"))
    assert second.warnings == ["the old address /shared already leads to “First” and stays there"]
    assert addresses_of(app, "first") == {"/shared": "front matter"}
    assert addresses_of(app, "second") == {"/only-b": "front matter"}
    assert_moved(client, "/shared/", "first")


def test_addresses_of_this_site_are_not_kept(app, client):
    text = (
        "---\ntitle: Greedy\nredirect_from:\n  - /tags/\n  - /admin/login\n  - /rss.xml\n"
        "  - /posts/greedy/\n  - /archive/2024/01/\n  - https://elsewhere.example/x\n"
        "  - /kept/\n---\nBody.\n"
    )
    results = upload(app, {"greedy.md": text.encode()})
    assert results[0].warnings == [
        "the old address is not kept: /tags is one of this site's own pages",
        "the old address is not kept: /admin/login is under /admin/, which this site uses itself",
        "the old address is not kept: /rss.xml is one of this site's own pages",
        "the old address is not kept: /archive/2024/01 is one of this site's own pages",
        "the old address https://elsewhere.example/x is not kept: “https://elsewhere.example/x” "
        "is on another site (elsewhere.example); only addresses on this site can lead here",
    ]
    assert addresses_of(app, "greedy") == {"/kept": "front matter"}


def test_drafts_and_trashed_articles_do_not_answer(app, client):
    upload(
        app,
        {
            "draft.md": b"---\ntitle: Draft\ndraft: true\nredirect_from: /old-draft/\n---\nD.\n",
            "gone.md": b"---\ntitle: Gone\nredirect_from: /old-gone/\n---\nG.\n",
        },
    )
    assert client.get("/old-draft/").status_code == 404
    assert_moved(client, "/old-gone/", "gone")
    with app.app_context():
        authoring.move_to_trash(db.session.scalar(select(Article).where(Article.slug == "gone")))
    assert client.get("/old-gone/").status_code == 404


def test_republishing_keeps_earlier_addresses_and_adds_new_ones(app, client):
    upload(app, {"note.md": b"---\ntitle: Note\nredirect_from: /first/\n---\nOne.\n"})
    upload(app, {"note.md": b"---\ntitle: Note\nredirect_from: /second/\n---\nTwo.\n"})
    assert addresses_of(app, "note") == {"/first": "front matter", "/second": "front matter"}
    assert_moved(client, "/first/", "note")
    assert_moved(client, "/second/", "note")


def test_an_unchanged_document_gains_the_addresses_its_site_gives_it(app, client):
    """Uploaded first without the blog's settings, then again inside the whole blog."""
    post = "source/_posts/hello-world.md"
    upload(app, {"posts.zip": make_zip({"_posts/hello-world.md": HEXO_POST})})
    assert addresses_of(app, "hello-world") == {}
    results = upload(app, {"blog.zip": make_zip({"_config.yml": HEXO_CONFIG, post: HEXO_POST})})
    assert results[0].outcome == "unchanged"
    assert addresses_of(app, "hello-world") == {"/2024/01/18/hello-world": "hexo"}


# --- the edit page ----------------------------------------------------------------------


@pytest.fixture
def note(app):
    """Publish one article with an address from its front matter; return its id."""
    upload(app, {"note.md": b"---\ntitle: Note\nredirect_from: /from-matter/\n---\nBody.\n"})
    with app.app_context():
        return db.session.scalar(select(Article.id).where(Article.slug == "note"))


def post_addresses(client, article_id: int, text: str):
    return client.post(
        f"/admin/articles/{article_id}/addresses",
        data={"csrf_token": client.csrf_token, "addresses": text},
    )


def test_edit_page_lists_addresses_with_their_origin(signed_in_client, note):
    html = signed_in_client.get(f"/admin/articles/{note}/edit").get_data(as_text=True)
    assert "Old addresses" in html
    assert "<code>/from-matter</code>" in html and "front matter" in html


def test_author_adds_addresses_one_per_line(app, signed_in_client, note):
    response = post_addresses(
        signed_in_client, note, "/2019/05/old-note/\r\nhttp://blog.test/other/path/?x=1\n\n"
    )
    assert response.status_code == 302
    assert addresses_of(app, "note") == {
        "/from-matter": "front matter",
        "/2019/05/old-note": "author",
        "/other/path": "author",
    }
    assert_moved(signed_in_client, "/2019/05/old-note/", "note")
    page = signed_in_client.get(f"/admin/articles/{note}/edit").get_data(as_text=True)
    assert "2 old addresses added" in page


def test_bad_addresses_are_refused_together_and_nothing_is_saved(
    app, signed_in_client, note, add_article
):
    other = add_article("Other", slug="other")
    with app.app_context():
        db.session.add(ArticleAddress(article_id=other, path="/taken", origin="author"))
        db.session.commit()
    typed = "\n".join(
        [
            "/fine/",
            "https://elsewhere.example/post/",
            "/archive/",
            "/taken/",
            "/posts/note/",
            "/posts/other/",
            "/" + "x" * 1001,
        ]
    )
    response = post_addresses(signed_in_client, note, typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in (
        "Nothing was added",
        "is on another site (elsewhere.example)",
        "/archive is one of this site&#39;s own pages",
        "/taken already leads to “Other”",
        "/posts/note is this article&#39;s own address",
        "/posts/other is the address of the article “Other”",
        "at most 1,000 fit",
    ):
        assert message in html, message
    # The typed text comes back to be corrected.
    assert "https://elsewhere.example/post/" in html
    assert addresses_of(app, "note") == {"/from-matter": "front matter"}
    assert post_addresses(signed_in_client, note, "  \n").status_code == 422


def test_author_removes_an_address(app, signed_in_client, note):
    with app.app_context():
        address_id = db.session.scalar(select(ArticleAddress.id))
    response = signed_in_client.post(
        f"/admin/articles/{note}/addresses/{address_id}/remove",
        data={"csrf_token": signed_in_client.csrf_token},
    )
    assert response.status_code == 302
    assert addresses_of(app, "note") == {}
    assert signed_in_client.get("/from-matter/").status_code == 404
    again = signed_in_client.post(
        f"/admin/articles/{note}/addresses/{address_id}/remove",
        data={"csrf_token": signed_in_client.csrf_token},
    )
    assert again.status_code == 404


def test_address_forms_need_sign_in_and_csrf(app, client, admin_user, note):
    token = csrf_token_from(client)
    response = client.post(
        f"/admin/articles/{note}/addresses", data={"addresses": "/x/", "csrf_token": token}
    )
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    client.post(
        "/admin/login",
        data={
            "username": admin_user[0],
            "password": admin_user[1],
            "csrf_token": csrf_token_from(client),
        },
    )
    response = client.post(f"/admin/articles/{note}/addresses", data={"addresses": "/x/"})
    assert response.status_code == 400
    assert addresses_of(app, "note") == {"/from-matter": "front matter"}


def test_editing_the_slug_keeps_the_old_one_as_an_address(app, client, note):
    with app.app_context():
        article = db.session.get(Article, note)
        result = authoring.save_source(
            article, "---\ntitle: Note\nslug: renamed\naliases: [/from-edit/]\n---\nBody.\n"
        )
    assert result.outcome == "updated" and result.warnings == []
    assert addresses_of(app, "renamed") == {
        "/from-matter": "front matter",
        "/posts/note": "earlier slug",
        "/from-edit": "front matter",
    }
    assert_moved(client, "/posts/note/", "renamed")
    # Back to the first slug: the page answers it again, and the address goes.
    with app.app_context():
        article = db.session.get(Article, note)
        authoring.save_source(article, "---\ntitle: Note\nslug: note\n---\nBody again.\n")
    assert "/posts/note" not in addresses_of(app, "note")
    assert client.get("/posts/note/").status_code == 200
    assert_moved(client, "/posts/renamed/", "note")


def test_flask_import_of_a_hugo_folder_keeps_its_addresses(app, runner, client, tmp_path):
    """`flask import` runs as a job, through the bulk publisher, and keeps them too."""
    site = tmp_path / "my-hugo-site"
    (site / "content" / "posts" / "trip").mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://old.example/"\n', encoding="utf-8")
    (site / "content" / "posts" / "trip" / "index.md").write_text(
        "---\ntitle: Trip\naliases: [/2019/trip.html]\n---\nTrip.\n", encoding="utf-8"
    )
    result = runner.invoke(args=["import", str(site)])
    assert result.exit_code == 0, result.output
    # Hugo's /posts/trip/ is this site's own address of the article: served, not stored.
    assert addresses_of(app, "trip") == {"/2019/trip.html": "hugo"}
    assert client.get("/posts/trip/").status_code == 200
    assert_moved(client, "/2019/trip.html", "trip")


@pytest.mark.parametrize(
    ("layout", "settings", "folder", "moved"),
    [
        (
            "hexo",
            {"_config.yml": "permalink: :year/:title.html\n"},
            "source/_posts",
            "/2024/trip.html",
        ),
        ("jekyll", {"_config.yml": "permalink: pretty\n"}, "_posts", "/2024/01/18/trip"),
        (
            "hugo",
            {"hugo.toml": '[permalinks]\nposts = "/:year/:slug/"\n'},
            "content/posts",
            "/2024/trip",
        ),
    ],
)
def test_flask_import_of_the_posts_folder_inside_a_blog_reads_the_blogs_settings(
    app, runner, client, tmp_path, layout, settings, folder, moved
):
    blog = tmp_path / f"my-{layout}-blog"
    for name, text in settings.items():
        (blog / name).parent.mkdir(parents=True, exist_ok=True)
        (blog / name).write_text(text, encoding="utf-8")
    posts = blog / folder
    posts.mkdir(parents=True)
    name = "2024-01-18-trip.md" if layout == "jekyll" else "trip.md"
    (posts / name).write_text(
        "---\ntitle: Trip\nslug: trip\ndate: 2024-01-18 10:00\n---\nTrip.\n", encoding="utf-8"
    )
    # What most people type: the folder of posts, not the blog around it.
    result = runner.invoke(args=["import", str(posts)])
    assert result.exit_code == 0, result.output
    assert addresses_of(app, "trip") == {moved: layout}
    assert_moved(client, moved, "trip")
