"""A thanks that also tells something is not only thanks: "Thanks! The chair wobbles
too." kept a closed ticket closed, because whatever was left besides thanks and
politeness only had to be short (30 letters), so a short sentence of news went by as
thanks and the new problem was lost. A reply is only thanks when every sentence of the
writer's words is thanks, politeness, a greeting, or a name (the signature and a
phone's tagline are set aside first), in both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.pipeline.thanks import judge, only_courtesy
from gateway.runtime.app import App
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, show

ALICE = "alice@customer.test"

# (the reply's own words, only thanks?) — one row per way of writing it
CASES: list[tuple[str, bool]] = [
    # every sentence thanks, politeness, a greeting or a name
    ("ありがとうございます。助かりました。", True),
    ("Thanks, works now. Cheers, Bob", True),
    ("Thank you!! :)", True),
    ("お世話になっております。解決しました。ありがとうございました。", True),
    ("Thank you very much for the quick fix.", True),
    ("Hi Tanaka,\n\nthanks, it works now.\n\nAlice", True),
    ("迅速なご対応いただき、ありがとうございました。", True),
    ("早速ご対応いただきありがとうございます。無事に使えるようになりました。", True),
    ("Thanks Bob!", True),
    ("了解です、ありがとうございます。\n山田", True),
    ("Received, thank you.", True),
    ("Done, thanks.", True),
    ("Thank you for fixing the printer so quickly!", True),
    ("プリンタを直していただき、ありがとうございました。", True),
    ("ありがとうございます。正常に動作しました。", True),
    ("That is all, thank you.", True),
    # a sentence of news beside the thanks, whatever its length
    ("ありがとうございます。ただ、プリンタがまた止まりました。", False),
    ("Thanks. Also the VPN is slow.", False),
    ("Thanks! The chair wobbles too.", False),
    ("Thanks! The VPN is slow.", False),
    ("Thanks, the printer on 2F is slow.", False),
    ("Thanks for fixing the VPN and the chair wobbles too.", False),
    ("Thanks for the fix, the chair wobbles too", False),
    ("ありがとうございます。椅子もぐらつきます。", False),
    ("ありがとうございました、2階のプリンタも遅いです。", False),
    ("Thank you.\nThe laptop fan is loud.\nAlice", False),
    ("助かりました。次はスキャナの設定です。", False),
    ("ありがとうございます。\n会議室のモニタも映りません\n\n山田", False),
    # a greeting line holds the greeting, not the news after it
    ("Hi, the chair wobbles too.\nThanks", False),
    ("Hello team the monitor flickers\n\nthanks", False),
    # a capitalised phrase in the middle of the words is no signature's name
    ("Thanks! VPN Down.", False),
    ("Thanks.\nVPN Down\nAlice", False),
]


@pytest.mark.parametrize(("text", "only"), CASES)
def test_every_sentence_must_be_thanks(text: str, only: bool) -> None:
    verdict = judge(text)
    assert verdict.only_thanks is only, verdict.why


@pytest.mark.parametrize(
    ("text", "only"),
    [
        ("Thanks, works now. Cheers, Bob", True),
        ("よろしくお願いいたします。\n山田", True),
        ("Thank you very much.", True),
        ("Thanks! The chair wobbles too.", False),
        ("ありがとうございます。椅子もぐらつきます。", False),
    ],
)
def test_the_words_under_a_close_are_read_the_same_way(text: str, only: bool) -> None:
    assert only_courtesy(text) is only


def _closed(app: App) -> int:
    tid = deliver(app, mail(subject="VPN down", sender=ALICE)).ticket_id or 0
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.change_state(
            s, ticket, TicketState.CLOSED, app.clock.now(), actor="cli:root", channel="cli"
        )
    return tid


def _reply(app: App, tid: int, body: str) -> None:
    to = reply_address(app, tid, ALICE)
    deliver(app, mail("Re: VPN down", body=body, sender=ALICE, to=to), envelope_to=(to,))


@pytest.mark.parametrize(
    "body",
    ["Thanks! The chair wobbles too.\n", "ありがとうございます。椅子もぐらつきます。\n"],
)
def test_news_beside_thanks_reopens_a_closed_ticket(team: App, body: str) -> None:
    tid = _closed(team)
    _reply(team, tid, body)
    t = show(team, tid)
    assert t["state"] == "open"
    assert "thanks" not in [e["kind"] for e in t["events"]]


def test_news_beside_thanks_long_after_the_close_opens_a_linked_ticket(
    team: App, clock: FakeClock
) -> None:
    tid = _closed(team)
    clock.advance(timedelta(days=30))
    _reply(team, tid, "Thanks! The chair wobbles too.\n")
    assert show(team, tid)["state"] == "closed"
    assert len(all_tickets(team)) == 2  # the chair is a request of its own


@pytest.mark.parametrize(
    "body",
    [
        "Thanks, works now. Cheers, Bob\n",
        "お世話になっております。解決しました。ありがとうございました。\n",
    ],
)
def test_only_thanks_keeps_it_closed(team: App, body: str) -> None:
    tid = _closed(team)
    _reply(team, tid, body)
    t = show(team, tid)
    assert t["state"] == "closed"
    assert "thanks" in [e["kind"] for e in t["events"]]
