"""A Message-ID that is already taken does not make a mail a duplicate.

Devices and small mailers number their mail ``<1@localhost>``, and anyone can copy a
Message-ID they have seen. The dedupe stage ignored every later mail under a taken id
as "duplicate of message … on ticket #1": another customer's request under the same id
got no ticket and no acknowledgement, and a monitor's second alert was lost. A copy of
one mail (by SMTP and by IMAP, a resend, a mailing list's copy) has the same sender and
subject; anything else goes on under a Message-ID of its own.
"""

from __future__ import annotations

import pytest

from gateway.core.model import InboxState
from gateway.pipeline.thread import same_mail
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, outbox, show

TAKEN = "<1@localhost>"


@pytest.mark.parametrize(
    ("stored", "arriving", "same"),
    [
        (("a@x.test", "disk full"), ("a@x.test", "disk full"), True),
        (("a@x.test", "disk full"), ("A@X.test", "[ops-list] disk full"), True),  # a list copy
        (("a@x.test", "[l] disk full"), ("a@x.test", "disk full"), True),
        (("a@x.test", "disk full"), ("b@y.test", "disk full"), False),  # another sender
        (("a@x.test", "PROBLEM: db1"), ("a@x.test", "RECOVERY: db1"), False),  # another mail
        (("a@x.test", ""), ("a@x.test", "hello"), False),
    ],
)
def test_a_copy_is_the_same_sender_and_subject(
    stored: tuple[str, str], arriving: tuple[str, str], same: bool
) -> None:
    assert same_mail(stored, arriving) is same


def test_another_senders_mail_under_a_taken_message_id_is_a_request_of_its_own(
    app: App,
) -> None:
    first = deliver(app, mail(subject="disk full on db1", sender="mon@mon.test", message_id=TAKEN))
    other = deliver(
        app,
        mail(subject="my laptop is broken", sender="Carol <carol@other.test>", message_id=TAKEN),
        source="smtp",
    )
    assert first.state == other.state == InboxState.DONE, other.reason
    assert other.ticket_id not in (None, first.ticket_id)
    assert show(app, other.ticket_id)["requester"] == "carol@other.test"
    assert [row.recipients for row in outbox(app, "acknowledgement")][-1] == ["carol@other.test"]
    message = show(app, other.ticket_id)["messages"][0]  # then our acknowledgement
    assert message["direction"] == "in"
    assert any("is taken by another mail" in d for d in message["defects"])


def test_a_monitors_second_alert_under_the_same_id_is_not_lost(app: App) -> None:
    deliver(app, mail(subject="PROBLEM: db1 disk full", sender="mon@mon.test", message_id=TAKEN))
    deliver(app, mail(subject="PROBLEM: web1 down", sender="mon@mon.test", message_id=TAKEN))
    assert sorted(t["subject"] for t in all_tickets(app)) == [
        "PROBLEM: db1 disk full",
        "PROBLEM: web1 down",
    ]


def test_a_copy_of_the_same_mail_is_still_ignored(app: App) -> None:
    raw = mail(subject="VPN down", sender="alice@customer.test", message_id="<v-1@customer.test>")
    first = deliver(app, raw)
    by_imap = b"Received: from imap.example.test; Mon, 2 Mar 2026 10:00:00 +0900\r\n" + raw
    listed = raw.replace(b"Subject: VPN down", b"Subject: [it-users] VPN down")
    for copy in (by_imap, listed):
        again = deliver(app, copy)
        assert again.state == InboxState.IGNORED
        assert (
            again.reason == f"duplicate of message v-1@customer.test on ticket #{first.ticket_id}"
        )
    assert len(all_tickets(app)) == 1
