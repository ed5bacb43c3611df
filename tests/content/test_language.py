"""Tests for language normalisation, detection and reading statistics."""

import pytest

from webapp.content.language import detect_lang, is_chinese, normalise_lang, reading_stats

CHINESE = "本文介绍如何在服务器端渲染数学公式，并把结果缓存起来，让页面在手机上也能很快打开。"
ENGLISH = "This article shows how to render math on the server and cache the result."
# A typical Chinese technical paragraph: Latin letters outnumber the ideographs more
# than two to one (20 ideographs, 53 letters, a 27% share), yet it is Chinese.
CHINESE_WITH_TERMS = (
    "我们用 Flask 和 SQLAlchemy 实现了 REST API，并通过 PostgreSQL 的 JSONB 字段"
    "存储 metadata，最后用 gunicorn 部署。"
)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("zh", "zh-CN"),
        ("zh_cn", "zh-CN"),
        ("ZH-CN", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("  zh-hans  ", "zh-CN"),
        ("cn", "zh-CN"),
        ("Chinese", "zh-CN"),
        ("中文", "zh-CN"),
        ("zh-tw", "zh-TW"),
        ("zh_TW", "zh-TW"),
        ("zh-Hant", "zh-TW"),
        ("en", "en"),
        ("EN-us", "en"),
        ("English", "en"),
    ],
)
def test_declared_values_are_normalised(declared, expected):
    assert detect_lang(ENGLISH, declared) == expected


@pytest.mark.parametrize(
    ("declared", "expected"),
    [("fr", "fr"), ("FR-ca", "fr-CA"), ("pt_br", "pt-BR"), ("sr-latn-rs", "sr-Latn-RS"),
     ("en-GB", "en-GB"), ("zh-HK", "zh-HK"), ("es-419", "es-419")],
)  # fmt: skip
def test_unknown_well_formed_tags_pass_through_in_canonical_case(declared, expected):
    assert detect_lang(CHINESE, declared) == expected


@pytest.mark.parametrize("declared", [None, "", "   ", "auto", "english please", "123", "und", "x"])
def test_junk_declarations_fall_back_to_detection(declared):
    assert detect_lang(CHINESE, declared) == "zh-CN"
    assert detect_lang(ENGLISH, declared) == "en"


def test_non_string_front_matter_value_falls_back_to_detection():
    # YAML turns `lang: no` into False and `lang: 1` into 1.
    assert normalise_lang(False) is None
    assert detect_lang(CHINESE, 1) == "zh-CN"


def test_detects_chinese():
    assert detect_lang(CHINESE) == "zh-CN"


def test_detects_english():
    assert detect_lang(ENGLISH) == "en"


def test_chinese_paragraph_full_of_english_terms_is_chinese():
    assert detect_lang(CHINESE_WITH_TERMS) == "zh-CN"


def test_english_text_quoting_a_chinese_name_is_english():
    assert detect_lang("Many thanks to 张伟 for reviewing the first draft of this post.") == "en"


def test_threshold_is_twenty_percent_of_ideographs_plus_letters():
    assert detect_lang("中" * 20 + "a" * 80) == "zh-CN"
    assert detect_lang("中" * 19 + "a" * 81) == "en"


def test_cjk_punctuation_and_fullwidth_forms_are_not_letters():
    assert detect_lang("，。！？「」（）ＡＢＣ１２３ and some English words") == "en"


@pytest.mark.parametrize("text", ["", "   ", "123 + 456 = 579", "，。！"])
def test_text_without_letters_is_english(text):
    assert detect_lang(text) == "en"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh", True), ("zh-CN", True), ("zh-Hans", True), ("zh-TW", True), ("zh_cn", True),
     ("ZH-cn", True), (" zh-HK ", True), ("en", False), ("ja", False), ("zha", False),
     ("", False), (None, False)],
)  # fmt: skip
def test_is_chinese(lang, expected):
    assert is_chinese(lang) is expected


def test_reading_stats_chinese_counts_each_character():
    # Punctuation is not a word; 400 characters read in one minute, 401 need two.
    assert reading_stats("中" * 400 + "。") == (400, 1)
    assert reading_stats("中" * 401) == (401, 2)


def test_reading_stats_english_counts_runs_of_letters_and_digits():
    # Python / 3 / 11 / is / fast / isn / t / it
    assert reading_stats("Python 3.11 is fast, isn't it?") == (8, 1)
    assert reading_stats(" ".join(["word"] * 220)) == (220, 1)
    assert reading_stats(" ".join(["word"] * 221)) == (221, 2)


def test_reading_stats_mixed_text_adds_both_rates():
    # 200 characters (half a minute) and 110 words (half a minute) make exactly one.
    assert reading_stats("中" * 200 + " word" * 110) == (310, 1)
    assert reading_stats("我们用 Flask 3 部署") == (7, 1)


def test_reading_stats_empty_text_is_at_least_one_minute():
    assert reading_stats("") == (0, 1)
