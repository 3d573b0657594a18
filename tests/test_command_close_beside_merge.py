"""``/close duplicate`` beside ``/merge`` in one reply, the habit of tools where a
duplicate is closed and merged in two steps: the merge closes the ticket as a duplicate
itself, so the ``/close`` is done by it, in either order. Written above the merge, it
closed the ticket first and the merge was refused ("already closed"): the duplicate
stayed unmerged and its requester was told it was closed, with no word of the ticket
that goes on. Written below, it was refused with advice to undo the merge."""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

OPS2 = "ops2@example.test"


def _two(app: App) -> None:
    """#1 (Alice's) and #2 (Bob's) about one problem."""
    deliver(app, mail("VPN down", message_id="<r1@customer.test>"))
    deliver(app, mail("VPN again", sender="Bob <bob@customer.test>", message_id="<r2@c.test>"))


def _reply(app: App, tid: int, body: str) -> None:
    to = reply_address(app, tid, OPS2)
    deliver(app, mail("Re: VPN", body=body, sender=OPS2, to=to), envelope_to=(to,))


@pytest.mark.parametrize(
    "body",
    [
        "/close duplicate\n/merge 2\n",  # closed, then merged: the order of two steps
        "/close\n/merge 2\n",  # a bare /close: the merge says which reason
        "／ｃｌｏｓｅ　重複\n/merge ＃２\n",  # typed with the IME on, in the mails' words
        "/merge 2\n/close duplicate\n",  # the merge first
    ],
)
def test_a_close_beside_a_merge_is_done_by_the_merge(team: App, body: str) -> None:
    _two(team)
    _reply(team, 1, body)
    one = show(team, 1)
    assert (one["state"], one["close_reason"], one["merged_into"]) == ("closed", "duplicate", 2)
    assert [e for e in one["events"] if e["kind"] == "command-refused"] == []
    [moved] = [r for r in outbox(team, "status_change") if r.recipients == ["alice@customer.test"]]
    assert "[#2]" in words_of(moved)  # Alice hears where her request goes on
    said = words_of(outbox(team, "command_result")[-1])
    assert "却下" not in said and "/merge" in said and "統合" in said


def test_a_close_beside_a_merge_that_is_refused_is_done_as_written(team: App) -> None:
    _two(team)
    _reply(team, 1, "/close duplicate\n/merge 99\n")  # no ticket #99
    one = show(team, 1)
    assert (one["state"], one["close_reason"], one["merged_into"]) == ("closed", "duplicate", None)
    said = words_of(outbox(team, "command_result")[-1])
    assert "統合先のチケットがありません" in said
