"""Each account's admin language: the admin pages, flashes and API errors in Chinese or
English, chosen on the account page; readers keep the site's language."""

from __future__ import annotations

import io

import pytest

from tests.conftest import ADMIN_NAME, make_zip
from webapp.extensions import db
from webapp.models import Article, User
from webapp.services.accounts import find_user
from webapp.services.tokens import create_token

DOC = "---\ntitle: 你好，世界\n---\n正文。\n"


def choose(client, language: str, **extra):
    """Post the account form with a language choice."""
    data = {"language": language, "csrf_token": client.csrf_token, **extra}
    return client.post("/admin/account", data=data)


def stored_language(app) -> str | None:
    with app.app_context():
        return find_user(ADMIN_NAME).language


@pytest.fixture
def zh_client(app, signed_in_client):
    """Return a signed-in client whose account chose Chinese."""
    assert choose(signed_in_client, "zh").status_code == 302
    return signed_in_client


def upload(client, files: dict[str, str]):
    payload = [(io.BytesIO(text.encode()), name) for name, text in files.items()]
    return client.post(
        "/admin/upload",
        data={"csrf_token": client.csrf_token, "files": payload},
        content_type="multipart/form-data",
    )


def article_id(app) -> int:
    with app.app_context():
        return db.session.scalars(db.select(Article.id)).first()


def test_a_chinese_account_sees_every_admin_page_in_chinese(app, zh_client):
    assert "新建" in upload(zh_client, {"hello.md": DOC}).get_data(as_text=True)
    pages = {
        "/admin/articles": ["标题包含", "共 1 篇文章。", "已发布", "撤回为草稿", "写作后台"],
        "/admin/upload": ["或粘贴 Markdown", "把远程图片复制到本站", "预览粘贴的文本"],
        f"/admin/articles/{article_id(app)}/edit": ["Markdown 源文", "旧地址", "保存"],
        "/admin/jobs/": ["还没有任务。", "任务保留 14 天。"],
        "/admin/trash": ["回收站是空的。"],
        "/admin/tokens": ["创建令牌", "还没有令牌。", "新令牌的名称"],
        "/admin/account": ["后台页面的语言", "网站的语言（English）"],
    }
    for url, texts in pages.items():
        html = zh_client.get(url).get_data(as_text=True)
        assert '<html lang="zh-CN"' in html, url
        for text in texts:
            assert text in html, (url, text)
        assert "Sign out" not in html and "退出登录" in html, url


def test_readers_keep_the_sites_english_while_the_author_reads_chinese(app, zh_client):
    upload(zh_client, {"hello.md": DOC})
    for url in ("/", "/posts/hello/"):
        html = zh_client.get(url).get_data(as_text=True)
        assert '<html lang="en"' in html, url
        assert "写作后台" not in html and "退出登录" not in html, url


def test_an_account_without_a_choice_follows_the_site_language(app, signed_in_client):
    html = signed_in_client.get("/admin/articles").get_data(as_text=True)
    assert '<html lang="en"' in html and "Title contains" in html and "No articles." in html
    app.config["SITE_LANG"] = "zh-CN"
    html = signed_in_client.get("/admin/articles").get_data(as_text=True)
    assert '<html lang="zh-CN"' in html and "标题包含" in html and "还没有文章。" in html


def test_an_english_account_on_a_chinese_site_sees_english(app, signed_in_client):
    app.config["SITE_LANG"] = "zh-CN"
    assert choose(signed_in_client, "en").status_code == 302
    html = signed_in_client.get("/admin/tokens").get_data(as_text=True)
    assert '<html lang="en"' in html and "Create token" in html and "创建令牌" not in html
    # Readers still get the site's Chinese page language.
    assert '<html lang="zh-CN"' in signed_in_client.get("/").get_data(as_text=True)


def test_the_login_page_follows_the_site_language(app, client):
    html = client.get("/admin/login").get_data(as_text=True)
    assert "Username" in html and "Password" in html and '<html lang="en"' in html
    app.config["SITE_LANG"] = "zh-CN"
    html = client.get("/admin/login").get_data(as_text=True)
    assert "用户名" in html and "密码" in html and '<html lang="zh-CN"' in html


def test_a_wrong_password_is_told_in_the_site_language(app, client, admin_user):
    from tests.conftest import csrf_token_from

    app.config["SITE_LANG"] = "zh-CN"
    form = {"username": ADMIN_NAME, "password": "wrong", "csrf_token": csrf_token_from(client)}
    html = client.post("/admin/login", data=form).get_data(as_text=True)
    assert "用户名或密码错误。" in html


def test_flash_messages_are_translated(app, zh_client):
    upload(zh_client, {"hello.md": DOC})
    article = article_id(app)
    status = {"status": "draft", "csrf_token": zh_client.csrf_token}
    response = zh_client.post(
        f"/admin/articles/{article}/status", data=status, follow_redirects=True
    )
    assert "《你好，世界》现在是草稿：读者不会再看到它。" in response.get_data(as_text=True)
    delete = {"csrf_token": zh_client.csrf_token}
    response = zh_client.post(
        f"/admin/articles/{article}/delete", data=delete, follow_redirects=True
    )
    assert "《你好，世界》已移到回收站，可以从那里恢复。" in response.get_data(as_text=True)
    html = zh_client.get("/admin/trash").get_data(as_text=True)
    assert "已删除 1 篇文章。" in html and "草稿" in html
    response = zh_client.post("/admin/trash/empty", data=delete, follow_redirects=True)
    assert "回收站已清空：1 篇文章已永久删除。" in response.get_data(as_text=True)


def test_english_counts_use_plural_forms(app, signed_in_client):
    html = upload(signed_in_client, {"a.md": "# One\n\nA.\n"}).get_data(as_text=True)
    assert "1 file:" in html and "1 created" in html
    html = upload(signed_in_client, {"a.md": "# One\n\nA.\n", "b.md": "# Two\n\nB.\n"}).get_data(
        as_text=True
    )
    assert "2 files:" in html and "1 created" in html and "1 unchanged" in html
    assert "2 articles." in signed_in_client.get("/admin/articles").get_data(as_text=True)
    empty = {"csrf_token": signed_in_client.csrf_token}
    with app.app_context():
        ids = list(db.session.scalars(db.select(Article.id)))
    for article in ids:
        signed_in_client.post(f"/admin/articles/{article}/delete", data=empty)
    response = signed_in_client.post("/admin/trash/empty", data=empty, follow_redirects=True)
    assert "The trash is empty: 2 articles deleted for good." in response.get_data(as_text=True)


def test_upload_results_name_outcomes_in_chinese(app, zh_client):
    bad = "---\ntitle: [unclosed\n---\nBody.\n"
    html = upload(zh_client, {"hello.md": DOC, "broken.md": bad}).get_data(as_text=True)
    assert "上传结果" in html and "共 2 个文件：" in html
    assert "新建 1" in html and "拒绝 1" in html
    assert ">新建</span>" in html and ">拒绝</span>" in html
    # The classes keep the stable codes.
    assert "outcome-created" in html and "outcome-rejected" in html


def test_a_job_page_speaks_the_accounts_language(app, zh_client):
    app.config["BACKGROUND_AFTER_DOCUMENTS"] = 1
    data = make_zip({"a.md": "# A\n\nA.\n", "b.md": "# B\n\nB.\n"})
    response = zh_client.post(
        "/admin/upload",
        data={"csrf_token": zh_client.csrf_token, "files": [(io.BytesIO(data), "posts.zip")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    html = zh_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "任务 1" in html and "已完成" in html and "2 / 2 篇文档" in html and "新建 2" in html
    listing = zh_client.get("/admin/jobs/").get_data(as_text=True)
    assert "上传" in listing and "新建 2" in listing and "开始于" in listing


def test_choosing_a_language_needs_the_csrf_token(app, signed_in_client):
    response = signed_in_client.post("/admin/account", data={"language": "zh"})
    assert response.status_code == 400
    assert stored_language(app) is None


def test_choosing_needs_sign_in(app, client, admin_user):
    response = client.post("/admin/account", data={"language": "zh"})
    assert response.status_code in (302, 400)
    assert stored_language(app) is None


@pytest.mark.parametrize("bad", ["fr", "zh-CN", "<script>", "x" * 200])
def test_an_unknown_language_is_refused(app, signed_in_client, bad):
    response = choose(signed_in_client, bad)
    assert response.status_code == 422
    assert "Choose 中文, English or the site" in response.get_data(as_text=True)
    assert stored_language(app) is None


def test_the_choice_is_stored_and_can_go_back_to_the_sites(app, zh_client):
    assert stored_language(app) == "zh"
    page = zh_client.get("/admin/account").get_data(as_text=True)
    assert 'value="zh" checked' in page
    response = choose(zh_client, "", follow_redirects=False)
    assert response.status_code == 302
    assert stored_language(app) is None
    assert "Saved: the admin pages now use this language." in zh_client.get(
        "/admin/account"
    ).get_data(as_text=True)


def test_the_confirmation_speaks_the_language_just_chosen(app, signed_in_client):
    response = choose(signed_in_client, "zh")
    html = signed_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已保存：后台页面现在使用这种语言。" in html


def zh_token(app) -> str:
    """Return a token of the admin account, whose language is Chinese."""
    with app.app_context():
        user = find_user(ADMIN_NAME)
        user.language = "zh"
        db.session.commit()
        return create_token(user, "script")[1]


def test_api_errors_speak_the_token_holders_language(app, client, admin_user):
    secret = zh_token(app)
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.get("/api/jobs/99", headers=headers)
    assert response.status_code == 404 and response.json["error"] == "没有编号为 99 的任务。"
    response = client.post("/api/articles", headers=headers, data={})
    assert response.status_code == 400 and response.json["error"].startswith("没有可发布的内容")


def test_api_outcomes_stay_english_codes_for_a_chinese_account(app, client, admin_user):
    secret = zh_token(app)
    response = client.post(
        "/api/articles?filename=hello.md",
        data=DOC.encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/markdown"},
    )
    assert response.status_code == 200
    assert response.json["results"][0]["outcome"] == "created"


def test_api_errors_without_a_known_token_speak_the_sites_language(app, client, admin_user):
    response = client.get("/api/jobs/1")
    assert response.status_code == 401 and "personal access token" in response.json["error"]
    app.config["SITE_LANG"] = "zh-CN"
    response = client.get("/api/jobs/1")
    assert response.json["error"] == "请发送个人访问令牌：Authorization: Bearer <token>。"
    response = client.get("/api/jobs/1", headers={"Authorization": "Bearer snb_wrong"})
    assert response.json["error"] == "令牌错误或已被吊销。"


def test_a_token_of_an_account_without_a_choice_gets_the_sites_language(app, client, admin_user):
    with app.app_context():
        secret = create_token(db.session.get(User, 1), "script")[1]
    response = client.get("/api/jobs/5", headers={"Authorization": f"Bearer {secret}"})
    assert response.json["error"] == "There is no job 5."


def admin_messages(html: str) -> dict:
    """Return the texts admin.js shows, as the page hands them over."""
    import json
    import re

    found = re.search(r'<script type="application/json" id="admin-messages">(.*?)</script>', html)
    return json.loads(found.group(1))


def test_the_upload_scripts_messages_follow_the_account(app, zh_client):
    messages = admin_messages(zh_client.get("/admin/upload").get_data(as_text=True))
    assert messages["uploadFailed"] == "上传失败：服务器返回 {status}。请重试。"
    assert messages["uploadingPercent"] == "正在上传… {size} 中的 {percent}%"
    assert choose(zh_client, "en").status_code == 302
    messages = admin_messages(zh_client.get("/admin/upload").get_data(as_text=True))
    assert messages["fileTooBig"] == "{name} is {size}."
