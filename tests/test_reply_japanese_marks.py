"""A member's reply as Japanese mail writes it: a signature under a full-width ``－－``
line (the IME's ``-- ``), a sign-off that is the family name of an unspaced display
name (「山田」 from 山田太郎), an attribution a client wrapped between CJK characters or
inside the address. Each was relayed to the requester: the signature as the answer,
the name as words, the old mail under the attribution as new text. And the other way
round: a short answer signed with the writer's own name (「完了」 over 「山田」, "Done"
over "John") was taken for a signature and not sent."""

from __future__ import annotations

import pytest

from gateway.pipeline import commands as c
from gateway.pipeline.parse.body_text import unflow
from gateway.pipeline.parse.quotes import split_reply
from gateway.pipeline.parse.signatures import writer_names
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show

SIGNATURE = "山田 太郎\n株式会社エグザンプル\n"


@pytest.mark.parametrize(
    "line",
    [
        *("－－", "――", "ーー", "——", "－－ ", "－－\u3000", "--\u3000"),
        *("ｰｰ", "−−", "‐‐"),  # half-width long marks, a Mac IME's minus signs, hyphens
    ],
)
def test_a_full_width_signature_line_starts_the_signature(line: str) -> None:
    assert split_reply(f"/close\n\n{line}\n{SIGNATURE}") == "/close"
    assert split_reply(f"対応しました。\n{line}\n山田\n") == "対応しました。"


@pytest.mark.parametrize(
    "text",
    [
        "金額は －－ のままです。",  # two dashes inside a line
        "－\n山田",  # one dash
        "－－－－\n山田",  # a rule, no signature line
        "ーーー\n山田",
    ],
)
def test_dashes_that_are_no_signature_line_stay(text: str) -> None:
    assert split_reply(text) == text


@pytest.mark.parametrize("line", ["－－ ", "-- "])
def test_a_flowed_signature_line_ends_its_paragraph(line: str) -> None:
    """In format=flowed text a line ending in a space goes on in the next; the
    signature line does not (RFC 3676 4.3), in either width."""
    assert unflow(f"対応しました。\n{line}\n山田 太郎\n", delsp=False).splitlines()[1] == line


def test_a_members_close_over_a_full_width_signature_sends_nothing(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = f"/close\n\n－－\n{SIGNATURE}"
    raw = mail("RE: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert show(team, 1)["state"] == "closed"
    assert outbox(team, "ops_reply") == []


@pytest.mark.parametrize(
    ("display", "address", "line"),
    [
        ("山田太郎", "ops@example.test", "山田"),  # the family name of an unspaced name
        ("山田太郎", "ops@example.test", "太郎"),  # the given name
        ("山田太郎", "ops@example.test", "「山田」"),
        ("林太郎", "ops@example.test", "林"),  # a family name of one kanji
        ("TanakaTaro", "ops@example.test", "Tanaka"),
        ("Tanaka, Taro", "ops@example.test", "Tanaka"),  # Outlook's "Last, First"
        ("Tanaka,Taro", "ops@example.test", "Tanaka"),
        ("Tanaka.Taro", "ops@example.test", "Tanaka"),
        ("TANAKA_Taro", "ops@example.test", "tanaka"),
        ("田中太郎", "ttanaka@example.test", "Tanaka"),  # an initial and the family name
        ("田中太郎", "tanakat@example.test", "Tanaka"),
        ("", "jsmith@example.test", "Smith"),
        ("山田太郎（ヤマダタロウ）", "ops@example.test", "山田"),
        ("山田太郎/情報システム部", "ops@example.test", "山田"),
        ("山田太郎@情シス", "ops@example.test", "山田"),  # a department after an at sign
        ("【情シス】山田太郎", "ops@example.test", "山田"),
        ("ジョン・スミス", "ops@example.test", "スミス"),  # a foreign name's middle dot
    ],
)
def test_a_sign_off_that_is_part_of_the_writers_name_is_not_words(
    display: str, address: str, line: str
) -> None:
    names = writer_names(display, address)
    for gap in ("\n", "\n\n"):
        assert c.read_commands(f"/close{gap}{line}\n", 20, c.Role.MEMBER, names).remaining == ""


@pytest.mark.parametrize(
    ("display", "line"),
    [
        ("山田太郎", "はい"),  # a real one-word answer
        ("山田太郎", "済"),
        ("山田太郎", "山田です"),  # a sentence
        ("山田太郎", "田太"),  # inside the name: no part of it
        ("Okada", "OK"),  # a prefix of a Latin name is no part of it
        ("OKADA Taro", "OK"),
        ("TanakaTaro", "Tan"),
        ("Donald", "Done"),
        ("Yes Man", "Yes!"),
        ("鈴木一郎", "山田"),  # someone else's name
    ],
)
def test_a_one_word_answer_that_is_no_part_of_the_writers_name_is_sent(
    display: str, line: str
) -> None:
    names = writer_names(display, "ops@example.test")
    assert c.read_commands(f"/close\n\n{line}\n", 20, c.Role.MEMBER, names).remaining == line


@pytest.mark.parametrize(
    "line",
    [
        *(
            "山田より",
            "山田拝",
            "山田 拝",
            "－山田",
            "—山田",
            "-- 山田",
            "山田@情シス",
            "山田＠情シス",
        ),
        *("情報システム部 山田", "情報システム部\u3000山田太郎", "営業部 山田より", "山田 課長"),
    ],
)
def test_a_japanese_sign_off_around_the_writers_name_is_not_words(line: str) -> None:
    """「山田より」 (from Yamada), 「山田拝」 (a letter's humble sign-off), a dash before the
    name, the name at a department (「山田@情シス」): the writer's sign-off."""
    names = writer_names("山田太郎", "yamada@example.test")
    assert c.read_commands(f"/close\n\n{line}\n", 20, c.Role.MEMBER, names).remaining == ""
    other = writer_names("鈴木一郎", "suzuki@example.test")  # someone else's name: words
    assert c.read_commands(f"/close\n\n{line}\n", 20, c.Role.MEMBER, other).remaining == line


@pytest.mark.parametrize(
    "line", ["山田さんより連絡あり", "田中より山田へ", "拝見しました", "完了 山田", "情シス 山田"]
)
def test_words_around_the_writers_name_stay_words(line: str) -> None:
    names = writer_names("山田太郎", "yamada@example.test")
    assert c.read_commands(f"/close\n\n{line}\n", 20, c.Role.MEMBER, names).remaining == line


@pytest.mark.parametrize("display", ["山田太郎", "山田 太郎"])
@pytest.mark.parametrize(
    "text",
    [
        "完了\n山田",  # a short answer over the writer's name: the answer, signed
        "はい\n山田",
        "OK\n山田",
        "対応済\n山田太郎",
        "山田\n完了",
        "完了\n山田\nTEL 03-1234-5678",
    ],
)
def test_a_short_answer_signed_with_the_writers_name_is_sent(display: str, text: str) -> None:
    names = writer_names(display, "yamada@example.test")
    assert c.read_commands(f"/close\n\n{text}\n", 20, c.Role.MEMBER, names).remaining == text


@pytest.mark.parametrize("text", ["Done\nJohn", "Yes\nJohn", "Done\nJohn\nTel: +1 555 010 2000"])
def test_an_english_answer_signed_with_the_writers_name_is_sent(text: str) -> None:
    names = writer_names("John Smith", "jsmith@example.test")
    assert c.read_commands(f"/close\n\n{text}\n", 20, c.Role.MEMBER, names).remaining == text


@pytest.mark.parametrize(
    "text",
    [
        "Taro Yamada\n山田太郎\nTEL: 03-1234-5678",  # the name in two scripts over a phone
        "山田\nTEL 03-1234-5678",
        "以上\n山田",
        "山田太郎\n情報システム部",
    ],
)
def test_the_writers_name_in_their_signature_is_still_no_words(text: str) -> None:
    names = writer_names("山田太郎", "yamada@example.test")
    assert c.read_commands(f"/close\n\n{text}\n", 20, c.Role.MEMBER, names).remaining == ""


def test_a_members_close_signed_with_their_family_name_sends_nothing(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    raw = mail("RE: [#1] VPN", body="/close\n山田\n", sender="山田太郎 <ops@example.test>", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert show(team, 1)["state"] == "closed"
    assert outbox(team, "ops_reply") == []


QUOTE = "\n> 前回のメール\n> /close\n"
# attributions of Japanese clients, and where a client wraps them: between two CJK
# characters (no space is lost there) or inside the address
WRAPPED = [
    # Apple Mail
    "2026/12/01 10:00、山田 太郎 <taro@example.jp>\nのメール:",
    "2026/12/01 10:00、山田 太郎 <taro@example.jp\n>のメール:",
    "2026/12/01 10:00、山田 太郎 <taro@example.jp>の\nメール:",
    "2026/12/01 10:00、山田 太郎 <taro@example.jp>のメ\nール:",
    "2026/12/01 10:00、山田 太郎 <taro@\nexample.jp>のメール:",
    "2026/12/01 10:00、\n山田 太郎 <taro@example.jp>のメール:",
    # iPhone
    "2026/12/01 10:00、山田 太郎 <taro@example.jp>の\nメッセージ:",
    "2026/12/01 10:00、山田 太郎 <taro@example.jp\n>のメッセージ:",
    # Gmail
    "2026年12月1日(火) 10:00 山田 太郎 <taro\n@example.jp>:",
    "2026年12月1日(火) 10:00 山田 太郎 <taro@\nexample.jp>:",
    "2026年12月1日(火) 10:00 山田 太郎 <taro@example.jp\n>:",
    # Thunderbird
    "2026/12/01 10:00 に 山田 太郎 <taro@example.jp> さんは書\nきました:",
    "2026/12/01 10:00 に 山田 太郎 <taro@example.jp\n> さんは書きました:",
    "山田 太郎 <taro@example.jp> さんは\n書きました:",
]


@pytest.mark.parametrize("attribution", WRAPPED)
@pytest.mark.parametrize("above", ["/close\n対応しました。\n\n", "/close\n\n", ""])
def test_a_wrapped_japanese_attribution_starts_the_old_mail(attribution: str, above: str) -> None:
    assert split_reply(f"{above}{attribution}{QUOTE}") == above.strip()


@pytest.mark.parametrize(
    "attribution",
    [
        "2026/12/01 10:00、山田 太郎 <taro@example.jp>のメール:",
        "2026年12月1日(火) 10:00 山田 太郎 <taro@example.jp>:",
        "山田 太郎 さんは書きました:",
        "2026/12/01 10:00 に 山田 太郎 さんは書きました:",
        "差出人: 山田 太郎 <taro@example.jp>\n送信日時: 2026年12月1日 10:00\n"
        "宛先: support@example.test\n件名: RE: VPN",
        "差出人： 山田 太郎 <taro@example.jp>\n送信日時： 2026年12月1日 10:00\n"
        "宛先： support@example.test\n件名： RE: VPN",
    ],
)
def test_japanese_attributions_on_one_line_start_the_old_mail(attribution: str) -> None:
    words = "/close\n対応しました。"
    assert split_reply(f"{words}\n\n{attribution}{QUOTE}") == words


def test_a_members_close_over_a_wrapped_apple_mail_attribution_sends_nothing(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = f"/close\n\n{WRAPPED[0]}{QUOTE}"
    raw = mail("RE: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert show(team, 1)["state"] == "closed"
    assert outbox(team, "ops_reply") == []
