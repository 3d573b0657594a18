"""A bounce says why the mail came back, and the member reads it: the receiving server's
words (RFC 3464's Diagnostic-Code, else its Status) for the requester's copy go into the
``delivery-failed`` event and the member's notice, as the relay's answer does for a mail
it refused. Before, the notice said only that the mail "came back as undeliverable":
the member could not tell a mistyped address (ask by phone) from a full mailbox (try
again tomorrow) or a refusal of our mail as spam (the team's problem) without opening
the database (real SQLite and PostgreSQL, the real runner, bounces as the big mail
systems write them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.pipeline import bounced
from gateway.runtime.app import App
from tests.support import dsn
from tests.support.cpu import cpu_within
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, send, tick_and_send
from tests.support.unwrap import unwrapped

HOUR = timedelta(hours=1)
ALICE = "alice@customer.test"


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


@pytest.mark.parametrize(
    ("form", "said"),
    [
        (dsn.postfix, "550 5.1.1 User unknown"),
        (dsn.gmail, "5.1.1 The email account that you tried to reach does not exist."),
        (dsn.microsoft365, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found"),
        (dsn.exim, ""),  # plain words, no report: nothing read from them
        (dsn.qmail, ""),
    ],
    ids=["postfix", "gmail", "microsoft365", "exim", "qmail"],
)
def test_what_the_receiving_server_said(form: dsn.Form, said: str) -> None:
    assert bounced.reason(form("m@example.test", ALICE), ALICE) == said


def test_the_requesters_block_is_read_folded_lines_joined_and_kept_short() -> None:
    """A report of two recipients (the requester second) whose Diagnostic-Code is
    folded and holds a control character and a very long text."""
    raw = (
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.test\n\n"
        "Final-Recipient: rfc822; bob@customer.test\nAction: failed\nStatus: 5.2.2\n"
        "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n\n"
        f"Final-Recipient: rfc822; {ALICE.upper()}\nAction: failed\nStatus: 5.7.1\n"
        "Diagnostic-Code: smtp; 550 5.7.1 Message rejected\n"
        f"    as spam \x1b[31m{'x' * 500}\n\n--B--\n"
    ).encode()
    said = bounced.reason(raw, ALICE)
    assert said.startswith("550 5.7.1 Message rejected as spam [31mxxx")
    assert len(said) <= bounced.MAX_REASON and said.isprintable()


def test_the_member_reads_why_the_acknowledgement_came_back(gw: App, clock: FakeClock) -> None:
    """In the event, and in the manager's notice in Japanese."""
    tid = open_ticket(gw, "A question", key="why-1")
    send(gw)
    [ack] = outbox(gw, "acknowledgement")
    clock.advance(HOUR)
    full = (
        dsn.postfix(ack.message_id, ALICE)
        .replace(b"550 5.1.1 User unknown", b"552 5.2.2 Mailbox full")
        .replace(b"Status: 5.1.1", b"Status: 5.2.2")
    )
    deliver(gw, full)
    [failed] = [e for e in show(gw, tid)["events"] if e["kind"] == "delivery-failed"]
    assert failed["detail"]["error"] == (
        "it was sent, then came back as undeliverable: 552 5.2.2 Mailbox full"
    )
    clock.advance(HOUR)
    tick_and_send(gw)
    [notice] = outbox(gw, "ticket_notice")
    assert notice.recipients == ["boss@example.test"]  # ja
    assert "配信できずに戻ってきました（受信側サーバーの応答: 552 5.2.2 Mailbox full）" in (
        unwrapped(text_of(notice))
    )


def test_a_members_notice_that_came_back_is_in_the_tickets_history(
    gw: App, clock: FakeClock
) -> None:
    """The new-ticket mail to the assignee bounced (their mailbox was removed, the
    relay a smarthost that took it): the bounce was attached and that was all, while a
    relay's refusal of the same mail gave a ``delivery-failed`` event. Now it is one
    too, with what the server said; nobody is mailed about it (it would go where the
    last one could not), and the requester's clock and notices are untouched."""
    tid = open_ticket(gw, "VPN down", key="mem-1")
    send(gw)
    [new] = outbox(gw, "new_ticket")
    assert new.recipients == ["ops@example.test"]
    clock.advance(HOUR)
    arrived = deliver(gw, dsn.postfix(new.message_id, "ops@example.test"))
    assert arrived.ticket_id == tid and "told" not in arrived.reason
    [failed] = [e for e in show(gw, tid)["events"] if e["kind"] == "delivery-failed"]
    assert (failed["new"], failed["detail"]["recipients"]) == ("new_ticket", ["ops@example.test"])
    assert failed["detail"]["error"].endswith("undeliverable: 550 5.1.1 User unknown")
    deliver(gw, dsn.gmail(new.message_id, "ops@example.test"))  # once, as any mail
    assert len([e for e in show(gw, tid)["events"] if e["kind"] == "delivery-failed"]) == 1
    clock.advance(HOUR)
    tick_and_send(gw)
    assert outbox(gw, "ticket_notice") == []


@pytest.mark.parametrize(
    "shape",
    [
        b"Diagnostic-Code: smtp" + b"-" * 1_000_000 + b"\n",  # a type that never ends
        b"Diagnostic-Code: smtp; 550" + b"\n x" * 300_000 + b"\n",  # folded on and on
        b"Final-Recipient: rfc822; a@b\nAction: failed\n\n" * 50_000,  # blocks upon blocks
    ],
    ids=["long-type", "folded", "blocks"],
)
def test_a_hostile_report_is_read_in_linear_time(shape: bytes) -> None:
    raw = b"Content-Type: multipart/report\n\nAction: failed\n" + shape
    # CPU seconds: a busy machine stretches wall time alone
    said = cpu_within(3.0, lambda: bounced.reason(raw, ALICE))
    assert len(said) <= bounced.MAX_REASON
