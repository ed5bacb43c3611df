"""[[Wikilinks]] between notes of an Obsidian vault and to articles already on the site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from tests.test_ingest import ingest, make_zip, png
from tests.test_upload_form import upload
from webapp.extensions import db
from webapp.models import Article, utcnow
from webapp.services.publishing import publish, rerender

EXISTING = "---\ntitle: Existing Post\n---\n## Setup\n\nAn article published before.\n"
VAULT = {
    "My Vault/.obsidian/app.json": b'{"alwaysUpdateLinks": true}',
    "My Vault/首页.md": (
        "# 首页\n\n"
        "见 [[读书笔记]]、[[项目/计划#里程碑|里程碑]]、[[深度学习入门]]，"
        "旧文 [[existing post#Setup]]，还有 [[不存在的笔记]] 和 [[Gone|别处]]。\n\n"
        "`[[代码里的]]` 不是链接。\n"
    ).encode(),
    "My Vault/读书/读书笔记.md": (
        "> [!tip] 摘要\n> 回到 [[首页]]。\n\n![[attachments/图.png|300]]\n"
    ).encode(),
    "My Vault/项目/计划.md": "## 里程碑\n\n三月完成。\n".encode(),
    "My Vault/学习/dl.md": "---\ntitle: 深度学习入门\n---\n正文。\n".encode(),
    "My Vault/attachments/图.png": png("figure"),
}


def by_name(results, suffix):
    return next(result for result in results if result.name.endswith(suffix))


def links_of(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('class="wikilink" href="')[1:]]


def land(client, href: str) -> str:
    """Follow a link as a reader would; return the slug of the article it ends on."""
    path = urlsplit(href).path
    response = client.get(path)
    if path.startswith("/_notes/"):
        assert response.status_code == 301, path
        path = urlsplit(response.headers["Location"]).path
        response = client.get(path)
    assert response.status_code == 200, path
    return unquote(path).removeprefix("/posts/").rstrip("/")


def test_a_vault_links_its_notes_to_each_other_and_to_existing_articles(app, client):
    with app.app_context():
        existing = publish(EXISTING, filename="existing-post.md").article.slug
    results = ingest(app, {"vault.zip": make_zip(VAULT)})
    created = [result for result in results if result.outcome == "created"]
    assert len(created) == 4, [(r.name, r.outcome, r.reason) for r in results]
    home = by_name(results, "首页.md")
    assert home.warnings == ["links to notes not found: [[不存在的笔记]], [[Gone|别处]]"]
    for other in ("读书笔记.md", "计划.md", "dl.md"):
        assert by_name(results, other).warnings == []
    slugs = {result.name.rsplit("/", 1)[-1]: result.slug for result in created}
    with app.app_context():
        html = db.session.scalar(select(Article.html).where(Article.slug == home.slug))
        back = db.session.scalar(select(Article.html).where(Article.slug == slugs["读书笔记.md"]))
        plan = db.session.scalar(select(Article.html).where(Article.slug == slugs["计划.md"]))
    hrefs = links_of(html)
    assert [land(client, href) for href in hrefs] == [
        slugs["读书笔记.md"],
        slugs["计划.md"],
        slugs["dl.md"],
        existing,
    ]
    assert hrefs[1].endswith("#里程碑") and 'id="里程碑"' in plan
    assert hrefs[3] == f"/posts/{existing}/#setup"
    # Unresolved links read as their text; code stays code.
    assert "还有 不存在的笔记 和 别处。" in html
    assert "<code>[[代码里的]]</code>" in html
    assert [land(client, href) for href in links_of(back)] == [home.slug]
    assert 'class="admonition callout tip"' in back and 'width="300"' in back


def test_notes_address_redirects_by_file_name_or_title_in_any_case(app, client):
    with app.app_context():
        slug = publish(EXISTING, filename="existing-post.md").article.slug
        publish("---\ntitle: 草稿\ndraft: true\n---\n还没写完。\n", filename="draft.md")
    for name in (
        "existing-post",
        "Existing-Post",
        "existing-post.md",
        "Existing Post",
        "x/existing-post",
    ):
        response = client.get(f"/_notes/{name}")
        assert response.status_code == 301, name
        assert urlsplit(response.headers["Location"]).path == f"/posts/{slug}/"
    for name in ("nothing-here", "草稿", "draft"):
        response = client.get(f"/_notes/{name}")
        assert response.status_code == 404, name
        assert "<html" in response.get_data(as_text=True)


def test_a_trashed_article_is_no_note(app, client):
    with app.app_context():
        article = publish(EXISTING, filename="existing-post.md").article
        article.deleted_at = utcnow()
        db.session.commit()
    assert client.get("/_notes/existing-post").status_code == 404


def test_files_picked_together_link_to_each_other(app, client):
    results = ingest(
        app,
        {
            "a.md": b"# Alpha\n\nSee [[b]].\n",
            "b.md": b"---\ntitle: Beta Title\n---\nBack to [[a|the first]].\n",
        },
    )
    assert [(r.outcome, r.warnings) for r in results] == [("created", []), ("created", [])]
    with app.app_context():
        alpha = db.session.scalar(select(Article).where(Article.slug == results[0].slug))
        beta_html = db.session.scalar(select(Article.html).where(Article.slug == results[1].slug))
        first_links = links_of(alpha.html)
    assert [land(client, href) for href in first_links] == [results[1].slug]
    assert [land(client, href) for href in links_of(beta_html)] == [results[0].slug]


def test_rerender_links_notes_published_since_directly(app):
    with app.app_context():
        first = publish("Points at [[later]].\n", filename="first.md")
        assert first.warnings == ["links to notes not found: [[later]]"]
        assert "Points at later." in first.article.html
        later = publish("# Later\n\ntext\n", filename="later.md").article
        assert rerender(first.article) == []
        assert f'href="/posts/{later.slug}/"' in first.article.html


def test_the_upload_page_reports_unresolved_links_and_the_preview_warns(signed_in_client):
    response = upload(signed_in_client, files=[("solo.md", b"# Solo\n\nSee [[Nowhere]].\n")])
    page = response.get_data(as_text=True)
    assert "links to notes not found: [[Nowhere]]" in page
    preview = signed_in_client.post(
        "/admin/preview",
        data={"csrf_token": signed_in_client.csrf_token, "markdown": "See [[Nowhere]]."},
    )
    assert preview.status_code == 200
    assert "links to notes not found: [[Nowhere]]" in preview.get_data(as_text=True)


def test_a_placed_toc_replaces_the_one_above_the_article(app, client):
    headings = "## 一\n\n## 二\n\n## 三\n"
    with app.app_context():
        placed = publish(f"# Placed\n\nIntro.\n\n[toc]\n\n{headings}", filename="p.md").article
        plain = publish(f"# Plain\n\n{headings}", filename="q.md").article
        placed_slug, plain_slug = placed.slug, plain.slug
    page = client.get(f"/posts/{placed_slug}/").get_data(as_text=True)
    assert page.count('<a href="#一">一</a>') == 1
    assert '<nav class="toc toc-top"' not in page and "toc-sidebar" not in page
    assert 'class="toc toc-inline"' in page
    assert page.index("Intro.") < page.index("toc-inline")
    other = client.get(f"/posts/{plain_slug}/").get_data(as_text=True)
    assert '<nav class="toc toc-top"' in other and "toc-inline" not in other


def test_only_pages_with_a_diagram_load_the_diagram_script(app, client):
    with app.app_context():
        drawn = publish("```mermaid\ngraph TD\n  A-->B\n```\n", filename="d.md").article.slug
        plain = publish("```python\nprint(1)\n```\n", filename="e.md").article.slug
    page = client.get(f"/posts/{drawn}/").get_data(as_text=True)
    assert "/static/vendor/mermaid-" in page and "js/diagrams.js" in page
    assert '<pre class="mermaid"><code>graph TD' in page
    other = client.get(f"/posts/{plain}/").get_data(as_text=True)
    assert "mermaid" not in other and "diagrams.js" not in other
