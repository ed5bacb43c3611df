"""Reading uploaded bytes as text: UTF-8 (with or without BOM), UTF-16, GB18030, line ends."""

from __future__ import annotations

import codecs
import random

import pytest

from webapp.content.encoding import BINARY, NOT_TEXT, DecodeError, decode_declared, decode_text

CHINESE = "---\ntitle: 树状数组\n---\n树状数组（Fenwick tree）支持单点修改和前缀和查询，复杂度 $O(\\log n)$。\n"


def test_utf8_is_read_as_is():
    assert decode_text(CHINESE.encode("utf-8")) == CHINESE


def test_utf8_bom_is_removed():
    assert decode_text(codecs.BOM_UTF8 + CHINESE.encode("utf-8")) == CHINESE


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(encoding):
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    assert decode_text(bom + CHINESE.encode(encoding)) == CHINESE


def test_utf16_crlf_is_normalised():
    data = codecs.BOM_UTF16_LE + "a\r\nb\r\n".encode("utf-16-le")
    assert decode_text(data) == "a\nb\n"


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_chinese_windows_text(encoding):
    assert decode_text(CHINESE.encode(encoding)) == CHINESE


def test_gb18030_with_crlf_keeps_front_matter_readable():
    data = CHINESE.replace("\n", "\r\n").encode("gb18030")
    assert decode_text(data) == CHINESE


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"---\r\ntitle: a\r\n---\r\nbody\r\n", "---\ntitle: a\n---\nbody\n"),
        (b"---\rtitle: a\r---\rbody\r", "---\ntitle: a\n---\nbody\n"),
        (b"mixed\r\nends\rand\nmore", "mixed\nends\nand\nmore"),
    ],
)
def test_crlf_and_cr_become_lf(data, text):
    assert decode_text(data) == text


def test_valid_utf8_wins_over_gb18030():
    # These bytes are valid in both encodings; UTF-8 is the reading that is kept.
    data = "数据".encode()
    assert data.decode("gb18030") != "数据"
    assert decode_text(data) == "数据"


def test_empty_file_is_empty_text():
    assert decode_text(b"") == ""


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
        bytes(range(1, 32)) * 20,
    ],
    ids=["png", "zip", "control-characters"],
)
def test_binary_data_is_refused(data):
    with pytest.raises(DecodeError) as raised:
        decode_text(data)
    assert str(raised.value) in (BINARY, NOT_TEXT)


@pytest.mark.parametrize("seed", range(10))
def test_random_bytes_are_refused(seed):
    data = random.Random(seed).randbytes(4000).replace(b"\x00", b"\x01")
    with pytest.raises(DecodeError):
        decode_text(data)


def test_gb18030_reading_full_of_private_use_characters_is_refused():
    # 0xAAA1.. and 0xF8A1.. are GBK's user-defined areas: valid GB18030, private-use text.
    data = b"\xaa\xa1\xaa\xa2\xf8\xa1\xf8\xa2 note"
    assert all(0xE000 <= ord(c) <= 0xF8FF for c in data.decode("gb18030")[:4])
    with pytest.raises(DecodeError) as raised:
        decode_text(data)
    assert str(raised.value) == NOT_TEXT


def test_latin1_text_is_not_mistaken_for_chinese():
    with pytest.raises(DecodeError):
        decode_text("Café au lait, résumé é".encode("latin-1"))


def test_bad_bytes_after_a_utf8_bom_are_refused():
    with pytest.raises(DecodeError):
        decode_text(codecs.BOM_UTF8 + b"ok \xff\xfe\xfd")


def test_a_tab_escape_and_form_feed_are_text():
    assert decode_text(b"a\tb\x1b[0m\x0c") == "a\tb\x1b[0m\x0c"


# --- a charset the sender declares ------------------------------------------------------------


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "gb18030", "gbk", "utf-16"])
def test_a_declared_charset_reads_like_a_guessed_one(charset):
    data = CHINESE.replace("\n", "\r\n").encode(charset)
    assert decode_declared(data, charset) == CHINESE


@pytest.mark.parametrize(
    "data", [b"text\x00more", b"\x01\x02\x03\x04 binary \x05\x06", "a\x00b".encode("utf-16")]
)
def test_a_declared_charset_does_not_skip_the_binary_checks(data):
    charset = "utf-16" if data.startswith(codecs.BOM_UTF16_LE) else "utf-8"
    with pytest.raises(DecodeError) as caught:
        decode_declared(data, charset)
    assert str(caught.value) == BINARY


def test_a_declared_charset_drops_the_byte_order_mark():
    assert decode_declared(codecs.BOM_UTF8 + b"# Hi", "utf-8") == "# Hi"


@pytest.mark.parametrize("charset", ["no-such-set", "rot13", "base64", "punycode", "idna"])
def test_codecs_that_are_not_character_sets_are_refused(charset):
    with pytest.raises(DecodeError, match="not a character set"):
        decode_declared(b"# Hi", charset)


def test_bytes_invalid_in_the_declared_charset_are_refused():
    with pytest.raises(DecodeError, match="not valid utf-8 text"):
        decode_declared("中文".encode("gb18030"), "utf-8")
