"""A customer's thanks under which their mail client put their signature (name, title,
company, phone, with no "-- " line above it): judged with the signature in, the name,
company and phone were "more words than thanks" (or a word of them a problem: "Support
Desk Lead"), and a closed ticket reopened on a thank-you. The signature is set aside
first, in both languages, as a phone's tagline is; when in doubt it stays in (words
that look a bit like a signature are judged as words)."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.signatures import without_signature
from gateway.pipeline.thanks import judge
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

SIGNATURES = [
    "山田 太郎\n株式会社エグザンプル 情報システム部\nTEL: 03-1234-5678 / 内線 1234\n"
    "E-mail: yamada@example.test",
    "山田 太郎\nYamada Taro\n株式会社エグザンプル\n〒100-0001 東京都千代田区千代田1-1\n"
    "TEL 03-1234-5678 FAX 03-1234-5679",
    "━━━━━━━━━━━━━━━━\n株式会社エグザンプル\n総務部 課長\n山田 太郎\nTEL 03-1234-5678",
    "Alice Brown\nIT Support Desk Lead\nNorthwind Traders\nTel: +1 (555) 010-2000\n"
    "alice.brown@customer.test",
    "John Smith\nSenior Engineer\nAcme\n+1 555 010 2000",
]


@pytest.mark.parametrize("words", ["ありがとうございました。", "Thanks, it works now!"])
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
@pytest.mark.parametrize("signature", SIGNATURES)
def test_thanks_over_a_signature_is_only_thanks(words: str, gap: str, signature: str) -> None:
    verdict = judge(f"{words}{gap}{signature}\n")
    assert verdict.only_thanks, verdict.why
    # a phone's tagline under the signature too
    for tagline in ("Sent from my iPhone", "iPhoneから送信"):
        assert judge(f"{words}{gap}{signature}\n\n{tagline}\n").only_thanks


@pytest.mark.parametrize(
    "text",
    [
        # more than thanks above the signature: as before
        "ありがとうございます。ただ、まだ接続できません。\n\n" + SIGNATURES[0],
        "Thanks, but the printer still jams.\n\n" + SIGNATURES[3],
        "Thanks!\nServer\nSettings\nAccount\n03-1234-5678",
    ],
)
def test_more_than_thanks_above_or_in_a_signature_reopens(text: str) -> None:
    assert not judge(text).only_thanks


@pytest.mark.parametrize(
    "text",
    [
        # words that look a bit like a signature stay words: no cut where the words
        # do not end (no blank line, no sentence's end above the block)
        "ありがとうございます。\n新しい担当者\n鈴木 一郎\n情報システム部\n03-1234-5678",
        "ありがとうございました。\n担当: 山田 太郎\n03-1234-5678",
        "Thanks!\nServer\nSettings\nAccount\n03-1234-5678",
        "Please call\nJohn Smith\nSenior Engineer\n+1 555 010 2000",
        "Thanks\nJohn Smith\nAcme\n+1 555 010 2000",
    ],
)
def test_words_that_look_like_a_signature_are_kept(text: str) -> None:
    assert without_signature(text) == text


def test_a_thanks_with_a_signature_keeps_the_ticket_closed(team: App) -> None:
    tid = deliver(team, mail(subject="VPN down", sender="alice@customer.test")).ticket_id or 0
    to = reply_address(team, tid, "ops@example.test")
    close = mail("Re: VPN down", body="/close\n", sender="ops@example.test", to=to)
    deliver(team, close, envelope_to=(to,))
    assert show(team, tid)["state"] == "closed"
    to = reply_address(team, tid, "alice@customer.test")
    body = f"ご対応ありがとうございました。\n\n{SIGNATURES[1]}\n"
    thanks = mail("Re: VPN down", body=body, sender="alice@customer.test", to=to)
    deliver(team, thanks, envelope_to=(to,))
    t = show(team, tid)
    assert t["state"] == "closed"
    assert "thanks" in [e["kind"] for e in t["events"]]
