"""axe-core in Chromium: no accessibility violation of any impact, in light and dark mode.

axe-core is the pinned npm package fetched by `python -m webapp.vendor` into build/ (never
served); each test injects it into the page and fails on every violation it reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from webapp import vendor
from webapp.services.publishing import publish

from .conftest import sign_in

pytestmark = pytest.mark.browser

SCHEMES = ["light", "dark"]

CODE_ARTICLE = r"""---
title: 排序算法的复杂度
date: 2024-10-01
categories: [算法]
tags: [python, sorting]
---
快速排序的平均复杂度是 $O(n \log n)$，最坏情况是 $O(n^2)$。

## 实现

```python
# Partition around the first element, then sort each side.
from itertools import chain


def quicksort(items: list[int]) -> list[int]:
    if len(items) < 2:
        return items
    pivot, *rest = items
    smaller = [x for x in rest if x < pivot]
    larger = [x for x in rest if x >= pivot]
    return quicksort(smaller) + [pivot] + quicksort(larger)


RATIO = 0.75
print(quicksort([3, 1, 2]), 10 ** 6, "done")
```

$$
T(n) = 2\,T\!\left(\frac{n}{2}\right) + \Theta(n) \implies T(n) = \Theta(n \log n)
\quad\text{and a deliberately long tail so the formula is wider than a phone screen}
$$

| 输入规模 | 比较次数 |
|---------:|---------:|
| 10       | 34       |
| 1000     | 11000    |
"""


@dataclass(frozen=True)
class Published:
    """The article with code and math, and where its category and tag live."""

    article_id: int
    slug: str
    category_path: str
    tag_slug: str


@pytest.fixture(scope="module")
def published(live_site) -> Published:
    """Publish the article with a category, tags, code, math and a table."""
    with live_site.app.app_context():
        article = publish(CODE_ARTICLE, filename="quicksort.md").article
        tag = min(article.tags, key=lambda tag: tag.slug)
        return Published(article.id, article.slug, article.category.path, tag.slug)


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it stands; return its violations."""
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(vendor.tool_file("axe-core", "axe.min.js")))
    return page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")["violations"]


def describe(violations: list[dict]) -> str:
    """Return each violation with its impact and the elements it names, for the failure."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Fail with axe's own words when the page has any violation, whatever its impact."""
    violations = axe_violations(page)
    assert not violations, "\n" + describe(violations)


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def scheme_page(new_page):
    """Return a factory of pages in a given colour scheme (CSP bypassed to inject axe only)."""
    return lambda scheme, **options: new_page(color_scheme=scheme, bypass_csp=True, **options)


def reader_paths(live_site, published: Published) -> dict[str, str]:
    """Return the reader pages axe must pass, by name."""
    return {
        "home": "/",
        "article": f"/posts/{published.slug}/",
        "math article": f"/posts/{live_site.slugs[live_site.math_title]}/",
        "search": "/search?q=quicksort",
        "category": f"/categories/{published.category_path}/",
        "tag": f"/tags/{published.tag_slug}/",
        "archive": "/archive/",
        "not found": "/posts/no-such-article/",
    }


READER_PAGES = ["home", "article", "math article", "search", "category", "tag", "archive"]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", READER_PAGES)
def test_reader_page_has_no_violation(scheme_page, live_site, published, name, scheme):
    page = scheme_page(scheme)
    response = page.goto(reader_paths(live_site, published)[name])
    assert response.status == 200
    assert_accessible(page)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", ["home", "article", "math article"])
def test_page_on_a_phone_has_no_violation(scheme_page, live_site, published, name, scheme):
    # At 390 px code, formulas and tables are wider than the screen and scroll in their box.
    page = scheme_page(scheme, viewport=PHONE, is_mobile=True, has_touch=True)
    response = page.goto(reader_paths(live_site, published)[name])
    assert response.status == 200
    assert_accessible(page)


def test_search_results_are_on_the_page_axe_checked(scheme_page, live_site, published):
    page = scheme_page("light")
    page.goto(reader_paths(live_site, published)["search"])
    assert page.locator("mark").first.is_visible()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_not_found_page_has_no_violation(scheme_page, live_site, published, scheme):
    page = scheme_page(scheme)
    response = page.goto(reader_paths(live_site, published)["not found"])
    assert response.status == 404
    assert_accessible(page)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_sign_in_page_has_no_violation(scheme_page, author, scheme):
    page = scheme_page(scheme)
    page.goto("/admin/login")
    assert page.locator("#password").is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", ["upload", "articles", "edit", "users"])
def test_admin_page_has_no_violation(scheme_page, author, published, name, scheme):
    paths = {
        "upload": "/admin/upload",
        "articles": "/admin/articles",
        "edit": f"/admin/articles/{published.article_id}/edit",
        "users": "/admin/users",
    }
    page = scheme_page(scheme)
    sign_in(page, paths[name])
    assert_accessible(page)
