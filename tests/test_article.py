"""The article page: metadata, table of contents, stored HTML, language, stylesheets."""

from __future__ import annotations

import re

from webapp import vendor
from webapp.extensions import db
from webapp.models import Article
from webapp.services.publishing import publish

ARTICLE = """---
title: 梯度检查点的显存账
slug: grad-ckpt
date: 2025-03-14 21:30
updated: 2025-06-02 09:10
categories: [机器学习, 深度学习]
tags: [PyTorch, 显存]
---
我们用 PyTorch 的 `torch.utils.checkpoint` 做 gradient checkpointing，显存从 $O(n)$ 降到 $O(\\sqrt{n})$。

## 背景

$$
\\text{mem} = \\sum_{i=1}^{n} a_i
$$

## 代码

```python
import torch
x = torch.randn(3)
```

## 结论

完。
"""


def publish_in(app, text, **kwargs):
    with app.app_context():
        return publish(text, **kwargs).article.slug


def test_article_page_shows_title_meta_toc_and_body(app, client):
    slug = publish_in(app, ARTICLE)
    response = client.get(f"/posts/{slug}/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # The page speaks the (English) interface's language; the Chinese article its own.
    assert '<html lang="en">' in html
    assert '<h1 id="post-title" class="post-title" lang="zh-CN">梯度检查点的显存账</h1>' in html
    assert ">机器学习</a>" in html and ">深度学习</a>" in html
    assert 'href="/tags/pytorch/"' in html and ">显存</a>" in html
    assert "Published <time" in html and ">2025-03-14</time>" in html
    assert "Updated <time" in html and ">2025-06-02</time>" in html
    assert "min read" in html
    toc = re.search(r'<nav class="toc toc-top".*?</nav>', html, re.S).group(0)
    assert 'href="#背景"' in toc and 'href="#代码"' in toc and 'href="#结论"' in toc
    assert 'class="math math-inline"' in html and 'class="math math-display"' in html
    assert 'highlight">' in html


def test_article_page_links_only_the_stylesheets_it_needs(app, client):
    with_math = publish_in(app, ARTICLE)
    plain = publish_in(app, "---\ntitle: Plain\n---\nJust words.\n")
    math_html = client.get(f"/posts/{with_math}/").get_data(as_text=True)
    assert "katex.min.css" in math_html and "pygments.css" in math_html
    plain_html = client.get(f"/posts/{plain}/").get_data(as_text=True)
    assert "katex.min.css" not in plain_html and "pygments.css" not in plain_html
    assert '<nav class="toc' not in plain_html


def test_a_math_article_asks_early_for_the_fonts_its_formulas_use(app, client):
    with_math = publish_in(app, ARTICLE)
    plain = publish_in(app, "---\ntitle: Plain\n---\nJust words.\n")
    html = client.get(f"/posts/{with_math}/").get_data(as_text=True)
    preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="font"[^>]*>', html)
    # At the stylesheet's own address (no ?v=), or the browser would fetch each font twice.
    folder = f"/static/vendor/{vendor.package_dir_name('katex')}/fonts/"
    names = [href.removeprefix(folder) for href in preloads]
    assert names[:2] == ["KaTeX_Main-Regular.woff2", "KaTeX_Math-Italic.woff2"]
    assert "KaTeX_Size2-Regular.woff2" in names  # the display \sum
    assert "KaTeX_AMS-Regular.woff2" not in names  # no \mathbb anywhere
    assert all(href.startswith(folder) and "?" not in href for href in preloads)
    assert all(client.get(href).status_code == 200 for href in preloads)
    assert html.count('type="font/woff2" crossorigin>') == len(preloads)
    plain_html = client.get(f"/posts/{plain}/").get_data(as_text=True)
    assert 'rel="preload"' not in plain_html


def test_pages_ship_no_math_javascript(app, client):
    slug = publish_in(app, ARTICLE)
    html = client.get(f"/posts/{slug}/").get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"", html)
    # Only our own small scripts: no math JavaScript, and no htmx (search.js loads it only
    # when the reader focuses the search box, comments.js when the comments come near).
    assert [src.split("?")[0] for src in scripts] == [
        "/static/js/site.js",
        "/static/js/search.js",
        "/static/js/comments.js",
    ]
    assert "katex.min.js" not in html and "<script>" not in html


def test_every_asset_is_served_by_the_site(app, client):
    slug = publish_in(app, ARTICLE)
    for url in ("/", f"/posts/{slug}/"):
        html = client.get(url).get_data(as_text=True)
        for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
            # Canonical links are absolute, on the site's own address.
            assert ref.startswith(("/", "#", "http://blog.test/")), ref
        for asset in re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', html):
            assert client.get(asset).status_code == 200, asset


def test_static_assets_are_versioned_and_cached_for_a_year(app, client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/site.css\?v=[0-9a-f]+)"', html).group(1)
    response = client.get(css)
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_viewing_an_article_never_renders_markdown(app, client, monkeypatch):
    slug = publish_in(app, ARTICLE)

    def refuse(*args, **kwargs):
        raise AssertionError("Markdown rendered on a read")

    monkeypatch.setattr("webapp.content.document.render_markdown", refuse)
    monkeypatch.setattr("webapp.content.render.render_markdown", refuse)
    assert client.get(f"/posts/{slug}/").status_code == 200
    assert client.get("/").status_code == 200


def test_stored_html_is_what_the_page_shows(app, client):
    slug = publish_in(app, ARTICLE)
    with app.app_context():
        article = db.session.query(Article).filter_by(slug=slug).one()
        article.html = "<p>Stored copy</p>"
        db.session.commit()
    assert "Stored copy" in client.get(f"/posts/{slug}/").get_data(as_text=True)


def test_draft_article_is_404(app, client):
    slug = publish_in(app, "---\ntitle: Not yet\ndraft: true\n---\nSecret.\n")
    assert client.get(f"/posts/{slug}/").status_code == 404
    assert "Not yet" not in client.get("/").get_data(as_text=True)


def test_broken_formula_still_publishes_with_a_visible_error(app, client):
    slug = publish_in(app, "---\ntitle: Broken\n---\nGood $x^2$ and bad $\\frac{1}{$ end.\n")
    html = client.get(f"/posts/{slug}/").get_data(as_text=True)
    assert "math-error" in html and "\\frac{1}{" in html
    assert "Good" in html and "end." in html


def test_english_article_gets_lang_en(app, client):
    app.config["SITE_LANG"] = "zh-CN"
    slug = publish_in(app, "---\ntitle: Hello\n---\nPlain English prose about caches.\n")
    html = client.get(f"/posts/{slug}/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert '<h1 id="post-title" class="post-title" lang="en">Hello</h1>' in html


def test_article_images_are_served_with_long_cache(app, client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'
    text = "---\ntitle: Pic\n---\n![a square](img/sq.svg)\n"
    slug = publish_in(app, text, load_image=lambda ref: svg if ref == "img/sq.svg" else None)
    html = client.get(f"/posts/{slug}/").get_data(as_text=True)
    src = re.search(r'<img[^>]+src="(/media/[0-9a-f]{64}\.svg)"', html).group(1)
    image = client.get(src)
    assert image.status_code == 200 and image.data == svg
    assert image.mimetype == "image/svg+xml"
    assert "max-age=31536000" in image.headers["Cache-Control"]
    assert "sandbox" in image.headers["Content-Security-Policy"]


def test_article_page_is_rendered_once_then_served_from_cache(app, client, monkeypatch):
    slug = publish_in(app, ARTICLE)
    first = client.get(f"/posts/{slug}/").get_data(as_text=True)
    calls = []
    import webapp.blog.views as views

    original = views.render_template
    monkeypatch.setattr(
        views, "render_template", lambda *a, **k: calls.append(a) or original(*a, **k)
    )
    assert client.get(f"/posts/{slug}/").get_data(as_text=True) == first
    assert calls == []


def test_cached_page_follows_edits_unpublishing_and_rerenders(app, client, runner):
    slug = publish_in(app, "---\ntitle: Cached\nslug: cached\n---\nFirst text.\n")
    assert "First text." in client.get(f"/posts/{slug}/").get_data(as_text=True)
    publish_in(app, "---\ntitle: Cached\nslug: cached\n---\nSecond text.\n")
    assert "Second text." in client.get(f"/posts/{slug}/").get_data(as_text=True)
    with app.app_context():
        article = db.session.query(Article).filter_by(slug=slug).one()
        article.source_md = article.source_md.replace("Second", "Third")
        db.session.commit()
    runner.invoke(args=["rerender", "--all"])
    assert "Third text." in client.get(f"/posts/{slug}/").get_data(as_text=True)
    publish_in(app, "---\ntitle: Cached\nslug: cached\ndraft: true\n---\nThird text.\n")
    assert client.get(f"/posts/{slug}/").status_code == 404


def test_article_page_in_every_encoding_is_the_same_page(app, client):
    import gzip

    import brotli

    slug = publish_in(app, ARTICLE)
    plain = client.get(f"/posts/{slug}/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    br = client.get(f"/posts/{slug}/", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    gz = client.get(f"/posts/{slug}/", headers={"Accept-Encoding": "gzip"})
    refused = client.get(f"/posts/{slug}/", headers={"Accept-Encoding": "br;q=0, gzip"})
    assert br.headers["Content-Encoding"] == "br" and gz.headers["Content-Encoding"] == "gzip"
    assert refused.headers["Content-Encoding"] == "gzip"
    assert brotli.decompress(br.data) == plain.data == gzip.decompress(gz.data)
    assert "Accept-Encoding" in br.headers["Vary"]
    assert plain.mimetype == "text/html" and "charset=utf-8" in plain.headers["Content-Type"]
