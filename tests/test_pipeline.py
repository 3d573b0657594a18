"""The runner end to end on a real database: threading, states, dispositions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import get_args

from sqlalchemy import select

from gateway.core import tokens
from gateway.core.clock import FakeClock
from gateway.core.model import InboxState, TicketState
from gateway.runner.arrival import Arrival
from gateway.runner.chain import CHAIN, Link
from gateway.runner.verdicts import DISPOSITIONS, Verdict
from gateway.runtime.app import App
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from store.models import InboxRaw, InboxRow
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, sent_for, show


def _first(app: App, **kw: object) -> tuple[int, str]:
    mid = "<req-1@customer.test>"
    out = deliver(app, mail(message_id=mid, **kw))  # type: ignore[arg-type]
    assert out.state == InboxState.DONE and out.ticket_id
    return out.ticket_id, mid


def _set(app: App, ticket_id: int, state: TicketState) -> None:
    with transaction(app.sessions) as s:
        t = tickets.get(s, ticket_id)
        assert t is not None
        changes.change_state(s, t, state, app.clock.now(), actor="test", channel="cli")


def test_new_request_becomes_ticket_with_raw_kept(app: App) -> None:
    raw = mail(subject="Printer on floor 3 jams")
    out = deliver(app, raw)
    assert out.state == InboxState.DONE
    t = show(app, out.ticket_id or 0)
    assert t["state"] == "new"
    assert t["subject"] == "Printer on floor 3 jams"
    assert t["requester"] == "alice@customer.test"
    # message_count: what came in (the request); messages_total: the acknowledgement too
    assert (t["message_count"], t["messages_total"]) == (1, 2)
    assert [(m["direction"], m["kind"]) for m in t["messages"]] == [
        ("in", "request"),
        ("out", "acknowledgement"),
    ]
    # created, then filed (the test catalog has only the fallback, owned by its manager)
    assert [e["kind"] for e in t["events"]] == ["created", "category", "assign"]
    assert (t["catalog"], t["assignee"]) == ("other", "boss@example.test")
    with transaction(app.sessions) as s:
        row = s.scalars(select(InboxRow)).one()
        assert row.state == "done" and row.ticket_id == out.ticket_id
        assert s.scalars(select(InboxRaw.raw)).one() == raw  # beside it, byte for byte


def test_same_message_id_again_is_a_duplicate(app: App) -> None:
    tid, mid = _first(app)
    again = deliver(app, mail(message_id=mid, body="resent through another relay\n"))
    assert again.state == InboxState.IGNORED and "duplicate" in again.reason
    assert len(all_tickets(app)) == 1 and show(app, tid)["message_count"] == 1
    assert show(app, tid)["messages_total"] == 2  # + the ack


def test_reply_by_in_reply_to_lands_on_ticket_even_with_new_subject(app: App) -> None:
    tid, mid = _first(app)
    out = deliver(app, mail(subject="something else entirely", in_reply_to=mid, references=mid))
    assert out.ticket_id == tid and "headers" in out.reason
    assert show(app, tid)["message_count"] == 2  # request and reply (and our acknowledgement:)
    assert show(app, tid)["messages_total"] == 3


def test_reply_by_references_from_another_person(app: App) -> None:
    tid, mid = _first(app)
    out = deliver(app, mail(sender="bob@customer.test", references=f"<x@y> {mid}"))
    assert out.ticket_id == tid


def test_tag_from_participant_attaches(app: App) -> None:
    tid, _ = _first(app)
    out = deliver(app, mail(subject=f"Re: [#{tid}] VPN"))
    assert out.ticket_id == tid and "tag" in out.reason


def test_tag_from_stranger_opens_linked_ticket(app: App) -> None:
    tid, _ = _first(app)
    out = deliver(app, mail(subject=f"Re: [#{tid}] VPN", sender="mallory@evil.test"))
    assert out.ticket_id != tid
    new = show(app, out.ticket_id or 0)
    assert new["linked_ticket"] == tid and new["requester"] == "mallory@evil.test"
    assert any(e["kind"] == "linked" for e in show(app, tid)["events"])
    assert show(app, tid)["message_count"] == 1  # alice's request (and its acknowledgement:)
    assert show(app, tid)["messages_total"] == 2


def test_tag_for_unknown_ticket_opens_new(app: App) -> None:
    out = deliver(app, mail(subject="Re: [#9999] hello"))
    assert out.state == InboxState.DONE and out.ticket_id != 9999


def test_reply_token_threads_without_headers_or_tag(app: App) -> None:
    tid, _ = _first(app)
    addr = reply_address(app, tid, "alice@customer.test")
    out = deliver(app, mail(subject="totally new words", to=addr))
    assert out.ticket_id == tid and "token" in out.reason
    # the envelope recipient is enough, too (Bcc, or a rewritten To:)
    out = deliver(app, mail(subject="x"), envelope_to=(addr,))
    assert out.ticket_id == tid


def test_forged_token_does_not_thread(app: App) -> None:
    tid, _ = _first(app)
    forged = f"support+{tid}-{'0' * tokens.TOKEN_LENGTH}@example.test"
    out = deliver(app, mail(subject="hi", to=forged, sender="mallory@evil.test"))
    assert out.ticket_id != tid


def test_requester_reply_reopens_pending(app: App) -> None:
    tid, mid = _first(app)
    _set(app, tid, TicketState.OPEN)
    _set(app, tid, TicketState.PENDING)
    to = reply_address(app, tid, "alice@customer.test")  # a reply to our mail
    out = deliver(app, mail(to=to, in_reply_to=mid, body="here is the log\n"))
    assert out.ticket_id == tid
    t = show(app, tid)
    assert t["state"] == "open"
    assert t["events"][-1]["kind"] == "state" and t["events"][-1]["channel"] == "email"


def test_reply_to_closed_within_window_reopens(app: App, clock: FakeClock) -> None:
    tid, mid = _first(app)
    _set(app, tid, TicketState.CLOSED)
    clock.advance(timedelta(days=3))
    to = reply_address(app, tid, "alice@customer.test")  # a reply to our mail
    out = deliver(app, mail(to=to, in_reply_to=mid, body="it broke again\n"))
    assert out.ticket_id == tid and show(app, tid)["state"] == "open"
    assert show(app, tid)["close_reason"] is None


def test_reply_to_long_closed_ticket_opens_linked_one(app: App, clock: FakeClock) -> None:
    tid, mid = _first(app)
    _set(app, tid, TicketState.CLOSED)
    clock.advance(timedelta(days=30))
    out = deliver(app, mail(in_reply_to=mid, body="new problem\n"))
    assert out.ticket_id != tid
    new = show(app, out.ticket_id or 0)
    assert new["linked_ticket"] == tid
    assert new["catalog"] == "other"  # filed like any new ticket
    assert [e["kind"] for e in new["events"]][:3] == ["created", "category", "assign"]
    assert show(app, tid)["state"] == "closed"


def test_auto_reply_attaches_but_never_changes_state(app: App) -> None:
    tid, mid = _first(app)
    _set(app, tid, TicketState.OPEN)
    _set(app, tid, TicketState.PENDING)
    out = deliver(
        app,
        mail(subject="Out of office", in_reply_to=mid, headers={"Auto-Submitted": "auto-replied"}),
    )
    assert out.ticket_id == tid
    t = show(app, tid)
    assert t["state"] == "pending" and t["messages"][-1]["kind"] == "auto-reply"


def test_auto_reply_for_no_ticket_is_ignored(app: App) -> None:
    out = deliver(
        app, mail(subject="Automatic reply: away", headers={"Auto-Submitted": "auto-replied"})
    )
    assert out.state == InboxState.IGNORED and "auto-reply" in out.reason
    assert all_tickets(app) == []


def test_bounce_attaches_to_ticket_whose_mail_bounced(app: App) -> None:
    tid, _ = _first(app)
    sent_for(app, tid)  # a mail we sent for that ticket
    bounce = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\n"
        b"To: support@example.test\nSubject: Undelivered Mail Returned to Sender\n"
        b"Message-ID: <bounce-1@mx.customer.test>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nUser unknown\n"
        b"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        b"Final-Recipient: rfc822; alice@customer.test\nAction: failed\nStatus: 5.1.1\n"
        b"--B\nContent-Type: text/rfc822-headers\n\nFrom: support@example.test\n"
        b"Message-ID: <sent-1@example.test>\nSubject: [#1] ack\n--B--\n"
    )
    out = deliver(app, bounce)
    assert out.ticket_id == tid, out.reason
    t = show(app, tid)
    assert t["state"] == "new" and t["messages"][-1]["kind"] == "bounce"


def test_own_mail_is_ignored(app: App) -> None:
    out = deliver(
        app,
        mail(
            sender="support@example.test",
            headers={"Auto-Submitted": "auto-replied", "X-Ticket-Gateway": "ack"},
        ),
    )
    assert out.state == InboxState.IGNORED and "own" in out.reason


def test_list_mail_opens_a_ticket(app: App) -> None:
    out = deliver(
        app, mail(subject="[alerts] disk full on db1", headers={"List-Id": "<alerts.example.test>"})
    )
    assert out.state == InboxState.DONE
    assert show(app, out.ticket_id or 0)["messages"][0]["kind"] == "list"


def _opens_then_fails(a: Arrival) -> Arrival:
    """A stage with a bug, after it wrote: a ticket must not survive it."""
    if b"boom" in a.row.raw:
        changes.open_ticket(
            a.session,
            subject="half",
            requester=a.sender,
            requester_name="",
            locale="en",
            participants=[],
            now=a.now,
            actor="t",
            channel="t",
        )
        raise RuntimeError("bug in a stage")
    return a


def test_unexpected_error_shunts_and_loop_goes_on(app: App) -> None:
    at = [link.name for link in CHAIN].index("new request")
    broken = (*CHAIN[:at], Link("broken", _opens_then_fails), *CHAIN[at:])
    buggy = replace(app, runner=replace(app.runner, chain=broken))
    bad = deliver(buggy, mail(subject="boom"))
    good = deliver(buggy, mail(subject="fine"))
    assert bad.state == InboxState.SHUNTED and good.state == InboxState.DONE
    with transaction(app.sessions) as s:
        row = s.get(InboxRow, bad.inbox_id)
        assert row is not None and "RuntimeError: bug in a stage" in row.error
    assert len(all_tickets(app)) == 1  # nothing half-written by the shunted row
    from store import inbox

    with transaction(app.sessions) as s:
        assert inbox.requeue(s) == 1
    outcomes = app.runner.process_pending()  # after the fix: the real chain
    assert [o.state for o in outcomes] == [InboxState.DONE]
    assert len(all_tickets(app)) == 2


def test_a_chain_that_ends_without_a_verdict_shunts(app: App) -> None:
    short = replace(app, runner=replace(app.runner, chain=CHAIN[:4]))
    out = deliver(short, mail(subject="where do I go"))
    assert out.state == InboxState.SHUNTED and "ChainEnded" in out.reason
    assert all_tickets(app) == []


def test_every_verdict_has_a_disposition() -> None:
    assert set(DISPOSITIONS) == set(get_args(Verdict))
    assert {d.value for d in DISPOSITIONS.values()} == {"done", "ignored", "rejected"}
