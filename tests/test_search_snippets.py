"""Search result snippets on the site: tables and headings as the article's placeholders."""

from __future__ import annotations

from webapp.services.publishing import publish

CHINESE = (
    "---\ntitle: 排序算法\nlang: zh-CN\n---\n## 复杂度\n\n下面比较两种排序。\n\n"
    "| 算法 | 时间 |\n|---|---|\n| 快速排序 | n log n |\n| 冒泡排序 | n² |\n\n由此可见快排更快。\n"
)
ENGLISH = (
    "---\ntitle: Sorting\nlang: en\n---\n## Cost\n\nCompared.\n\n"
    "| Sort | Time |\n|---|---|\n| quicksort | n log n |\n| bubblesort | n² |\n\nIt wins.\n"
)


def snippet_of(client, query: str) -> str:
    html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    start = html.index('class="card-excerpt search-snippet"')
    return html[start : html.index("</p>", start)]


def test_a_table_shows_as_one_placeholder_in_the_articles_language(app, client):
    with app.app_context():
        publish(CHINESE, filename="sort-zh.md")
        publish(ENGLISH, filename="sort-en.md")
    chinese = snippet_of(client, "可见")
    assert "度。下面比较两种排序。 [表格] 由此<mark>可见</mark>快排更快。" in chinese
    assert "冒泡" not in chinese
    english = snippet_of(client, "wins")
    assert ">Cost. Compared. [Table] It <mark>wins</mark>." in english


def test_a_word_only_in_a_table_is_found_and_shown_with_the_placeholder(app, client):
    with app.app_context():
        publish(CHINESE, filename="sort-zh.md")
    snippet = snippet_of(client, "冒泡")
    assert "[表格] " in snippet and "<mark>冒泡</mark>排序" in snippet
    assert "\ue000" not in snippet and "\ue001" not in snippet
