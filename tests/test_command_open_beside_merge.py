"""``/open`` beside ``/merge`` into a closed ticket. The merge is refused with "ticket #2
is closed; reopen it first (/open)", so the member writes ``/open`` beside the ``/merge``
in the same reply to the duplicate: the ``/open`` reopened the duplicate they were
folding away, and the merge was refused again. The member meant the ticket that goes
on: now that ``/open`` reopens the merge's target first, then the merge is done (the
duplicate closes into it). Beside a merge into an open ticket, or one refused for
another reason, ``/open`` is about the ticket the reply is for, as written."""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

OPS2 = "ops2@example.test"


def _two(app: App, *, close_two: bool = True) -> None:
    """#1 (Alice's) and #2 (Bob's) about one problem; #2 closed already."""
    deliver(app, mail("VPN down", message_id="<r1@customer.test>"))
    deliver(app, mail("VPN again", sender="Bob <bob@customer.test>", message_id="<r2@c.test>"))
    if close_two:
        _reply(app, 2, "/close\n")
        assert show(app, 2)["state"] == "closed"


def _reply(app: App, tid: int, body: str) -> None:
    to = reply_address(app, tid, OPS2)
    deliver(app, mail("Re: VPN", body=body, sender=OPS2, to=to), envelope_to=(to,))


@pytest.mark.parametrize(
    "body", ["/merge 2\n/open\n", "/open\n/merge 2\n", "／ｏｐｅｎ\n/merge ＃２\n"]
)
def test_an_open_beside_a_merge_into_a_closed_ticket_reopens_that_ticket(
    team: App, body: str
) -> None:
    _two(team)
    _reply(team, 1, body)
    one, two = show(team, 1), show(team, 2)
    assert (one["state"], one["close_reason"], one["merged_into"]) == ("closed", "duplicate", 2)
    assert two["state"] == "open"
    assert [e for e in one["events"] if e["kind"] == "command-refused"] == []
    said = words_of(outbox(team, "command_result")[-1])
    assert "却下" not in said and "#2" in said


def test_an_open_beside_a_merge_into_an_open_ticket_is_about_this_one(team: App) -> None:
    _two(team, close_two=False)
    _reply(team, 1, "/pending\n")
    _reply(team, 1, "/open\n/merge 2\n")
    one = show(team, 1)
    assert (one["state"], one["merged_into"]) == ("closed", 2)
    assert show(team, 2)["state"] == "new"


def test_an_open_beside_a_merge_refused_otherwise_is_done_as_written(team: App) -> None:
    _two(team)
    _reply(team, 1, "/pending\n")
    _reply(team, 1, "/open\n/merge 99\n")  # no ticket #99
    assert show(team, 1)["state"] == "open"
    assert show(team, 2)["state"] == "closed"
