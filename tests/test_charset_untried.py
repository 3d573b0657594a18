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

from gateway.pipeline.parse.charsets import decode_bytes

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
