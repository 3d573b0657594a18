"""A mail a mailing list passed on with its From rewritten for DMARC (Mailman's and
Google Groups' "Taro via support-list <list@…>", the writer's own address moved to
Reply-To). Its requester was the list: the acknowledgement went to every member of it,
the team's answers too, and Taro's reply through the list was an outsider's. Now the
Reply-To person is the writer, and only when the mail says it was rewritten so: a
"via" name over the list's address, one Reply-To, named as the list named the writer.
An ordinary Reply-To (a person asking answers to go to their team's mailbox) never
changes who wrote a mail."""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show

LIST = "support-list@lists.customer.test"
VIA = f"Taro Yamada via support-list <{LIST}>"


def _via_list(subject: str, *, reply_to: str, listed: bool, **kw: object) -> bytes:
    headers = {"Reply-To": reply_to}
    if listed:
        headers["List-Id"] = "<support-list.lists.customer.test>"
    return mail(subject, sender=VIA, headers=headers, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sender", "reply_to"),
    [
        (VIA, "Taro Yamada <taro@customer.test>"),  # Mailman
        (f"'Taro Yamada' via support-list <{LIST}>", "Taro Yamada <taro@customer.test>"),  # Google
        (f"taro via support-list <{LIST}>", "taro@customer.test"),  # Mailman, a From without name
        (f"山田 太郎 via support-list <{LIST}>", "山田 太郎 <taro@customer.test>"),  # encoded
    ],
    ids=["mailman", "google-groups", "no-name", "japanese"],
)
def test_the_writer_is_the_requester_and_hears_from_us(
    team: App, sender: str, reply_to: str
) -> None:
    raw = mail("VPN broken", sender=sender, headers={"Reply-To": reply_to})
    outcome = deliver(team, raw)
    assert outcome.ticket_id is not None
    assert show(team, outcome.ticket_id)["requester"] == "taro@customer.test"
    [ack] = outbox(team, "acknowledgement")
    assert ack.recipients == ["taro@customer.test"]  # never the whole list


def test_the_writer_in_cc_when_the_list_takes_reply_to(team: App) -> None:
    """Mailman with ``reply_goes_to_list``: Reply-To is the list, the writer is in Cc."""
    cc = "Taro Yamada <taro@customer.test>, Hanako Sato <hanako@customer.test>"
    raw = mail("VPN broken", sender=VIA, cc=cc, headers={"Reply-To": LIST})
    outcome = deliver(team, raw)
    assert outcome.ticket_id is not None
    assert show(team, outcome.ticket_id)["requester"] == "taro@customer.test"


def test_a_list_post_is_the_writers_and_unanswered(team: App) -> None:
    raw = _via_list("VPN broken", reply_to="Taro Yamada <taro@customer.test>", listed=True)
    outcome = deliver(team, raw)
    assert outcome.ticket_id is not None
    ticket = show(team, outcome.ticket_id)
    assert ticket["requester"] == "taro@customer.test"
    assert LIST not in str(ticket["messages"][0]["from"])
    assert outbox(team, "acknowledgement") == []  # a list post is never answered


def test_the_writers_reply_through_the_list_is_their_reply(team: App) -> None:
    first = deliver(team, mail("VPN broken", sender="Taro Yamada <taro@customer.test>"))
    assert first.ticket_id is not None
    ops = reply_address(team, first.ticket_id, "ops@example.test")
    asked = mail("Re: VPN", body="/pending\n\nSend the log.\n", sender="ops@example.test", to=ops)
    deliver(team, asked, envelope_to=(ops,))
    assert show(team, first.ticket_id)["state"] == "pending"
    to = reply_address(team, first.ticket_id, "taro@customer.test")
    reply = _via_list(
        f"Re: [#{first.ticket_id}] VPN broken",
        reply_to="Taro Yamada <taro@customer.test>",
        listed=True,
        body="Here is the log: gw2 drops the tunnel.\n",
        to=to,
        cc=LIST,
    )
    deliver(team, reply)  # the list's copy: its envelope is the list's, the To is ours
    ticket = show(team, first.ticket_id)
    assert ticket["state"] == "open"
    assert not [e for e in ticket["events"] if e["kind"] in ("unverified", "outsider")]


@pytest.mark.parametrize(
    ("sender", "reply_to"),
    [
        (VIA, "Hanako Sato <hanako@customer.test>"),  # someone else than the list named
        (VIA, "taro@customer.test, hanako@customer.test"),  # which one?
        (VIA, f"support-list <{LIST}>"),  # the list itself, and nobody named in Cc
        ("Taro Yamada <taro@customer.test>", "IT desk <it-desk@customer.test>"),  # no list
        (VIA, "Taro Yamada <support@example.test>"),  # our own address
    ],
    ids=["other-name", "two", "the-list", "plain-reply-to", "ours"],
)
def test_only_a_rewritten_from_gives_way_to_reply_to(team: App, sender: str, reply_to: str) -> None:
    outcome = deliver(team, mail("VPN broken", sender=sender, headers={"Reply-To": reply_to}))
    assert outcome.ticket_id is not None
    written = sender.rsplit("<", 1)[1].rstrip(">")
    assert show(team, outcome.ticket_id)["requester"] == written
