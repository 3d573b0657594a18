"""Classification against the packaged example catalog, over realistic requests.

Each case goes through the real parser first, so quoted history and signatures
are cut exactly as they are in production before the keywords are counted.
"""

from __future__ import annotations

import pytest

from gateway.catalog.load import load_catalog, parse_catalog
from gateway.catalog.match import BODY_WEIGHT, SUBJECT_WEIGHT, classify
from gateway.catalog.model import Catalog
from gateway.pipeline.parse.message import parse_message
from tests.support.catalogs import EXAMPLE
from tests.support.cpu import cpu_within
from tests.support.mails import mail

QUOTED_PRINTER = (
    "\n\nOn Mon, 2 Mar 2026 at 09:00, Support <support@example.test> wrote:\n"
    "> Your printer ticket about the toner and the paper jam was closed.\n"
    "> プリンタのトナーを交換しました。\n"
)
QUOTED_JA_VPN = (
    "\n\n2026年3月2日(月) 9:00 サポート <support@example.test>:\n"
    "> VPNの接続についてのお問い合わせありがとうございます。\n"
    "> リモートアクセスの設定を確認してください。\n"
)
SIGNATURE_SERVER = "\n-- \n山田太郎\nサーバ管理部 障害対応チーム\n"

CASES: list[tuple[str, str, str, str]] = [
    # (case id, subject, body, expected entry)
    ("en-vpn-subject", "VPN does not connect", "Hello,\nsince this morning it fails.\n", "vpn"),
    ("ja-vpn-fullwidth", "ＶＰＮに接続できません", "朝から接続できません。\n", "vpn"),
    ("ja-vpn-halfwidth-body", "接続の件", "在宅勤務でvpnが使えません。\n", "vpn"),
    (
        "en-vpn-anyconnect",
        "Cannot connect from home",
        "AnyConnect says login failed certificate error.\n",
        "vpn",
    ),
    ("ja-vpn-telework", "テレワーク環境について", "社外から社内システムに入れません。\n", "vpn"),
    (
        "en-vpn-remote-access",
        "Remote access request",
        "I need remote access for a contractor next week.\n",
        "vpn",
    ),
    ("en-vpn-globalprotect-fw", "GLOBALPROTECT keeps disconnecting", "Every 10 minutes.\n", "vpn"),
    (
        "ja-vpn-network-veto",
        "VPNのネットワークが遅い",
        "ネットワークが遅く、会議が切れます。\n",
        "vpn",
    ),
    (
        "en-account-password",
        "Password reset",
        "I forgot my password, please reset it.\n",
        "account",
    ),
    (
        "ja-account-password-fw",
        "パスワードの再設定",
        "パスワードを忘れてしまいました。\n",
        "account",
    ),
    (
        "en-account-locked",
        "Locked out of my account",
        "After three tries I am locked out.\n",
        "account",
    ),
    ("ja-account-lock", "アカウントがロックされました", "ログインできません。\n", "account"),
    (
        "en-account-mfa",
        "New phone, MFA not working",
        "I changed my phone and the MFA codes are rejected.\n",
        "account",
    ),
    ("ja-account-2fa-fullwidth", "２ＦＡの再登録", "スマホを機種変更しました。\n", "account"),
    (
        "ja-account-onboarding",
        "新入社員のアカウント作成",
        "4月1日入社の佐藤さんの分をお願いします。\n",
        "account",
    ),
    (
        "en-account-offboarding",
        "Offboarding: J. Smith",
        "Please disable all accesses from Friday.\n",
        "account",
    ),
    (
        "ja-account-permission",
        "共有フォルダの権限追加",
        "経理フォルダへの権限をください。\n",
        "account",
    ),
    (
        "en-printer",
        "Printer on 3F offline",
        "The printer near the kitchen shows offline.\n",
        "printer",
    ),
    (
        "ja-printer-halfwidth-kana",
        "ﾌﾟﾘﾝﾀが動かない",
        "印刷ボタンを押しても出てきません。\n",
        "printer",
    ),
    ("ja-printer-fullwidth", "プリンターのトナー切れ", "３階のプリンターです。\n", "printer"),
    ("en-printer-paper-jam", "Paper jam again", "Tray 2 jams every morning.\n", "printer"),
    (
        "ja-printer-mfp",
        "複合機のスキャンができない",
        "スキャンしたPDFがメールで届きません。\n",
        "printer",
    ),
    (
        "en-printer-printing",
        "Cannot print PDFs",
        "Printing from Acrobat gives an error.\n",
        "printer",
    ),
    (
        "en-network-wifi",
        "Wi-Fi drops in meeting room B",
        "The WiFi disconnects every few minutes.\n",
        "network",
    ),
    ("ja-network-wireless", "無線LANにつながらない", "会議室で無線LANが見えません。\n", "network"),
    ("ja-network-fullwidth-wifi", "Ｗｉ－Ｆｉが遅い", "午後になると遅くなります。\n", "network"),
    (
        "en-network-internet",
        "No internet on floor 2",
        "Wired LAN and internet are down for everyone on floor 2.\n",
        "network",
    ),
    ("ja-network-ip", "IPアドレスの払い出し", "新しい検証機にIPアドレスをください。\n", "network"),
    (
        "en-server-outage",
        "OUTAGE: order system",
        "The order system is down since 10:05.\n",
        "server",
    ),
    (
        "ja-server-incident",
        "【障害】基幹サーバ停止",
        "10時から基幹サーバが応答がありません。\n",
        "server",
    ),
    ("en-server-503", "Intranet returns 503", "The intranet gives 503 for everyone.\n", "server"),
    ("ja-server-disk", "ファイルサーバのディスク容量", "ディスクの空きが5%です。\n", "server"),
    (
        "en-server-backup",
        "Backup job failed",
        "Last night's backup job failed on db01.\n",
        "server",
    ),
    (
        "en-purchase",
        "Purchase request: 2 monitors",
        "We would like to purchase two 27-inch monitors.\n",
        "purchase",
    ),
    (
        "ja-purchase",
        "ノートPC購入のお願い",
        "新入社員用にノートPCを1台購入したいです。\n",
        "purchase",
    ),
    (
        "ja-purchase-license",
        "ライセンスの見積依頼",
        "Office のライセンス10本の見積をお願いします。\n",
        "purchase",
    ),
    (
        "en-purchase-license",
        "Buy 5 more licenses",
        "We need to buy 5 more Zoom licenses.\n",
        "purchase",
    ),
    # A hit in the subject outweighs a hit in the body.
    (
        "subject-beats-body",
        "Printer in room 4 is broken",
        "It worked with the VPN yesterday.\n",
        "printer",
    ),
    (
        "ja-subject-beats-body",
        "パスワードの変更方法",
        "VPNとWi-Fiで同じものを使っています。\n",
        "account",
    ),
    # Quoted history and signatures do not count.
    (
        "reply-quoted-printer",
        "Re: my ticket",
        "It is still not working, my VPN drops." + QUOTED_PRINTER,
        "vpn",
    ),
    (
        "reply-quoted-vpn-ja",
        "Re: お問い合わせ",
        "パスワードも変更が必要でしょうか。" + QUOTED_JA_VPN,
        "account",
    ),
    (
        "signature-does-not-count",
        "会議室の予約方法",
        "会議室の予約はどこからできますか。" + SIGNATURE_SERVER,
        "other",
    ),
    ("reply-only-quotes", "Re: 件名", "了解しました。" + QUOTED_JA_VPN, "other"),
    # Word boundaries: no match inside longer Latin words.
    (
        "no-substring-latin",
        "Lantern order for the party",
        "Can someone organise lanterns?\n",
        "other",
    ),
    (
        "no-substring-dns",
        "Question about the DNSSEC-less domain",
        "Our domain mydnsname is up for renewal, who pays?\n",
        "other",
    ),
    # Fallback.
    ("fallback-en", "Desk move next week", "Can my desk be moved to the window side?\n", "other"),
    ("fallback-ja", "社内イベントについて", "来月の懇親会の場所を教えてください。\n", "other"),
    ("fallback-empty", "", "\n", "other"),
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(EXAMPLE)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("subject", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_request_maps_to_entry(catalog: Catalog, subject: str, body: str, expected: str) -> None:
    msg = parse_message(mail(subject=subject, body=body))
    result = classify(catalog, msg.subject, msg.new_text)
    assert result.entry_id == expected, result.as_detail()
    assert result.fallback == (expected == "other")
    assert (result.score > 0) != result.fallback


def test_explanation_lists_keywords_places_and_points(catalog: Catalog) -> None:
    result = classify(catalog, "ＶＰＮが繋がらない", "在宅勤務中です。")
    assert result.entry_id == "vpn"
    hits = {(h.keyword, h.where): h.points for h in result.matched}
    assert hits == {("vpn", "subject"): 2 * SUBJECT_WEIGHT, ("在宅勤務", "body"): BODY_WEIGHT}
    assert result.score == 2 * SUBJECT_WEIGHT + BODY_WEIGHT
    detail = result.as_detail()
    assert detail["entry"] == "vpn" and detail["fallback"] is False
    assert {"keyword": "vpn", "where": "subject", "weight": 2.0, "points": 6.0} in detail["matched"]  # type: ignore[operator]


def test_negative_keyword_vetoes_and_is_reported(catalog: Catalog) -> None:
    result = classify(catalog, "Network is slow over VPN", "")
    assert result.entry_id == "vpn"
    assert ("network", "vpn") in result.vetoed


SMALL = """
entries:
  - id: first
    name: First
    keywords: [alpha]
    assignee: a@example.test
  - id: second
    name: Second
    keywords: [alpha, {term: 障害, weight: 2}, {regex: 'err-\\d{3}'}]
    negative: [test]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""


def test_tie_goes_to_catalog_order() -> None:
    cat = parse_catalog(SMALL)
    assert classify(cat, "alpha", "").entry_id == "first"


SPELLED_TWICE = """
entries:
  - id: again
    name: Again
    keywords: [vpn, VPN, ＶＰＮ, プリンター, ぷりんた, {term: Vpn, weight: 1.5},
               {regex: x1}, {regex: x1}]
    assignee: a@example.test
  - id: heavier
    name: Heavier
    keywords: [{term: vpn, weight: 2}]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""


def test_a_keyword_written_twice_in_an_entry_counts_once() -> None:
    """vpn, VPN and ＶＰＮ are one word to the matcher: listed three times it still counts
    once per place, at its highest weight, as ``catalog check``'s notes say."""
    cat = parse_catalog(SPELLED_TWICE)
    assert classify(cat, "VPN", "").entry_id == "heavier"
    found = classify(cat, "ＶＰＮ x1", "ぷりんたー")
    assert [(h.keyword, h.where, h.points) for h in found.matched] == [
        ("vpn", "subject", 4.5),
        ("プリンター", "body", 1.0),
        ("x1", "subject", 3.0),
    ]


MIXED = """
entries:
  - id: net
    name: Network
    keywords: [vpn接続, Wi-Fi 設定, {term: 共有 フォルダ}]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""


@pytest.mark.parametrize(
    ("subject", "entry"),
    [
        ("VPN 接続ができない", "net"),  # a space where Latin meets Japanese, or none
        ("ＶＰＮ　接続", "net"),  # an ideographic space
        ("Wi-Fi設定の変更", "net"),
        ("wi-fi 設定", "net"),
        ("共有フォルダ", "other"),  # between two Japanese words a space stays written
        ("共有 フォルダ", "net"),
        ("vpn へ 接続", "other"),  # a word between is another phrase
    ],
)
def test_a_space_between_latin_and_japanese_is_optional(subject: str, entry: str) -> None:
    """Japanese writes "VPN 接続" and "VPN接続" alike: a keyword mixing the scripts finds
    either, with the space in the keyword or not."""
    assert classify(parse_catalog(MIXED), subject, "").entry_id == entry, subject


def test_weights_regex_and_cjk_substring() -> None:
    cat = parse_catalog(SMALL)
    result = classify(cat, "alpha", "システム障害発生 ERR-503")
    assert result.entry_id == "second"
    assert result.score == SUBJECT_WEIGHT + 2 * BODY_WEIGHT + BODY_WEIGHT


def test_veto_lets_the_next_entry_win_or_falls_back() -> None:
    cat = parse_catalog(SMALL)
    assert classify(cat, "alpha test", "障害").entry_id == "first"
    only_second = classify(cat, "this is a test", "障害")
    assert only_second.fallback and only_second.entry_id == "other"


def test_multi_word_keyword_matches_across_a_line_break(catalog: Catalog) -> None:
    result = classify(catalog, "Help", "Since nine I am locked\nout of everything.")
    assert result.entry_id == "account"
    assert [h.keyword for h in result.matched] == ["locked out"]


def test_regex_classes_keep_their_case_meaning() -> None:
    assert "'err-\\d{3}'" in SMALL
    cat = parse_catalog(SMALL.replace("'err-\\d{3}'", "'TICKET-\\S+\\b'"))
    assert classify(cat, "", "see ticket-AB12 please").entry_id == "second"
    assert classify(cat, "", "see ticket- please").entry_id == "other"


LONG_VOWELS = """
entries:
  - id: server
    name: Server
    keywords: [サーバー, コンピューター, {term: プリンター, weight: 2}]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""


@pytest.mark.parametrize(
    "subject",
    [
        "サーバが落ちました",
        "ｻｰﾊﾞが落ちました",
        "サーバーが落ちました",
        "コンピュータの件",
        "ﾌﾟﾘﾝﾀ故障",
    ],
)
def test_a_katakana_keyword_matches_with_or_without_its_final_long_vowel(subject: str) -> None:
    """Japanese writes サーバ and サーバー, コンピュータ and コンピューター alike (JIS Z 8301
    dropped the final ー, and many companies still do): a team that wrote one form in
    its catalog saw requests in the other fall to the fallback."""
    result = classify(parse_catalog(LONG_VOWELS), subject, "")
    assert result.entry_id == "server", subject
    assert result.matched[0].keyword in ("サーバー", "コンピューター", "プリンター")


def test_a_keyword_that_is_only_a_long_vowel_away_from_a_short_one_keeps_it() -> None:
    """Only a final ー after katakana is optional: a keyword of one kana and ー stays whole."""
    cat = parse_catalog(LONG_VOWELS.replace("サーバー, ", "ルー, "))
    assert classify(cat, "ルの件", "").entry_id == "other"


INNER_VOWELS = """
entries:
  - id: room
    name: Server room
    keywords: [サーバー室, コンピューター室の空調, サーバ・ラック]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""


@pytest.mark.parametrize(
    ("subject", "entry"),
    [
        ("サーバ室が暑い", "room"),  # the keyword's ー ends its katakana word, not the keyword
        ("ｻｰﾊﾞ室が暑い", "room"),
        ("サーバー室が暑い", "room"),
        ("コンピュータ室の空調が止まった", "room"),
        ("サーバーラックの件", "other"),  # サーバ・ラック: the ・ is written, not optional
        ("サーバー・ラックの件", "room"),  # the text's ー ends a katakana word before ・
        ("サーバ室", "room"),
        ("サーバールーム", "other"),  # not 室
    ],
)
def test_a_katakana_word_inside_a_keyword_takes_either_spelling(subject: str, entry: str) -> None:
    """サーバー室 and サーバ室 are one word written two ways, as サーバー and サーバ are: the
    ー that ends a katakana word is optional wherever the word stands in the keyword or
    the mail (before kanji, kana or a mark), not only at the keyword's end."""
    result = classify(parse_catalog(INNER_VOWELS), subject, "")
    assert result.entry_id == entry, subject


HYPHENS = """
entries:
  - id: net
    name: Network
    keywords: [wi-fi, "e‐mail"]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""


@pytest.mark.parametrize(
    "subject",
    [
        "Wi-Fi is down",
        "Wi\u2010Fi is down",  # HYPHEN, as word processors and macOS write it
        "Wi\u2011Fi is down",  # NON-BREAKING HYPHEN
        "Wi\u2212Fi が遅い",  # MINUS SIGN, as JIS's － is decoded by the strict mapping
        "Ｗｉ－Ｆｉが遅い",  # full width, as an input method types it
        "E-mail bounces",  # the catalog's keyword written with U+2010
    ],
)
def test_a_hyphen_is_a_hyphen_however_it_was_typed(subject: str) -> None:
    """A Latin keyword with a hyphen finds the word whichever hyphen character the writer's
    software put in it, and the other way round; the words either side stay whole."""
    assert classify(parse_catalog(HYPHENS), subject, "").entry_id == "net", subject
    assert classify(parse_catalog(HYPHENS), "WiFi\u2010ish xwi\u2010fi", "").fallback


VERSIONS = """
entries:
  - id: desktop
    name: Desktop
    keywords: [windows, pc, office, win10]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""


@pytest.mark.parametrize(
    ("subject", "entry"),
    [
        ("Windows11にしたら印刷できない", "desktop"),  # a version written on, as Japanese does
        ("Office365のライセンス", "desktop"),
        ("PC1台の追加", "desktop"),  # a count right after the word
        ("PCIカードの増設", "other"),  # a longer word: still not pc
        ("PCs for the new hires", "desktop"),  # a plural
        ("Win100 series", "other"),  # a keyword ending in a digit keeps its number whole
        ("Win10 の更新", "desktop"),
        ("XPC2 board", "other"),  # letters before the keyword: another word
    ],
)
def test_a_latin_keyword_ends_where_its_letters_end(subject: str, entry: str) -> None:
    """Japanese mail writes a version or a count on to a Latin word (Windows11, PC1台):
    a keyword ending in a letter is a whole word up to the digits after it."""
    assert classify(parse_catalog(VERSIONS), subject, "").entry_id == entry, subject


MARKS = """
entries:
  - id: dev
    name: Development
    keywords: [c++, .net, c#, a|b]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""


@pytest.mark.parametrize(
    ("subject", "entry"),
    [
        ("C++11 のコンパイラ", "dev"),  # a version after the keyword's own mark
        ("C#10 に上げたい", "dev"),
        ("ASP.NET のサイト", "dev"),  # a word before a keyword that starts with a mark
        ("VB.NETで作ったツール", "dev"),
        (".NET8 へ移行", "dev"),  # a version after a letter, as for windows
        ("c++", "dev"),
        ("a|b テスト", "dev"),  # metacharacters are the characters themselves
        ("C+ grade", "other"),
        ("Cplusplus", "other"),
        (".network drive", "other"),  # a keyword's letters still end a word
        ("abc", "other"),  # a|b is no pattern
        ("dotnet", "other"),
        ("ac#", "other"),  # a letter before a keyword's first letter: another word
    ],
)
def test_a_keyword_edge_of_marks_needs_no_space_beside_it(subject: str, entry: str) -> None:
    """Words are whole where a keyword's letters or digits end: its own marks (C++, .NET,
    C#) already stand at its edge, so a version or a word written on there still counts."""
    assert classify(parse_catalog(MARKS), subject, "").entry_id == entry, subject


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("メールは admin@example.net までお願いします", "other"),  # an address
        ("返信先: support@dev.example.net", "other"),
        ("https://portal.example.net/login が開けません", "other"),  # a URL
        ("http://example.net:8080/ に接続できない", "other"),
        ("www.example.net が表示されない", "other"),  # a host name
        ("portal.example.net に接続できない", "other"),
        ("<mailto:admin@example.net>", "other"),
        ("https://example.com/c#top を見てください", "other"),  # c# in a URL's fragment
        (".NET 8 へ移行したい", "dev"),  # the keyword as a word: as before
        (".net framework のインストール", "dev"),
        ("ASP.NET のサイト", "dev"),
        ("VB.NETで作ったツール", "dev"),
        ("System.Net.Http の例外", "dev"),  # no host: .net is not its last label
        ("admin@example.net より: .NET 8 の件", "dev"),  # also a word elsewhere
        ("https://example.net/ と ASP.NET", "dev"),
    ],
)
def test_a_keyword_starting_with_a_mark_does_not_match_inside_an_address(
    text: str, entry: str
) -> None:
    """``.net`` is a keyword for .NET, and the end of many host names: in an address,
    a URL or a host name of three labels it is the host's, not the framework's."""
    cat = parse_catalog(MARKS)
    assert classify(cat, text, "").entry_id == entry, text
    assert classify(cat, "", text).entry_id == entry, text


ADDRESS_KEYWORDS = """
entries:
  - id: vendor
    name: Vendor
    keywords: ["@vendor.example", .co.jp, "https://portal."]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""


@pytest.mark.parametrize(
    "text",
    ["sales@vendor.example から連絡", "tanaka@example.co.jp の件", "https://portal.example.test"],
)
def test_a_keyword_written_as_part_of_an_address_still_finds_it(text: str) -> None:
    """A keyword that is itself a piece of an address (an at sign, two dots, a slash) is
    meant to find addresses: the rule above is for marks at a word's edge only."""
    assert classify(parse_catalog(ADDRESS_KEYWORDS), text, "").entry_id == "vendor", text


@pytest.mark.parametrize(
    ("subject", "entry"),
    [
        ("ぷりんたーがこわれました", "server"),  # a loanword typed in hiragana
        ("さーばーがおちました", "server"),
        ("さーばがおちました", "server"),  # …without its final ー
        ("こんぴゅーたの件", "server"),
        ("ｻｰﾊﾞｰがおちました", "server"),  # half-width katakana before hiragana
        ("さばがおいしい", "other"),  # さば is not サーバ: an inner ー is written
        ("ルーの件", "server"),
        ("るーの件", "other"),  # a keyword of two kana keeps its script (タイ: したい)
        ("ルの件", "other"),  # …and its ー: one kana is no word
    ],
)
def test_a_katakana_keyword_finds_the_word_typed_in_hiragana(subject: str, entry: str) -> None:
    """A customer whose input method was left in hiragana writes ぷりんたー or さーばー;
    the catalog says プリンター and サーバー. Kana are one alphabet in two scripts, so the
    matcher reads both as katakana, and the final ー stays optional as it is in katakana."""
    cat = parse_catalog(LONG_VOWELS.replace("サーバー, ", "サーバー, ルー, "))
    assert classify(cat, subject, "").entry_id == entry, subject


@pytest.mark.parametrize(
    ("subject", "entry"),
    [
        ("さーばー室が暑い", "room"),  # the ー ends a hiragana word before a kanji
        ("さーば室が暑い", "room"),
        ("こんぴゅーたー室の空調が止まった", "room"),  # a keyword's own hiragana (の)
        ("コンピュータ室ノ空調", "room"),  # …and katakana where the keyword has hiragana
        ("さーばーらっくの件", "other"),  # inside a run the ー is written or not
        ("さーばー・らっくの件", "room"),
    ],
)
def test_a_keyword_with_a_word_inside_finds_it_typed_in_hiragana(subject: str, entry: str) -> None:
    """The ー that ends a word is optional in hiragana as in katakana (さーば室 is サーバー室),
    and a keyword's hiragana match katakana in the mail as much as the reverse."""
    assert classify(parse_catalog(INNER_VOWELS), subject, "").entry_id == entry, subject


def test_a_hiragana_keyword_finds_katakana_and_half_width() -> None:
    """The fold works both ways: a team that wrote its keyword in hiragana (ぷりんたー)
    finds the usual spellings too."""
    cat = parse_catalog(LONG_VOWELS.replace("サーバー, ", "さーばー, "))
    for subject in ("サーバが落ちました", "ｻｰﾊﾞｰ停止", "さーばーがおちた"):
        assert classify(cat, subject, "").entry_id == "server", subject


def test_kana_folding_is_linear_in_the_text() -> None:
    """Folding reads each character a bounded number of times: a mail of 200,000 kana
    and long-vowel marks (the shape a backtracking rule would stall on) is matched in
    well under the bound a quadratic pass would need (minutes)."""
    cat = parse_catalog(INNER_VOWELS)
    for unit in ("さー", "ーー", "サーさ", "さーサ"):
        text = unit * (200_000 // len(unit))
        cpu_within(3.0, lambda: classify(cat, "", text), unit)  # noqa: B023


SHORT_KANA = """
entries:
  - id: thai
    name: Thailand office
    keywords: [タイ, バンコク]
    assignee: a@example.test
  - id: other
    name: Other
    fallback: true
    manager: m@example.test
"""


@pytest.mark.parametrize(
    ("subject", "entry"),
    [
        ("パスワードを変更したいです", "other"),  # たい is grammar, not タイ
        ("プリンタを使いたい", "other"),
        ("タイ支社のVPN", "thai"),
        ("ﾀｲ支社", "thai"),
        ("ばんこく支社のVPN", "thai"),  # a longer word still finds its hiragana spelling
    ],
)
def test_a_two_kana_keyword_is_not_found_in_hiragana_grammar(subject: str, entry: str) -> None:
    """Reading hiragana as katakana finds ぷりんたー for プリンター, but a keyword of one
    or two kana (タイ for the Thailand office) would then be found in the grammar every
    Japanese mail is written with (したい, ない, です): such a keyword is looked for in
    the script it is written in."""
    assert classify(parse_catalog(SHORT_KANA), subject, "").entry_id == entry, subject
