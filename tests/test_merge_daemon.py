"""Merge and watchers (#19) through the daemon over SMTP: what the people get in their
mailboxes (the outbound maildir) and what the tickets hold afterwards.

The gateway, its team and catalog are those of the conversation scenarios
(:mod:`tests.test_conversation_daemon`): 伊藤 writes in Japanese, VPN tickets go to
田中 (ops2).
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from tests import test_conversation_daemon as conversation
from tests.support.gateway_daemon import Gateway, kind_of, text_of
from tests.test_conversation_daemon import (  # the daemon's fixture and its mail helpers
    ITO,
    eml,
    quiet,
    reply_to,
    token_of,
)

gw = conversation.gw  # the daemon on a fresh data folder, as a fixture of this module
OPS2 = "ops2@example.test"


def _two_requests(gw: Gateway) -> tuple[list[EmailMessage], list[EmailMessage]]:
    """伊藤 writes twice about one problem: tickets #1 and #2 (acks, 田中's notices)."""
    gw.send(eml("request_ja.eml"), sender=ITO)
    gw.wait_for(ITO, "acknowledgement")
    gw.send(eml("request_ja.eml").replace(b"ito-req-1", b"ito-req-2"), sender=ITO)
    acks = gw.wait_for(ITO, "acknowledgement", 2)
    notices = gw.wait_for(OPS2, "new_ticket", 2)
    assert [gw.ticket(1)["requester"], gw.ticket(2)["requester"]] == [ITO, ITO]
    return acks, notices


def _notice_for(notices: list[EmailMessage], ticket_id: int) -> EmailMessage:
    return next(n for n in notices if f"[#{ticket_id}]" in str(n["Subject"]))


def _member_mail(ticket_id: int, to: str, body: str, mid: str) -> bytes:
    """A mail from 田中 with ``body`` as its new text, sent to ``to``."""
    head = eml("member_close_ja.eml", TICKET=str(ticket_id), TOKEN="x").split(b"\n\n", 1)[0]
    head = head.replace(f"support+{ticket_id}-x@example.test".encode(), to.encode())
    head = head.replace(b"tanaka-close-1", mid.encode())
    head = head.replace(b"In-Reply-To: <ito-req-1@customer.test>\n", b"")  # by token or tag
    return head + b"\n\n" + body.encode() + b"\n"


def _inbound(ticket: dict[str, Any]) -> list[str]:
    """The Message-IDs of what 伊藤 sent that the ticket holds."""
    return [m["message_id"] for m in ticket["messages"] if m["from"] == ITO]


def test_a_verified_merge_leaves_one_open_ticket_and_the_old_address_lands_on_it(
    gw: Gateway,
) -> None:
    acks, notices = _two_requests(gw)
    second = _notice_for(notices, 2)
    gw.send(_member_mail(2, reply_to(second), "/merge 1", "tanaka-merge"), sender=OPS2)
    [result] = gw.wait_for(OPS2, "command_result")
    assert "#1" in text_of(result)
    one, two = gw.ticket(1), gw.ticket(2)
    assert (two["state"], two["close_reason"], two["merged_into"]) == ("closed", "duplicate", 1)
    assert one["state"] != "closed" and one["merged_into"] is None
    assert sorted(_inbound(one)) == ["ito-req-1@customer.test", "ito-req-2@customer.test"]
    assert _inbound(two) == []
    # 伊藤 hears of it once, in Japanese, with the ticket it goes on in
    [status] = gw.wait_for(ITO, "status_change")
    assert quiet(lambda: len(gw.to(ITO, "status_change")) == 1)
    words = text_of(status)
    assert "[#1]" in words and "統合" in words and "重複" in words
    assert "再開" not in words  # a reply goes to #1; nothing reopens #2
    merged = [e for e in one["events"] if e["kind"] == "merged"]
    assert [(e["actor"], e["channel"], e["new"]) for e in merged] == [(OPS2, "email", "2")]

    # a reply to the second ticket's reply address (no tag, no In-Reply-To) lands on #1
    old_address = reply_to(_ack_for(acks, 2))
    reply = (
        eml(
            "requester_reply_ja.eml", TICKET="2", TOKEN=token_of(old_address),
            MID="ito-after@customer.test", TEXT="まだつながりません。",
        )
        .replace(b"In-Reply-To: <ito-req-1@customer.test>\n", b"")
        .replace(b"[#2] ", b"")
    )  # fmt: skip
    gw.send(reply, sender=ITO)
    [notice] = gw.wait_for(OPS2, "ticket_notice")
    assert "[#1]" in str(notice["Subject"]) and "まだつながりません。" in text_of(notice)
    assert "ito-after@customer.test" in _inbound(gw.ticket(1))
    assert gw.ticket(2)["state"] == "closed"

    # 田中's own reply address for #2 still proves it is him, and his answer is #1's
    words = "伊藤様\n\n設定を確認しております。\n\n田中"
    gw.send(_member_mail(2, reply_to(second), words, "tanaka-after"), sender=OPS2)
    [answer] = gw.wait_for(ITO, "ops_reply")
    assert "[#1]" in str(answer["Subject"]) and "設定を確認しております。" in text_of(answer)
    assert "security" not in [e["kind"] for e in gw.ticket(1)["events"]]


def _ack_for(acks: list[EmailMessage], ticket_id: int) -> EmailMessage:
    return next(a for a in acks if f"[#{ticket_id}]" in str(a["Subject"]))


def test_a_forged_merge_changes_nothing(gw: Gateway) -> None:
    _two_requests(gw)
    # From: 田中, but to the plain support address: no reply token, no DKIM/DMARC
    forged = _member_mail(2, "support@example.test", "/merge 1", "forged-merge")
    gw.send(forged, sender=OPS2)
    [refused] = gw.wait_for(OPS2, "command_refused")  # told at the configured address
    assert "/merge 1" in text_of(refused)
    one, two = gw.ticket(1), gw.ticket(2)
    assert (two["state"], two["merged_into"]) == ("new", None)
    assert _inbound(one) == ["ito-req-1@customer.test"]
    assert _inbound(two) == ["ito-req-2@customer.test"]
    assert [e["kind"] for e in two["events"]].count("security") == 1
    assert not any(e["kind"] in ("merged", "merged-into") for e in one["events"] + two["events"])
    assert quiet(lambda: gw.to(ITO, "status_change") == [])


def test_a_watcher_added_by_cc_gets_the_next_answer_and_is_not_the_requester(
    gw: Gateway,
) -> None:
    kato = "kato@customer.test"
    gw.send(eml("request_ja.eml"), sender=ITO)
    gw.wait_for(ITO, "acknowledgement")
    [notice] = gw.wait_for(OPS2, "new_ticket")
    gw.send(_member_mail(1, reply_to(notice), f"/cc add {kato}", "tanaka-cc"), OPS2)
    [result] = gw.wait_for(OPS2, "command_result")
    assert kato in text_of(result)
    assert gw.to(kato) == [] and gw.to(ITO, "ops_reply") == []  # commands alone send nothing
    answer = "/pending\n伊藤様\n\n証明書を更新しました。再接続をお試しください。\n\n田中"
    gw.send(_member_mail(1, reply_to(notice), answer, "tanaka-answer"), OPS2)
    [theirs] = gw.wait_for(kato, "ops_reply")
    [hers] = gw.wait_for(ITO, "ops_reply")
    assert "証明書を更新しました" in text_of(theirs) and "証明書を更新しました" in text_of(hers)
    # the reply set the ticket pending: she is asked to answer; he hears it is hers to answer
    assert "このメールにご返信いただけますよう" in text_of(hers)
    assert "こちらへのご返信は不要です" in text_of(theirs)
    assert "このメールにご返信いただけますよう" not in text_of(theirs)
    assert reply_to(theirs) != reply_to(hers)  # each their own reply address
    ticket = gw.ticket(1)
    assert ticket["watchers"] == [kato] and ticket["requester"] == ITO
    [added] = [e for e in ticket["events"] if e["kind"] == "watcher"]
    assert (added["actor"], added["channel"], added["new"]) == (OPS2, "email", kato)
    assert {kind_of(m) for m in gw.to(kato)} == {"ops_reply"}


def test_a_requester_may_cc_a_colleague_of_her_own_domain_only(gw: Gateway) -> None:
    ack = (gw.send(eml("request_ja.eml"), sender=ITO), gw.wait_for(ITO, "acknowledgement"))[1][0]
    mine = token_of(reply_to(ack))
    text = "/cc add suzuki@customer.test\n/cc add friend@elsewhere.test"
    reply = eml("requester_reply_ja.eml", TICKET="1", TOKEN=mine, MID="ito-cc@c.test", TEXT=text)
    gw.send(reply, sender=ITO)
    [result] = gw.wait_for(ITO, "command_result")
    words = text_of(result)
    assert "suzuki@customer.test" in words and "customer.test" in words
    assert gw.ticket(1)["watchers"] == ["suzuki@customer.test"]
    gw.cli("tickets", "set-state", "1", "closed")  # the watcher hears the status mail too
    [status] = gw.wait_for("suzuki@customer.test", "status_change")
    assert "[#1]" in text_of(status)
    assert gw.to("friend@elsewhere.test") == []
