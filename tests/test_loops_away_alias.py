"""An out-of-office notice to our acknowledgement from another address of the
requester's (Exchange answers from the mailbox's primary address, the request came from
an alias), sent to the support address with no header to say what it is, through the
real SMTP listener (aiosmtpd) and smtplib. Its ``[#1]`` is a stranger's tag, so it
opened a new ticket linked to #1 and the team was told of a "new request" that was a
machine's 「自動応答」; with Exchange's headers the same notice is kept quietly, as an
auto-reply that belongs to no ticket."""

from __future__ import annotations

import email
import email.policy
import smtplib
from email.header import Header

import pytest

from gateway.runtime.app import App
from tests.support.pipeline import all_tickets, inbox_rows, outbox, show
from tests.support.smtp import listening, smtp_settings

AWAY = (
    "いつもお世話になっております。\n12月28日から1月5日まで不在にしております。\n"
    "戻り次第ご返信いたします。\n"
)


def _send(app: App, raw: bytes, envelope_from: str) -> None:
    with (
        listening(smtp_settings(app.settings), app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.sendmail(envelope_from, ["support@example.test"], raw)
    app.runner.process_pending()


@pytest.mark.parametrize(
    ("subject", "body", "headers"),
    [
        ("自動応答: {s}", AWAY, ""),  # Outlook's label, no header
        ("不在通知: Re: {s}", AWAY, ""),  # a Japanese company server's
        ("【自動返信】{s}", AWAY, ""),  # a bracketed label
        ("Re: {s}", AWAY, ""),  # only its words say what it is
        ("自動応答: {s}", AWAY, "Auto-Submitted: auto-generated\nX-Auto-Response-Suppress: All\n"),
    ],
    ids=["label", "fuzai", "bracket", "words", "exchange-headers"],
)
def test_an_away_notice_from_another_address_opens_no_ticket(
    team: App, subject: str, body: str, headers: str
) -> None:
    request = (
        "From: 山田 <alice@customer.test>\nTo: support@example.test\nSubject: VPNがつながらない\n"
        "Message-ID: <r1@customer.test>\nContent-Type: text/plain; charset=utf-8\n\n"
        "よろしくお願いします。\n"
    ).encode()
    _send(team, request, "alice@customer.test")
    [ack] = outbox(team, "acknowledgement")
    ours = str(email.message_from_bytes(ack.raw, policy=email.policy.default)["Subject"])
    queued = len(outbox(team))
    notice = (
        "From: 山田 花子 <hanako.yamada@customer.test>\nTo: support@example.test\n"
        f"Subject: {Header(subject.format(s=ours), 'utf-8').encode()}\n"
        f"Message-ID: <away@customer.test>\n{headers}MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    ).encode() + body.encode()
    _send(team, notice, "hanako.yamada@customer.test")
    assert [t["id"] for t in all_tickets(team)] == [1]
    assert outbox(team)[queued:] == []  # nobody answered, nobody told
    assert show(team, 1)["state"] == "new"
    last = inbox_rows(team)[-1]
    assert last.state == "ignored" and last.reason == "auto-reply that belongs to no ticket"
