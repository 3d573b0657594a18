"""Japanese bytes under the wrong label, as the exploratory round over intake met them
(tests/test_intake_untried.py).

* EUC-JP labelled Shift_JIS: every EUC-JP byte pair is also valid CP932 (half-width
  katakana and kanji), so the strict CP932 decode "succeeded" and the ticket showed
  ``･ﾇ｡ｼ･ｿ･ﾙ｡ｼ･ｹ`` with no defect.
* ISO-2022-JP whose line ends still in JIS X 0208 (no ``ESC ( B``): the next line,
  plain ASCII, was read as kanji pairs. The WHATWG decoder, which browsers and most
  mail readers follow, returns to ASCII at a line feed; so do we, and say so.
"""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.charsets import decode_bytes

SENTENCES = [
    "データベースの接続エラーが出ます。",
    "サーバーが停止しました。至急ご確認ください。",
    "パスワードを忘れてしまいました",
    "会議室のプロジェクターが映りません。よろしくお願いします。",
    "ログイン画面でエラー（コード 503）が表示されます",
]
SJIS_LABELS = ["Shift_JIS", "shift-jis", "x-sjis", "cp932", "windows-31j", "MS932"]


@pytest.mark.parametrize("label", SJIS_LABELS)
@pytest.mark.parametrize("sentence", SENTENCES)
def test_euc_jp_labelled_shift_jis_is_read_as_euc_jp(label: str, sentence: str) -> None:
    text, notes = decode_bytes(sentence.encode("euc_jp"), label)
    assert text == sentence
    assert notes == [f"charset: labelled {label!r} but is EUC-JP, decoded as euc_jp"]


@pytest.mark.parametrize(
    "sentence",
    [
        *SENTENCES,
        "ﾌﾟﾘﾝﾀｰｴﾗｰ",  # half-width katakana only, odd and even lengths
        "ﾌﾟﾘﾝﾀｰｴﾗｰです",
        "ｱｲｳｴ ｶｷｸｹ",
        "ﾃｽﾄ ｶﾀｶﾅ ﾒｰﾙ と 全角カナ",
        "①㈱髙﨑～ ﾊﾝｶｸ",
    ],
)
def test_real_shift_jis_stays_shift_jis(sentence: str) -> None:
    assert decode_bytes(sentence.encode("cp932"), "Shift_JIS") == (sentence, [])


NO_RESET = "charset: ISO-2022-JP line ended without ESC ( B; read the next as ASCII"


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"])
@pytest.mark.parametrize("ascii_line", [b"host: web01 (10.0.0.5)", b"ok", b"", b"  indented"])
def test_a_jis_line_without_its_reset_does_not_eat_the_next(eol: bytes, ascii_line: bytes) -> None:
    data = eol.join([b"\x1b$B%5!<%P$,Mn$A$^$7$?", ascii_line, b"\x1b$B3NG'\x1b(B end"])
    text, notes = decode_bytes(data, "ISO-2022-JP")
    newline = eol.decode()
    assert text == newline.join(["サーバが落ちました", ascii_line.decode(), "確認 end"])
    assert notes == [NO_RESET]


def test_jis_that_resets_at_each_line_end_has_no_note() -> None:
    data = b"\x1b$B%5!<%P\x1b(B\nhost\n\x1b$B3NG'\x1b(B\n"
    assert decode_bytes(data, "ISO-2022-JP") == ("サーバ\nhost\n確認\n", [])


def test_half_width_katakana_over_a_line_end_returns_to_ascii_too() -> None:
    data = b"\x1b(IC=D\nabc"
    assert decode_bytes(data, "ISO-2022-JP") == ("ﾃｽﾄ\nabc", [NO_RESET])
