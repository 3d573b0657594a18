"""Our answer's In-Reply-To names the mail it answers; when that id is one our mail
may not carry (non-ASCII text, an encoded word: kept for threading what comes in),
it named nothing at all, and the answer fell out of the thread in the requester's
client. It names the nearest id of the thread that is well-formed instead."""

from __future__ import annotations

from gateway.core.msgid import nearest_well_formed
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, header_of, outbox

BAD = "日本語@customer.test"


def test_a_well_formed_id_is_itself() -> None:
    assert nearest_well_formed("a@x.test", ("b@x.test", "a@x.test")) == "a@x.test"


def test_an_ill_formed_id_gives_the_nearest_well_formed_one_earlier_first() -> None:
    thread = ("a@x.test", BAD, "c d@x.test", "=?utf-8?q?x?=@x.test", "e@x.test")
    assert nearest_well_formed(BAD, thread) == "a@x.test"
    assert nearest_well_formed("c d@x.test", thread) == "a@x.test"  # as near: the earlier
    assert nearest_well_formed("c d@x.test", ("a@x.test", BAD, "c d@x.test", "e@x.test")) == (
        "e@x.test"
    )
    assert nearest_well_formed(BAD, (BAD, "c d@x.test", "e@x.test")) == "e@x.test"


def test_an_ill_formed_id_outside_the_thread_gives_its_newest_well_formed_one() -> None:
    assert nearest_well_formed(BAD, ("a@x.test", "b@x.test", "c d@x.test")) == "b@x.test"
    assert nearest_well_formed(BAD, ()) == ""
    assert nearest_well_formed("", ("a@x.test",)) == ""  # nothing answered: nothing named


def test_an_answer_to_a_request_with_an_ill_formed_id_still_has_an_in_reply_to(
    team: App,
) -> None:
    raw = (
        "From: Alice <alice@customer.test>\r\nTo: support@example.test\r\n"
        f"Subject: printer jam\r\nMessage-ID: <{BAD}>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nThe printer is jammed.\r\n"
    ).encode()
    ticket_id = deliver(team, raw).ticket_id
    assert ticket_id is not None
    [ack] = outbox(team, "acknowledgement")
    to = reply_address(team, ticket_id, "ops@example.test")
    answer = mail(f"Re: [#{ticket_id}] printer jam", "Cleared.\n", sender="ops@example.test", to=to)
    deliver(team, answer, envelope_to=(to,))
    [reply] = outbox(team, "ops_reply")
    assert header_of(reply, "In-Reply-To") == header_of(ack, "Message-ID")
