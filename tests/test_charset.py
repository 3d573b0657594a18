"""Table-driven tests for gateway.pipeline.charset on Japanese mail as it really arrives."""

from __future__ import annotations

import base64
import random

import pytest

from gateway.pipeline.parse.charsets import (
    decode_bytes,
    decode_header_value,
    decode_header_with_notes,
)
from tests.support.jis import encode_cp50221 as to_jis

ESC_JIS, ESC_OLD_JIS, ESC_ASCII, ESC_ROMAN, ESC_KANA = (
    b"\x1b$B",
    b"\x1b$@",
    b"\x1b(B",
    b"\x1b(J",
    b"\x1b(I",
)


def test_jis_helper_matches_real_iphone_bytes() -> None:
    # Subject of jpmobile/iphone-circled-numbers-in-jis.eml, base64-decoded.
    real = base64.b64decode("GyRCJUYlOSVILSEbKEI=")
    assert to_jis("テスト①") == real
    with pytest.raises(UnicodeDecodeError):
        real.decode("iso2022_jp")  # the stdlib alone cannot read it


NEC_IBM = "株式会社①②③ ㈱ Ⅰ Ⅱ Ⅲ ㍻ № 髙橋 﨑"

BODY_CASES = [
    # (id, bytes, label, expected text)
    ("jis-nec-ibm", to_jis(NEC_IBM), "iso-2022-jp", NEC_IBM),
    ("jis-nec-upper-label", to_jis(NEC_IBM), "ISO-2022-JP", NEC_IBM),
    ("jis-cp50220-label", to_jis(NEC_IBM), "cp50220", NEC_IBM),
    ("jis-quoted-label", to_jis("テスト①"), '"iso-2022-jp"', "テスト①"),
    ("jis-unlabelled", to_jis("本文です。①"), None, "本文です。①"),
    ("jis-old-escape", to_jis("日本語", ESC_OLD_JIS), None, "日本語"),
    ("jis-roman", ESC_ROMAN + b"abc" + ESC_JIS + b'$"' + ESC_ASCII, None, "abcあ"),
    ("jis-halfwidth-kana", to_jis("ﾃｽﾄ ｶﾀｶﾅ"), "iso-2022-jp", "ﾃｽﾄ ｶﾀｶﾅ"),
    ("jis-mixed-kana", to_jis("全角テスト と ﾊﾝｶｸ"), "iso-2022-jp", "全角テスト と ﾊﾝｶｸ"),
    ("jis-so-si-kana", b"a\x0e\x43\x3d\x44\x0fb", "iso-2022-jp", "aﾃｽﾄb"),
    ("jis-under-ascii-label", to_jis("件名"), "us-ascii", "件名"),
    ("jis-under-utf8-label", to_jis("件名"), "utf-8", "件名"),
    ("jis-multiline", to_jis("一行目\n二行目①"), "iso-2022-jp", "一行目\n二行目①"),
    ("sjis-label-cp932-chars", "～①髙".encode("cp932"), "shift_jis", "～①髙"),
    ("sjis-alias", "～①髙".encode("cp932"), "sjis", "～①髙"),
    ("x-sjis", "～①髙".encode("cp932"), "x-sjis", "～①髙"),
    ("sjis-upper", "テスト㈱".encode("cp932"), "Shift_JIS", "テスト㈱"),
    ("windows-31j", "テスト㈱".encode("cp932"), "windows-31j", "テスト㈱"),
    ("cp932-label", "テストです。㈱".encode("cp932"), "cp932", "テストです。㈱"),
    ("sjis-plain", "あいうえお".encode("shift_jis"), "shift_jis", "あいうえお"),
    (
        "sjis-unlabelled",
        "このメールはテスト用です".encode("cp932"),
        None,
        "このメールはテスト用です",
    ),
    ("euc-jp", "日本語のテキストです".encode("euc_jp"), "euc-jp", "日本語のテキストです"),
    ("euc-jp-x-label", "日本語のテキストです".encode("euc_jp"), "x-euc-jp", "日本語のテキストです"),
    ("euc-jp-nec-row13", "丸数字①".encode("euc_jis_2004"), "euc-jp", "丸数字①"),
    ("euc-jp-halfwidth", "ｶﾅです".encode("euc_jp"), "euc-jp", "ｶﾅです"),
    ("euc-unlabelled", "ひらがなとカタカナ".encode("euc_jp"), None, "ひらがなとカタカナ"),
    ("utf8", "日本語 ①".encode(), "utf-8", "日本語 ①"),
    ("utf8-unlabelled", "日本語 ①".encode(), None, "日本語 ①"),
    ("utf8-bom", b"\xef\xbb\xbf" + "本文".encode(), "UTF-8", "本文"),
    ("sjis-mislabelled-utf8", "テストです".encode("cp932"), "utf-8", "テストです"),
    ("bogus-label-utf8", "Grüße".encode(), "x-bogus", "Grüße"),
    ("bogus-label-latin", "Café".encode("latin-1"), "x-foo", "Café"),
    ("invalid-charset-label", b"plain ascii", "invalid-charset", "plain ascii"),
    ("latin1-is-cp1252", b"\x93quoted\x94 \x80", "iso-8859-1", "\u201cquoted\u201d €"),
    ("hebrew-8859-8-i", "שלום".encode("iso-8859-8"), "iso-8859-8-i", "שלום"),
    ("korean-ks_c", "안녕하세요".encode("cp949"), "ks_c_5601-1987", "안녕하세요"),
    ("gb2312", "增值税".encode("gb18030"), "gb2312", "增值税"),
    ("utf7", b"Die Fr+APY-sche", "unicode-1-1-utf-7", "Die Frösche"),
    ("unlabelled-latin1", "Frösche".encode("latin-1"), None, "Frösche"),
    ("empty-label", "Straße".encode(), "", "Straße"),
]

# A single-byte label (Latin-1 is PHPMailer's and JavaMail's default) on a body that
# is valid UTF-8: any bytes are valid Latin-1, so only UTF-8's own structure tells.
UTF8_UNDER_A_SINGLE_BYTE_LABEL = [
    ("プリンタが壊れました。①", "iso-8859-1"),
    ("プリンタが壊れました。", "windows-1252"),
    ("Grüße aus Köln", "iso-8859-15"),
    ("Привет", "koi8-r"),
    ("日本語", "windows-1251"),
]


@pytest.mark.parametrize(("text", "label"), UTF8_UNDER_A_SINGLE_BYTE_LABEL)
def test_utf8_under_a_single_byte_label_is_read_as_utf8_and_noted(text: str, label: str) -> None:
    decoded, notes = decode_bytes(text.encode(), label)
    assert decoded == text
    assert notes == [f"charset: labelled {label!r} but is UTF-8, decoded as utf-8"]


def test_latin1_that_is_not_utf8_stays_latin1() -> None:
    assert decode_bytes("Frösche à la carte".encode("latin-1"), "iso-8859-1") == (
        "Frösche à la carte",
        [],
    )


# Japanese bytes under a Western label: PHP's mail(), Java mailers and web forms label
# what they send ISO-8859-1 whatever it holds; printers and UPS units send half-width
# katakana alerts in raw Shift_JIS with no label at all
JAPANESE_UNDER_A_WESTERN_LABEL = [
    ("お世話になっております。サーバ①が停止しました。", "cp932"),
    ("お世話になっております。サーバが停止しました。", "euc_jp"),
    ("ﾌﾟﾘﾝﾀ ﾄﾅｰｴﾝﾄﾞ ｺｳｶﾝｼﾃｸﾀﾞｻｲ", "cp932"),
    ("ｴﾗｰ: 3F ﾌﾟﾘﾝﾀ", "cp932"),
]


@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1252", "iso-8859-15", None])
@pytest.mark.parametrize(("text", "codec"), JAPANESE_UNDER_A_WESTERN_LABEL)
def test_japanese_under_a_western_label_or_none_is_read_as_japanese(
    text: str, codec: str, label: str | None
) -> None:
    decoded, notes = decode_bytes(text.encode(codec), label)
    assert decoded == text
    assert notes  # a guess, so said


# Western text whose bytes CP932 also reads (à é è before a letter are kanji, Ö ß and
# other capitals are single half-width katakana): still Western
WESTERN = [
    "Frösche à la carte",
    "Straße",
    "GRÖßE",
    "Déjà vu, ÉTÉ À PARIS",
    "¡Hola! ¿Qué tal?",
    "© 2026 ÀÉ Ångström",
    "naïve façade",
    "ÄÖÜ äöü ß",
    "Müller ±5°C",
    "crème brûlée",  # è m, û l, é e: three kanji in CP932, two of them side by side
    "Légère été à Zürich",
]


@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1252", None])
@pytest.mark.parametrize("text", WESTERN)
def test_western_text_stays_western(text: str, label: str | None) -> None:
    assert decode_bytes(text.encode("latin-1"), label)[0] == text


@pytest.mark.parametrize("label", ["koi8-r", "windows-1251"])
def test_cyrillic_is_never_taken_for_half_width_katakana(label: str) -> None:
    text = "ПРИВЕТ МИР привет мир"
    assert decode_bytes(text.encode(label), label) == (text, [])


def test_shift_jis_under_an_euc_jp_label_is_read_as_shift_jis() -> None:
    text = "お世話になっております。サーバ①が停止しました。"
    decoded, notes = decode_bytes(text.encode("cp932"), "euc-jp")
    assert decoded == text
    assert notes == ["charset: labelled 'euc-jp' but is not EUC-JP, decoded as cp932"]


def test_utf8_under_an_euc_jp_label_is_read_as_utf8() -> None:
    """As under a Shift_JIS label: a label a Unix tool set, on text written elsewhere."""
    text = "①髙橋です。"
    decoded, notes = decode_bytes(text.encode(), "euc-jp")
    assert decoded == text
    assert notes == ["charset: labelled 'euc-jp' but is not EUC-JP, decoded as utf-8"]


# labels of Japanese charsets written by Java (ibm943, x-eucjp-open-…), .NET
# (windows-932), old Macs (x-mac-japanese) and browsers (unicode-1-1-utf-8): each was an
# unknown label, and text without kana (①髙橋, a name) came out as windows-1252
@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("ibm943", "cp932"),
        ("cp943c", "cp932"),
        ("windows-932", "cp932"),
        ("x-mac-japanese", "cp932"),
        ("x-eucjp-open-19970715-ms", "euc_jp"),
        ("eucjp-open", "euc_jp"),
        ("x-iso-2022-jp", "iso2022_jp"),
        ("unicode-1-1-utf-8", "utf-8"),
    ],
)
def test_labels_of_japanese_charsets_from_other_platforms(label: str, codec: str) -> None:
    text = "髙橋" if codec == "cp932" else "高橋"
    assert decode_bytes(text.encode(codec), label) == (text, [])


@pytest.mark.parametrize(
    ("data", "label", "expected"), [c[1:] for c in BODY_CASES], ids=[c[0] for c in BODY_CASES]
)
def test_decode_bytes(data: bytes, label: str | None, expected: str) -> None:
    text, _notes = decode_bytes(data, label)
    assert text == expected
    assert "\x1b" not in text


def test_unknown_label_is_reported() -> None:
    text, notes = decode_bytes("Café".encode("latin-1"), "x-foo")
    assert text == "Café"
    assert notes == ["charset: unknown label 'x-foo', decoded as cp1252"]


def test_clean_decode_has_no_notes() -> None:
    assert decode_bytes(to_jis(NEC_IBM), "iso-2022-jp") == (NEC_IBM, [])
    assert decode_bytes("～①".encode("cp932"), "shift_jis") == ("～①", [])


# Six JIS X 0208 characters have two Unicode mappings: the standard one (what the
# euc_jp and iso2022_jp codecs give: 〜 U+301C, − U+2212, ‖, ¢, £, ¬) and
# Windows' (CP932: ～ U+FF5E, － U+FF0D, ∥, ￠, ￡, ￢), which is what Windows and
# Japanese mail clients show and what a Shift_JIS mail of the same text holds.
# Read the Windows way, ISO-2022-JP and EUC-JP mail agree with Shift_JIS mail, so the
# model number a customer typed (ＭＦＣ－Ｌ２７５０) is found when searched for as
# typed or as MFC-L2750, and Ｗｉ－Ｆｉ matches the catalog keyword wi-fi.
WINDOWS_FORMS = "ＭＦＣ－Ｌ２７５０、10時～12時 ∥ ￠￡￢"


@pytest.mark.parametrize("extra", ["", "①"], ids=["standard-run", "nec-run"])
def test_jis_reads_the_six_ambiguous_characters_as_windows_does(extra: str) -> None:
    text = WINDOWS_FORMS + extra
    assert decode_bytes(to_jis(text), "iso-2022-jp") == (text, [])
    assert decode_bytes(to_jis(text), None)[0] == text
    assert decode_bytes(text.encode("cp932"), "shift_jis") == (text, [])


def test_euc_reads_the_six_ambiguous_characters_as_windows_does() -> None:
    standard = "ＭＦＣ−Ｌ２７５０、10時〜12時 ‖ ¢£¬"  # as euc_jp encodes them
    assert decode_bytes(standard.encode("euc_jp"), "euc-jp") == (WINDOWS_FORMS, [])
    assert decode_bytes((standard + "①").encode("euc_jis_2004"), "euc-jp")[0] == (
        WINDOWS_FORMS + "①"
    )


def test_broken_utf8_is_replaced_and_reported() -> None:
    text, notes = decode_bytes(
        "zm\u011bna ".encode() + b"\xff\xfe" + "vyhodnocen\u00ed".encode(), "utf-8"
    )
    assert text.startswith("změna ")
    assert text.endswith("vyhodnocení")
    assert "\ufffd" in text
    assert any("undecodable bytes replaced" in n for n in notes)


def test_8bit_bytes_inside_jis_are_not_lost() -> None:
    data = to_jis("前") + "後".encode() + to_jis("①")
    text, notes = decode_bytes(data, "iso-2022-jp")
    assert text == "前後①"
    assert notes


@pytest.mark.parametrize(
    "data",
    [
        b"\x1b$Babc\x1b(Bxyz\x1b$(C!!",  # odd-length JIS run and an unsupported escape
        b"\x1b$B\x7f\x7f\x1b(B",
        b"\x1b$B",
        b"\x1b",
        b"text \x1b[31mred\x1b[0m",
        b"\x1b$)C\x0e!!\x0f",  # ISO-2022-KR designator
    ],
)
def test_never_returns_escape_sequences(data: bytes) -> None:
    for label in ("iso-2022-jp", None, "utf-8", "x-unknown"):
        text, _ = decode_bytes(data, label)
        assert "\x1b" not in text


def test_decode_bytes_never_raises_on_noise() -> None:
    rng = random.Random(20240101)
    labels = [
        None,
        "",
        "utf-8",
        "iso-2022-jp",
        "shift_jis",
        "euc-jp",
        "x-foo",
        "utf-16",
        "base64",
        "rot13",
        "idna",
        "utf-7",
        "gb2312",
        "cp50220",
        "us-ascii",
        "\x00",
    ]
    for _ in range(400):
        data = rng.randbytes(rng.randint(1, 64))
        if rng.random() < 0.3:
            data = b"\x1b$B" + data
        text, notes = decode_bytes(data, rng.choice(labels))
        assert isinstance(text, str)
        assert all(isinstance(n, str) for n in notes)
        assert "\x1b" not in text


# --- headers ---------------------------------------------------------------------------------

_UTF8_SUBJECT = "日本語の件名①です".encode()
_JIS_SUBJECT = to_jis("タイトルの長いメールの件名①㈱")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


HEADER_CASES = [
    ("jis-b", "=?ISO-2022-JP?B?" + _b64(_JIS_SUBJECT) + "?=", "タイトルの長いメールの件名①㈱"),
    ("jis-real-iphone", "=?iso-2022-jp?B?GyRCJUYlOSVILSEbKEI=?=", "テスト①"),
    (
        "jis-folded-two-words",
        "=?ISO-2022-JP?B?GyRCRnxLXDhsJWEhPCVrJUYlOSVIGyhCICh0ZXN0aW5nIEph?=\r\n"
        " =?ISO-2022-JP?B?cGFuZXNlIGVtYWlscyk=?=",
        "日本語メールテスト (testing Japanese emails)",
    ),
    (
        # one JIS string split mid-character: the escape sequence state spans both words
        "jis-split-mid-character",
        "=?ISO-2022-JP?B?"
        + _b64(_JIS_SUBJECT[:9])
        + "?= =?ISO-2022-JP?B?"
        + _b64(_JIS_SUBJECT[9:])
        + "?=",
        "タイトルの長いメールの件名①㈱",
    ),
    (
        "utf8-split-mid-character",
        "=?UTF-8?B?"
        + _b64(_UTF8_SUBJECT[:4])
        + "?=\n\t=?utf-8?B?"
        + _b64(_UTF8_SUBJECT[4:])
        + "?=",
        "日本語の件名①です",
    ),
    (
        # one character split between words whose labels name the same charset
        "alias-labels-split-mid-character",
        "=?UTF-8?B?" + _b64(_UTF8_SUBJECT[:4]) + "?= =?utf8?B?" + _b64(_UTF8_SUBJECT[4:]) + "?=",
        "日本語の件名①です",
    ),
    (
        "sjis-alias-labels-split-mid-character",
        "=?Shift_JIS?B?"
        + _b64("日本語の件名".encode("cp932")[:3])
        + "?= =?CP932?B?"
        + _b64("日本語の件名".encode("cp932")[3:])
        + "?=",
        "日本語の件名",
    ),
    (
        "base64-split-mid-quantum",
        "=?utf-8?B?" + _b64(_UTF8_SUBJECT)[:6] + "?= =?utf-8?B?" + _b64(_UTF8_SUBJECT)[6:] + "?=",
        "日本語の件名①です",
    ),
    ("sjis-b", "=?Shift_JIS?B?" + _b64("題名～①".encode("cp932")) + "?=", "題名～①"),
    (
        "sjis-with-text",
        "Re: =?shift_jis?B?" + _b64("テスト".encode("cp932")) + "?= ok",
        "Re: テスト ok",
    ),
    ("utf8-q", "=?utf-8?Q?caf=C3=A9_cr=C3=A8me?=", "café crème"),
    ("q-split", "=?utf-8?Q?caf=C3?= =?utf-8?Q?=A9?=", "café"),
    (
        "mixed-charsets",
        "=?iso-8859-1?Q?Fr=F6sche?= =?utf-8?B?" + _b64("と蛙".encode()) + "?=",
        "Froscheと蛙".replace("o", "ö", 1),
    ),
    ("unknown-charset", "=?x-unknown?Q?caf=E9?=", "café"),
    ("bogus-charset-utf8", "=?foo?B?" + _b64("日本".encode()) + "?=", "日本"),
    ("lang-suffix", "=?ISO-2022-JP*ja?B?GyRCJUYlOSVILSEbKEI=?=", "テスト①"),
    ("windows-1252", "=?windows-1252?Q?Die_Hasen_und_die_Fr=F6sche?=", "Die Hasen und die Frösche"),
    ("8859-8-i", "=?iso-8859-8-i?B?" + _b64("שלום".encode("iso-8859-8")) + "?=", "שלום"),
    ("plain-ascii", "Hello world", "Hello world"),
    ("folded-plain", "a long\r\n subject\r\n\tline", "a long subject line"),
    ("control-chars", "bad\x00sub\x07ject\rhere", "bad sub ject here"),
    ("bad-base64", "=?utf-8?B?!!!?= after", "after"),
]


@pytest.mark.parametrize(
    ("raw", "expected"), [c[1:] for c in HEADER_CASES], ids=[c[0] for c in HEADER_CASES]
)
def test_decode_header_value(raw: str, expected: str) -> None:
    value = decode_header_value(raw)
    assert value == expected
    assert "=?" not in value
    assert "\n" not in value and "\r" not in value and "\x1b" not in value


RAW_HEADER_CASES = [
    ("raw-utf8", "メールエラー通知".encode(), "メールエラー通知"),
    ("raw-sjis", "テスト件名です".encode("cp932"), "テスト件名です"),
    ("raw-euc", "テスト件名です".encode("euc_jp"), "テスト件名です"),
    ("raw-jis-escapes", to_jis("件名①") + b" (fw)", "件名① (fw)"),
    ("raw-latin1", "Ingo Lütkebohle".encode("latin-1"), "Ingo Lütkebohle"),
    ("raw-8bit-inside-encoded-word", b"=?iso-8859-1?Q?Die_Fr\xf6sche?=", "Die Frösche"),
]


@pytest.mark.parametrize(
    ("raw", "expected"), [c[1:] for c in RAW_HEADER_CASES], ids=[c[0] for c in RAW_HEADER_CASES]
)
def test_raw_8bit_headers(raw: bytes, expected: str) -> None:
    assert decode_header_value(raw) == expected
    # compat32 hands the same bytes over as a str with surrogate escapes
    assert decode_header_value(raw.decode("ascii", "surrogateescape")) == expected


# subjects of kanji alone, as business mail has them, in raw Shift_JIS: no kana for the
# sniffing to know them by; under an ISO-2022-JP body (whose 8-bit bytes can only be the
# writer's code page) or no body charset they were read as windows-1252
KANJI_SUBJECTS = ["見積書送付", "御見積依頼", "至急対応願", "東京本社", "【至急】見積書", "至急"]


@pytest.mark.parametrize("hint", ["ISO-2022-JP", "iso-2022-jp", None, "us-ascii"])
@pytest.mark.parametrize("subject", KANJI_SUBJECTS)
def test_a_raw_shift_jis_subject_of_kanji_alone(subject: str, hint: str | None) -> None:
    assert decode_header_value(subject.encode("cp932"), hint) == subject


@pytest.mark.parametrize("subject", KANJI_SUBJECTS)
def test_a_raw_euc_jp_subject_of_kanji_alone_in_japanese_mail(subject: str) -> None:
    """EUC-JP kanji are GB2312 bytes too: in mail whose text is ISO-2022-JP they are
    EUC-JP (a Unix mailer's), not Chinese (東京本社 was 澎叠塑家)."""
    assert decode_header_value(subject.encode("euc_jp"), "ISO-2022-JP") == subject


def test_fallback_charset_is_used_for_raw_bytes() -> None:
    raw = "代开发票".encode("gb18030")
    assert decode_header_value(raw, fallback_charset="gb2312") == "代开发票"


def test_raw_utf7_header_only_with_utf7_body() -> None:
    raw = "Die Hasen und die Fr+APY-sche"
    assert decode_header_value(raw, fallback_charset="UTF-7") == "Die Hasen und die Frösche"
    assert decode_header_value(raw) == raw
    assert decode_header_value("C++ rocks", fallback_charset="utf-7") == "C++ rocks"


def test_encoded_word_spacing() -> None:
    assert decode_header_value("=?utf-8?Q?a?= b =?utf-8?Q?c?=") == "a b c"
    assert decode_header_value("=?utf-8?Q?a?=b") == "ab"
    assert decode_header_value("Re:  =?utf-8?Q?x?=  (fwd)") == "Re: x (fwd)"


def test_undeclared_8bit_header_is_reported() -> None:
    value, notes = decode_header_with_notes("Frösche".encode("latin-1"))
    assert value == "Frösche"
    assert any("undeclared 8-bit" in n for n in notes)


def test_decode_header_never_raises_on_noise() -> None:
    rng = random.Random(7)
    pieces = ["=?utf-8?B?", "=?iso-2022-jp?Q?", "?=", "=?", "\x1b$B", "\r\n ", "abc", "=E9", "_"]
    for _ in range(300):
        raw = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        value = decode_header_value(raw)
        assert "\n" not in value and "\x1b" not in value
        noise = rng.randbytes(rng.randint(1, 40))
        assert "\n" not in decode_header_value(noise)
