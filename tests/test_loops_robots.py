"""Another helpdesk's robot answering our acknowledgement, through the real SMTP
listener (aiosmtpd) and smtplib: the robot answers for a requester's mailbox under an
address of its own, to the address our mail came from (not the reply address), with no
In-Reply-To, no References and none of the automatic headers (Auto-Submitted,
Precedence, X-Autoreply, X-Loop): only its subject, ``Re: [#1] <our subject>``, says
what it answers. A stranger's tag opens a ticket linked to #1 (README "Threading");
acknowledged, the robot answered the acknowledgement of the acknowledgement, the
subject grew a round each time (``We have received your request: We have received
your request: VPN down``) and only the hourly limit stopped it. Beside it: two gateways
of ours behind a relay that drops what says what a mail is, and a robot whose
acknowledgement carries X-Loop alone."""

from __future__ import annotations

import email
import email.policy
import smtplib
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, outbox, show
from tests.support.smtp import listening, smtp_settings

ROBOT = "helpdesk@other.test"


@pytest.fixture
def gw(settings: Settings, clock: FakeClock) -> Iterator[App]:
    application = build(replace(settings, members=MEMBERS), clock)
    yield application
    application.close()


def _send(app: App, raw: bytes, envelope_from: str, to: str = "support@example.test") -> None:
    """``raw`` to the support address over SMTP, then processed as the daemon does."""
    with (
        listening(smtp_settings(app.settings), app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.sendmail(envelope_from, [to], raw)
    app.runner.process_pending()


def _subject(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])


def _robot_answer(ours: bytes, n: int, form: str) -> bytes:
    """The robot's answer to our mail ``ours``: ``form`` with ``{s}`` for its subject."""
    subject = form.format(s=_subject(ours), n=n)
    encoded = email.header.Header(subject, "utf-8").encode()
    return (
        f"From: Other Helpdesk <{ROBOT}>\nTo: support@example.test\nSubject: {encoded}\n"
        f"Message-ID: <robot-{n}@other.test>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Thank you for your mail. Your request has been received.\n"
    ).encode()


@pytest.mark.parametrize(
    "form",
    [
        "Re: {s}",  # the usual reply prefix
        "Re: Re: {s}",  # a robot that prefixes what it got, once more each round
        "[OTH#{n}] Re: {s}",  # its own ticket number before ours
        "AW: {s}",  # a German mail system's
        "返信: {s}",  # a Japanese one's
        "Your request has been received ({s})",  # the subject quoted inside its own
    ],
)
def test_a_robot_answering_our_acknowledgement_gets_no_acknowledgement(
    gw: App, clock: FakeClock, form: str
) -> None:
    request = (
        b"From: Alice <alice@other.test>\nTo: support@example.test\nSubject: VPN down\n"
        b"Message-ID: <a0@other.test>\nContent-Type: text/plain\n\nThe VPN is down.\n"
    )
    _send(gw, request, "alice@other.test")
    for n in range(1, 6):  # the robot answers each mail of ours that reaches other.test
        to_them = [r for r in outbox(gw) if any(x.endswith("@other.test") for x in r.recipients)]
        if len(to_them) < n:
            break
        clock.advance(timedelta(minutes=2))
        _send(gw, _robot_answer(to_them[n - 1].raw, n, form), ROBOT)
    to_them = [r for r in outbox(gw) if any(x.endswith("@other.test") for x in r.recipients)]
    assert [r.recipients for r in to_them] == [["alice@other.test"]]  # Alice's, once
    tickets = all_tickets(gw)
    assert len(tickets) == 2  # the robot's mail is kept, on a ticket linked to #1
    robot = show(gw, max(t["id"] for t in tickets))
    [why] = [e for e in robot["events"] if e["kind"] == "no-auto-answer"]
    assert why["detail"]["reason"] == "it answers an automatic mail of ours on ticket #1"


def test_a_strangers_own_request_naming_a_ticket_is_still_acknowledged(gw: App) -> None:
    """The control: the tag alone, under words of the stranger's own, is a new request
    as before (README "Threading"), and it is answered."""
    request = (
        b"From: Alice <alice@other.test>\nTo: support@example.test\nSubject: VPN down\n"
        b"Message-ID: <a0@other.test>\nContent-Type: text/plain\n\nThe VPN is down.\n"
    )
    _send(gw, request, "alice@other.test")
    bob = (
        b"From: Bob <bob@other.test>\nTo: support@example.test\n"
        b"Subject: [#1] the same for me, and the printer too\n"
        b"Message-ID: <b0@other.test>\nContent-Type: text/plain\n\nSame here.\n"
    )
    _send(gw, bob, "bob@other.test")
    assert [r.recipients for r in outbox(gw, "acknowledgement")] == [
        ["alice@other.test"],
        ["bob@other.test"],
    ]


# the headers of ours a relay between two gateways may drop, one set per case
STRIPPED = {
    "none": (),  # as we send it: the gateway header and RFC 3834's say what it is
    "all": ("X-Ticket-Gateway", "Auto-Submitted", "Precedence", "X-Auto-Response-Suppress"),
    # and what threads it: the subject, with the other's tag in it, is all that is left
    "threading": (
        *("X-Ticket-Gateway", "Auto-Submitted", "Precedence", "X-Auto-Response-Suppress"),
        *("In-Reply-To", "References", "Thread-Index", "Thread-Topic"),
    ),
}


def _without(raw: bytes, names: tuple[str, ...]) -> bytes:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for name in names:
        del msg[name]
    return msg.as_bytes()


@pytest.mark.parametrize("stripped", list(STRIPPED))
def test_two_gateways_acknowledging_each_other_stop_at_once(
    settings: Settings, twin: Settings, clock: FakeClock, tmp_path: Path, stripped: str
) -> None:
    """Two gateways of ours, each the other's requester (a misdirected mail started it),
    both numbering tickets ``[#N]``: a relay between them that drops our headers leaves
    the subject alone to say what each mail answers, and the other's tag names a ticket
    of the other's numbering."""
    b_settings = replace(
        twin,
        gateway=replace(twin.gateway, address="support@b.test", data_dir=tmp_path / "b"),
    )
    a, b = build(settings, clock), build(b_settings, clock)
    try:
        for app, who, many in ((a, "carol@a-side.test", 3), (b, "dave@b-side.test", 5)):
            for n in range(many):  # tickets of their own: each one's tags name some
                _send(
                    app,
                    mail(subject=f"printer {n}", sender=who, to=app.settings.gateway.address),
                    who,
                    to=app.settings.gateway.address,
                )
        seen = {id(a): len(outbox(a)), id(b): len(outbox(b))}
        start = mail(subject="Invoice 42", sender="Billing <support@b.test>")
        _send(a, start, "support@b.test")
        for _ in range(12):  # mail goes back and forth while there is some
            moved = False
            for src, dst in ((a, b), (b, a)):
                rows = outbox(src)[seen[id(src)] :]
                seen[id(src)] += len(rows)
                for row in rows:
                    if dst.settings.gateway.address in row.recipients:
                        clock.advance(timedelta(minutes=1))
                        raw = _without(row.raw, STRIPPED[stripped])
                        _send(
                            dst, raw, src.settings.gateway.address, to=dst.settings.gateway.address
                        )
                        moved = True
            if not moved:
                break
        to_b = [r for r in outbox(a) if "support@b.test" in r.recipients]
        to_a = [r for r in outbox(b) if "support@example.test" in r.recipients]
        assert len(to_b) <= 1 and len(to_a) <= 1, [_subject(r.raw) for r in to_b + to_a]
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("x_loop", ["helpdesk@other.test", "yes"])  # procmail's, Zammad's/OTRS's
def test_a_robots_answer_with_x_loop_leaves_a_waiting_ticket_waiting(
    gw: App, clock: FakeClock, x_loop: str
) -> None:
    """The requester is a helpdesk whose acknowledgement of our status mail sets
    X-Loop only (its loop guard: a program wrote or passed it on): no answer (as
    before), and no more the requester's answer that took the ticket out of pending."""
    from gateway.core.model import TicketState
    from tests.support.scheduling import set_state, tick_and_send

    _send(gw, mail(sender=f"Other Helpdesk <{ROBOT}>", message_id="<r1@other.test>"), ROBOT)
    set_state(gw, 1, TicketState.PENDING)
    tick_and_send(gw)
    [status] = outbox(gw, "status_change")
    ours = email.message_from_bytes(status.raw, policy=email.policy.default)
    clock.advance(timedelta(minutes=3))
    queued = len(outbox(gw))
    ack = mail(
        subject=f"[OTH#5] Re: {ours['Subject']}",
        body="Your request has been received as OTH#5.\n",
        sender=f"Other Helpdesk <{ROBOT}>",
        to=str(ours["Reply-To"]),
        in_reply_to=str(ours["Message-ID"]),
        headers={"X-Loop": x_loop},
    )
    _send(gw, ack, ROBOT)
    ticket = show(gw, 1)
    assert ticket["state"] == "pending" and ticket["message_count"] == 2  # attached
    tick_and_send(gw)
    assert outbox(gw)[queued:] == []  # nothing to the robot, nobody told of an answer


def test_a_forwarders_x_loop_above_the_robots_still_leaves_it_waiting(
    gw: App, clock: FakeClock
) -> None:
    """The helpdesk's acknowledgement passed on by a forwarding mailbox whose guard
    writes its own X-Loop above the helpdesk's (Sieve's addheader puts it first): the
    first one names the forwarder, the second says yes. Each X-Loop is read, not only
    the first: still machine mail, the ticket still waits."""
    from gateway.core.model import TicketState
    from tests.support.scheduling import set_state, tick_and_send

    _send(gw, mail(sender=f"Other Helpdesk <{ROBOT}>", message_id="<r1@other.test>"), ROBOT)
    set_state(gw, 1, TicketState.PENDING)
    tick_and_send(gw)
    [status] = outbox(gw, "status_change")
    ours = email.message_from_bytes(status.raw, policy=email.policy.default)
    clock.advance(timedelta(minutes=3))
    queued = len(outbox(gw))
    ack = mail(
        subject=f"[OTH#5] Re: {ours['Subject']}",
        body="Your request has been received as OTH#5.\n",
        sender=f"Other Helpdesk <{ROBOT}>",
        to=str(ours["Reply-To"]),
        in_reply_to=str(ours["Message-ID"]),
        headers={"X-Loop": "yes"},
    )
    assert ack.count(b"X-Loop: yes") == 1
    ack = b"X-Loop: relay-box@customer.test\n" + ack  # the forwarder's, on top
    _send(gw, ack, ROBOT)
    ticket = show(gw, 1)
    assert ticket["state"] == "pending" and ticket["message_count"] == 2  # attached
    tick_and_send(gw)
    assert outbox(gw)[queued:] == []
