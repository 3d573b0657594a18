"""No mail storms: out-of-office replies, bounces, list mail, daemons and a burst from
one sender go through the real pipeline, and the outbox shows what we would send.

Every such message is still recorded (on its ticket, or as an ignored inbox row);
only the automatic answer is withheld, and the ticket says why.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import InboxState
from gateway.pipeline import loops
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App, build
from store.db import transaction
from tests.support.corpus import OWN_ROOT, is_machine, needs_shared, own_samples, shared_samples
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, outbox, show

OWN = {"support@example.test"}


def _ack_message_id(app: App) -> str:
    [row] = outbox(app)
    return f"<{row.message_id}>"


def test_out_of_office_reply_to_our_ack_is_attached_and_not_answered(app: App) -> None:
    first = deliver(app, mail(message_id="<req-1@customer.test>"))
    ack = _ack_message_id(app)
    ooo = mail(
        subject="Automatic reply: VPN does not connect",
        in_reply_to=ack,
        body="I am out of the office until Monday.\n",
        headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    )
    out = deliver(app, ooo)
    assert out.ticket_id == first.ticket_id and out.state == InboxState.DONE
    assert show(app, first.ticket_id or 0)["messages"][-1]["kind"] == "auto-reply"
    assert len(outbox(app)) == 1  # only the first acknowledgement


def test_naive_vacation_responder_without_headers_gets_no_answer(app: App) -> None:
    """Apple's vacation mail sets no Auto-Submitted; its subject still gives it away."""
    out = deliver(app, mail(subject="Auto reply: Nyaan", body="I'm only sleeping.\n"))
    assert out.state == InboxState.DONE and outbox(app) == []
    events = show(app, out.ticket_id or 0)["events"]
    assert events[-1]["kind"] == "no-auto-answer"
    assert events[-1]["detail"]["reason"] == "subject of an auto-reply"


def test_bounce_of_our_ack_lands_on_the_ticket_without_an_answer(app: App) -> None:
    first = deliver(app, mail(message_id="<req-1@customer.test>"))
    ack = _ack_message_id(app)
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\n"
        "To: support@example.test\nSubject: Undelivered Mail Returned to Sender\n"
        "Message-ID: <dsn-1@mx.customer.test>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nUser unknown\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        "Final-Recipient: rfc822; alice@customer.test\nAction: failed\nStatus: 5.1.1\n"
        "--B\nContent-Type: text/rfc822-headers\n\nFrom: support@example.test\n"
        f"Message-ID: {ack}\nSubject: [#1] ack\n--B--\n"
    ).encode()
    out = deliver(app, dsn, envelope_to=("support@example.test",))
    assert out.ticket_id == first.ticket_id, out.reason
    assert show(app, first.ticket_id or 0)["messages"][-1]["kind"] == "bounce"
    assert len(outbox(app)) == 1


@pytest.mark.parametrize("origin", ["own", pytest.param("shared", marks=needs_shared)])
def test_bounces_and_auto_replies_cause_no_mail(app: App, clock: FakeClock, origin: str) -> None:
    """Every bounce and auto-reply we have, through the real pipeline: recorded, never
    shunted, never answered. The clock is set to just after each message's date, so
    only the loop rules (not "too old to answer") can keep it unanswered."""
    samples = [s for s in (own_samples() if origin == "own" else shared_samples()) if is_machine(s)]
    assert len(samples) >= 15  # a test that finds nothing to check must not pass
    answered: dict[str, str] = {}
    for sample in samples:
        date = parse_message(sample.raw()).date
        if date is not None:
            clock.advance(date + timedelta(minutes=5) - clock.now())
        queued = len(outbox(app))
        out = deliver(app, sample.raw())
        if out.state not in (InboxState.DONE, InboxState.IGNORED) or len(outbox(app)) > queued:
            answered[sample.rel] = f"{out.state}: {out.reason}"
    assert not answered


@pytest.mark.parametrize("origin", ["own", pytest.param("shared", marks=needs_shared)])
def test_list_mail_opens_tickets_but_gets_no_answer(
    app: App, clock: FakeClock, origin: str
) -> None:
    """Every list message we have (Mailman, majordomo, ezmlm, newsletters): filed, never
    answered, whichever list manager's headers say so. Dated as in the bounce test above,
    so only the loop rules can keep it unanswered."""
    samples = own_samples("list") if origin == "own" else shared_samples("list")
    assert len(samples) >= 5  # a test that finds nothing to check must not pass
    answered: dict[str, str] = {}
    for sample in samples:
        date = parse_message(sample.raw()).date
        if date is not None:
            clock.advance(date + timedelta(minutes=5) - clock.now())
        queued = len(outbox(app))
        out = deliver(app, sample.raw())
        if out.state != InboxState.DONE or len(outbox(app)) > queued:
            answered[sample.rel] = f"{out.state}: {out.reason}"
    assert not answered


def test_a_person_in_the_fixtures_is_answered(app: App) -> None:
    """The control for the test above: the same dates, a person's request, an answer."""
    out = deliver(app, (OWN_ROOT / "plain" / "plain-request.eml").read_bytes())
    assert out.state == InboxState.DONE
    assert [r.kind for r in outbox(app)] == ["acknowledgement"]


def test_list_message_opens_a_ticket_but_gets_no_answer(app: App) -> None:
    out = deliver(
        app,
        mail(
            subject="[ops-l] disk full on db1",
            headers={
                "List-Id": "<ops-l.example.test>",
                "List-Unsubscribe": "<mailto:leave@example.test>",
            },
        ),
    )
    assert out.state == InboxState.DONE and outbox(app) == []
    assert show(app, out.ticket_id or 0)["events"][-1]["detail"]["reason"] == "list message"


@pytest.mark.parametrize(
    ("sender", "headers", "envelope_from", "reason"),
    [
        ("MAILER-DAEMON@mx.test", {}, None, "sender never reads answers"),
        ("postmaster@mx.test", {}, None, "sender never reads answers"),
        ("noreply@saas.test", {}, None, "sender never reads answers"),
        ("no-reply@saas.test", {}, None, "sender never reads answers"),
        ("do-not-reply@saas.test", {}, None, "sender never reads answers"),
        ("no_reply@email.vendor.test", {}, None, "sender never reads answers"),
        ("notifications-noreply@social.test", {}, None, "sender never reads answers"),
        ("DoNotReply@bank.test", {}, None, "sender never reads answers"),
        ("billing.no-reply.jp@shop.test", {}, None, "sender never reads answers"),
        ("alerts@monitor.test", {"Precedence": "bulk"}, None, "list message"),
        # ezmlm marks its posts with Mailing-List only (no List-Id, no Precedence)
        (
            "dev@customer.test",
            {"Mailing-List": "contact dev-help@lists.test; run by ezmlm"},
            None,
            "list message",
        ),
        # any RFC 2369 header names a list, not only List-Unsubscribe
        ("dev@customer.test", {"List-Post": "<mailto:dev@lists.test>"}, None, "list message"),
        ("dev@customer.test", {"List-Help": "<mailto:dev-help@lists.test>"}, None, "list message"),
        # a news article, as a news server passed it on (Path is the servers' trail)
        (
            "poster@customer.test",
            {"Newsgroups": "comp.os.misc", "Path": "news.lists.test!not-for-mail"},
            None,
            "list message",
        ),
        ("alerts@monitor.test", {"Auto-Submitted": "auto-generated"}, None, "automated message"),
        ("alerts@monitor.test", {}, "", "empty return path"),
        ("alerts@monitor.test", {"Return-Path": "<>"}, None, "automated message"),
        ("support+7-0123456789abcdef@example.test", {}, None, "sent from our own address"),
        ("help@example.test", {}, None, "sent from our own address"),
    ],
)
def test_machines_and_ourselves_get_no_answer(
    sender: str, headers: dict[str, str], envelope_from: str | None, reason: str
) -> None:
    msg = parse_message(mail(sender=sender, headers=headers))
    verdict = loops.verdict(msg, "support@example.test")
    allowed, why = loops.may_auto_answer(msg, verdict, {*OWN, "help@example.test"}, envelope_from)
    assert not allowed and str(why) == reason  # in English: the history keeps the Msg too


@pytest.mark.parametrize(
    "headers",
    [
        {"Precedence": "auto_reply"},  # what RT, Zammad and some vacation programs write
        {"Precedence": "Auto_Reply"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "vacation"},
    ],
)
def test_an_auto_responders_own_mark_makes_an_auto_reply(app: App, headers: dict[str, str]) -> None:
    """With no RFC 3834 header and no auto-reply subject, the responder's own header is
    the only sign: it belongs to no ticket, so it is ignored, never acknowledged."""
    msg = parse_message(mail(headers=headers))
    assert loops.verdict(msg, "support@example.test") == LoopVerdict.AUTO_REPLY
    out = deliver(app, mail(headers=headers))
    assert out.state == InboxState.IGNORED and outbox(app) == []


def test_a_person_may_be_answered() -> None:
    msg = parse_message(mail(headers={"Auto-Submitted": "no"}))
    assert loops.may_auto_answer(msg, LoopVerdict.HUMAN, OWN, "alice@customer.test") == (True, "")


def test_a_mail_also_posted_to_a_newsgroup_is_a_persons() -> None:
    """A client posting to a group and mailing us at once names the group, but the copy
    it mails never went through a news server: no Path, so it is answered."""
    msg = parse_message(mail(headers={"Newsgroups": "comp.os.misc"}))
    assert loops.verdict(msg, "support@example.test") == LoopVerdict.HUMAN
    assert loops.may_auto_answer(msg, LoopVerdict.HUMAN, OWN, "alice@customer.test") == (True, "")


def test_rate_limit_is_a_pure_comparison() -> None:
    assert loops.within_rate_limit(4, 5) and not loops.within_rate_limit(5, 5)
    assert not loops.within_rate_limit(0, 0)  # 0 turns automatic answers off


def test_burst_of_20_requests_from_one_sender_gets_at_most_the_limit(
    app: App, clock: FakeClock
) -> None:
    limit = app.settings.gateway.auto_reply_limit
    for i in range(20):
        out = deliver(app, mail(subject=f"Request number {i}", message_id=f"<burst-{i}@c.test>"))
        assert out.state == InboxState.DONE
        clock.advance(timedelta(seconds=30))
    assert len(all_tickets(app)) == 20  # every request is a ticket …
    assert len(outbox(app)) == limit  # … but only `limit` answers went out
    assert {r.recipient for r in outbox(app)} == {"alice@customer.test"}
    limited = show(app, 20)["events"][-1]
    assert limited["kind"] == "no-auto-answer" and "rate limit" in limited["detail"]["reason"]
    deliver(app, mail(subject="someone else", sender="bob@customer.test"))
    assert len(outbox(app)) == limit + 1  # the limit is per recipient
    clock.advance(timedelta(hours=1))
    deliver(app, mail(subject="an hour later", message_id="<later@c.test>"))
    assert len(outbox(app)) == limit + 2  # and per hour


def test_limit_comes_from_settings(settings: Settings, clock: FakeClock, tmp_path: Path) -> None:
    strict = replace(settings, gateway=replace(settings.gateway, auto_reply_limit=2))
    app = build(strict, clock)
    try:
        for i in range(5):
            deliver(app, mail(subject=f"r{i}", message_id=f"<r{i}@c.test>"))
        assert len(outbox(app)) == 2
    finally:
        app.close()


def test_reprocessing_a_row_never_queues_a_second_ack(app: App) -> None:
    """The idempotency key: ack:<ticket> is queued once whatever happens to the row."""
    from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
    from gateway.notify.views import Acknowledgement, Person
    from store import tickets

    out = deliver(app, mail())
    with transaction(app.sessions) as s:
        t = tickets.get(s, out.ticket_id or 0)
        assert t is not None
        ref = ticket_ref(t, app.settings, app.clock.now(), app.catalog.current)
        view = Acknowledgement(team(app.settings), Person(t.requester), ref)
        again = queue_ticket_mail(s, app.settings, t, view, key=f"ack:{t.id}", now=app.clock.now())
    assert again is None and len(outbox(app)) == 1


@pytest.mark.parametrize(
    "sender",
    [
        "Support <support@example.test>",  # the gateway address, written by a person
        "support+3-0123456789abcdef@example.test",  # a reply-token variant
        "help@example.test",  # an alias
        "help+x@example.test",  # an alias's + variant
    ],
)
def test_mail_from_our_own_address_is_never_a_request(
    settings: Settings, clock: FakeClock, sender: str
) -> None:
    aliased = replace(settings, smtp=replace(settings.smtp, aliases=("help@example.test",)))
    app = build(aliased, clock)
    try:
        out = deliver(app, mail(subject="Printer jam", sender=sender))
        assert out.state == InboxState.IGNORED and "sent from our own address" in out.reason
        assert all_tickets(app) == [] and outbox(app) == []
    finally:
        app.close()


@pytest.mark.parametrize(
    "sender", ["reply@customer.test", "noah.replyson@customer.test", "snoreply@customer.test"]
)
def test_people_whose_address_only_looks_like_no_reply_are_answered(sender: str) -> None:
    msg = parse_message(mail(sender=sender))
    assert loops.may_auto_answer(msg, LoopVerdict.HUMAN, OWN, sender) == (True, "")
