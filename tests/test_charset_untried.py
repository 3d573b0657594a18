"""Japanese charsets the earlier rounds had not tried (the mime11 exploratory round).

* A JIS row/cell pair that no mapping knows (an unassigned row, a corrupt byte) was read
  as U+F8F3, a private-use character, with nothing noted: the CP932 fallback for au's
  emoji tried the byte 0xFF, which Python's cp932 maps to the private-use area.
* JIS X 0213 (ISO-2022-JP-3 and -2004, ``ESC $ ( Q`` / ``ESC $ ( O``; EUC-JIS-2004) was
  read as JIS X 0208 with CP932's extensions: its added kanji came out as that U+F8F3,
  and its rows 89-92 as IBM's extension characters (ⅰ for 鄯).
"""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.charsets import decode_bytes, decode_header_value

UNDECODABLE = "charset: undecodable ISO-2022-JP character replaced"
EUC_REPLACED = "charset: invalid EUC-JP bytes replaced"


@pytest.mark.parametrize(
    ("data", "label", "note"),
    [
        # row 9 is empty in JIS X 0208 and in CP932
        (b"\x1b$B%F%9%H\x29\x21\x1b(B ok", "ISO-2022-JP", UNDECODABLE),
        (b"\x1b$B%F%9%H\x29\x21\x1b(B ok", None, UNDECODABLE),
        ("テスト".encode("euc_jp") + b"\xa9\xa1 ok", "EUC-JP", EUC_REPLACED),
    ],
    ids=["iso-2022-jp", "unlabelled-jis", "euc-jp"],
)
def test_a_pair_no_mapping_knows_is_replaced_and_noted(
    data: bytes, label: str | None, note: str
) -> None:
    text, notes = decode_bytes(data, label)
    assert text == "テスト\ufffd ok"
    assert note in notes


# 𠀋 and 𠂉 exist only in JIS X 0213; 鄯 is where CP932 has IBM's ⅰ; ① is in both
JIS_X_0213_TEXT = "𠀋𠂉の件、鄯さん①"


@pytest.mark.parametrize("codec", ["iso2022_jp_3", "iso2022_jp_2004"])
def test_iso_2022_jp_3_and_2004_are_read_as_jis_x_0213(codec: str) -> None:
    data = ("確認: " + JIS_X_0213_TEXT).encode(codec)
    assert decode_bytes(data, codec.replace("_", "-").replace("iso2022", "iso-2022")) == (
        "確認: " + JIS_X_0213_TEXT,
        [],
    )


@pytest.mark.parametrize("label", ["EUC-JIS-2004", "euc-jisx0213"])
def test_euc_jis_2004_is_read_as_jis_x_0213(label: str) -> None:
    data = JIS_X_0213_TEXT.encode("euc_jis_2004")
    assert decode_bytes(data, label) == (JIS_X_0213_TEXT, [])


# ISO-2022-JP-2 (RFC 1554): JIS X 0208 and 0212 plus GB2312 (ESC $ A), KS C 5601
# (ESC $ ( C), and ISO-8859-1 or -7 upper halves designated to G2 (ESC . A, ESC . F)
# whose characters come one at a time after a single shift (ESC N, 7-bit). The codecs'
# own encoder gives the first kinds; Emacs and Mule-based mailers write the last.
@pytest.mark.parametrize(
    "text", ["한국어 지원", "简体中文", "東京 한국 简体 Grüße", "확인했습니다\r\n次の行"]
)
def test_iso_2022_jp_2_chinese_and_korean_are_read(text: str) -> None:
    assert decode_bytes(text.encode("iso2022_jp_2"), "ISO-2022-JP-2") == (text, [])


@pytest.mark.parametrize("label", ["ISO-2022-JP-2", None])
def test_iso_2022_jp_2_single_shifted_latin_and_greek_are_read(label: str | None) -> None:
    latin = b"Gr\x1b.A\x1bN|\x1bN_e"  # Grüße: ü and ß are 0xFC and 0xDF in ISO-8859-1
    greek = b"\x1b.F\x1bNa\x1bNb"  # αβ: 0xE1 and 0xE2 in ISO-8859-7
    data = b"\x1b$BEl5~\x1b(B " + latin + b" " + greek
    assert decode_bytes(data, label) == ("東京 Grüße αβ", [])


# UTF-8 under a Shift_JIS label (a web form's or a script's header on text typed
# elsewhere): most of it fails as CP932 and is read as UTF-8 already, but short text
# can be valid CP932 too: 東京 in UTF-8 (E6 9D B1 E4 BA AC) read as 譚ｱ莠ｬ, unnoted.
@pytest.mark.parametrize("text", ["東京", "大阪 ok", "山田", "佐藤: 至急", "会議 停止 障害"])
@pytest.mark.parametrize("label", ["Shift_JIS", "cp932", "x-sjis"])
def test_short_utf8_under_a_shift_jis_label_is_read_as_utf8(text: str, label: str) -> None:
    data = text.encode()
    assert "\ufffd" not in data.decode("cp932", "replace")  # the case: valid CP932 too
    assert decode_bytes(data, label) == (text, [f"charset: {label!r} decoded as utf-8"])


@pytest.mark.parametrize("text", ["ﾃｽ", "ﾃｽ ok", "ok ﾃｽ ﾃｽ"])
def test_shift_jis_that_is_also_utf8_but_not_japanese_there_stays_shift_jis(text: str) -> None:
    """ﾃｽ (C3 BD) is ý in UTF-8: only a UTF-8 reading with kanji or kana wins."""
    data = text.encode("cp932")
    assert data.decode("utf-8")  # valid UTF-8 as well
    assert decode_bytes(data, "Shift_JIS") == (text, [])


# EUC-JP kanji whose bytes all fall in A1-DF are half-width katakana in CP932: 山田太郎
# (BB B3 C5 C4 C2 C0 CF BA) read as ｻｳﾅﾄﾂﾀﾏｺ in ISO-2022-JP mail, where 見積書送付 was read
# right (tests/test_charset.py). RFC 1468 keeps half-width katakana out of such mail.
EUC_NAMES = ["山田太郎", "佐藤", "山田 太郎 様"]


@pytest.mark.parametrize("hint", ["ISO-2022-JP", "EUC-JP"])
@pytest.mark.parametrize("name", EUC_NAMES)
def test_raw_euc_jp_kanji_that_cp932_reads_as_half_width_kana(name: str, hint: str) -> None:
    data = name.encode("euc_jp")
    assert set(data) - set(b" ") <= set(range(0xA1, 0xE0))  # the case: all half-width
    assert decode_header_value(data, hint) == name


@pytest.mark.parametrize("hint", ["Shift_JIS", "ISO-2022-JP", None])
def test_a_raw_half_width_printer_alert_stays_half_width(hint: str | None) -> None:
    """Odd runs cannot be EUC-JP; under a Shift_JIS body half-width is the body's own."""
    for alert in ["ﾌﾟﾘﾝﾀ ｴﾗｰ", "ﾄﾅｰ ｶﾞ ﾅｲ"]:
        assert decode_header_value(alert.encode("cp932"), hint) == alert
