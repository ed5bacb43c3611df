"""The interface's catalogs: every string marked for translation has its Chinese form."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from webapp.i18n import language_of

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "webapp" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
# As the Makefile's extraction: N_ marks the templates of upload and import reasons.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "N_": None,
}


def marked_strings() -> dict[str, str]:
    """Return every msgid marked in the code and templates, with where it is."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_every_marked_string_is_translated_into_chinese():
    with open(CATALOG, "rb") as po:
        catalog = read_po(po, locale="zh")
    missing = []
    for msgid, where in sorted(marked_strings().items()):
        message = catalog.get(msgid)
        strings = message.string if message else None
        texts = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(texts):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, (
        "not in the Chinese catalog (run `make translations-update`):\n" + "\n".join(missing)
    )


def test_a_language_tag_picks_its_catalog():
    assert [language_of(tag) for tag in ("zh-CN", "zh_Hant", "ZH", "en-GB", "fr", "", None)] == [
        "zh", "zh", "zh", "en", "en", "en", "en"
    ]  # fmt: skip
