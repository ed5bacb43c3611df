"""Front matter: YAML and TOML blocks, documents without one, broken ones."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from webapp.content.frontmatter import FrontMatterError, split_front_matter
from webapp.content.metadata import MetadataError, normalise

UTC = ZoneInfo("UTC")


def test_yaml_front_matter_is_split_from_the_body():
    doc = split_front_matter("---\ntitle: 你好\ntags: [a, b]\n---\n正文\n")
    assert doc.meta == {"title": "你好", "tags": ["a", "b"]}
    assert doc.body == "正文\n"


def test_toml_front_matter_is_split_from_the_body():
    doc = split_front_matter('+++\ntitle = "Hugo post"\ndate = 2024-05-01T10:00:00Z\n+++\nBody')
    assert doc.meta["title"] == "Hugo post"
    assert doc.meta["date"].startswith("2024-05-01T10:00:00")
    assert doc.body == "Body"


def test_document_without_front_matter_is_all_body():
    text = "# Title\n\nSome text\n\n---\n\nMore"
    assert split_front_matter(text).body == text


def test_leading_horizontal_rule_is_not_front_matter():
    text = "---\n\nJust a paragraph after a rule.\n\n---\n\nEnd."
    doc = split_front_matter(text)
    assert doc.meta == {} and doc.body == text


def test_table_delimiter_row_is_not_front_matter():
    text = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert split_front_matter(text).body == text


def test_broken_yaml_reports_the_line():
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter("---\ntitle: ok\ntags: [a, b\ndate: 2024\n---\nbody")
    assert caught.value.line >= 3
    assert "line" in str(caught.value)


def test_broken_toml_reports_the_line():
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter('+++\ntitle = "x"\ndate = = 3\n+++\nbody')
    assert caught.value.line == 3


def test_metadata_reads_hexo_jekyll_and_hugo_keys():
    meta = normalise(
        {
            "title": "T",
            "permalink": "/2024/05/my-post/",
            "date": "2024-05-01 08:30",
            "lastmod": "2024-06-01",
            "categories": [["深度学习", "CV"], ["其他"]],
            "tags": "spark, 大数据, Spark",
            "published": False,
            "summary": "Short",
            "lang": "zh-CN",
        },
        UTC,
    )
    assert meta.slug == "my-post"
    assert meta.date == dt.datetime(2024, 5, 1, 8, 30)
    assert meta.updated == dt.datetime(2024, 6, 1)
    assert meta.category_path == ["深度学习", "CV"]
    assert meta.tags == ["spark", "大数据"]
    assert meta.draft is True
    assert meta.description == "Short"


def test_naive_dates_are_read_in_the_site_time_zone():
    meta = normalise({"date": "2024-05-01 08:00"}, ZoneInfo("Asia/Shanghai"))
    assert meta.date == dt.datetime(2024, 5, 1, 0, 0)


def test_category_path_forms():
    assert normalise({"categories": "机器学习"}, UTC).category_path == ["机器学习"]
    assert normalise({"categories": "机器学习/深度学习"}, UTC).category_path == [
        "机器学习",
        "深度学习",
    ]
    assert normalise({"categories": ["A", "B"]}, UTC).category_path == ["A", "B"]


def test_unreadable_date_is_an_error():
    with pytest.raises(MetadataError):
        normalise({"date": "next tuesday"}, UTC)
