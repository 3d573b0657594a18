"""Merges that follow merges (#19): #3 merged into #2, then #2 into #1. Whatever named
#3 threads into #1, and what proved a person on #3 still proves them on #1."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.core.errors import Refusal
from gateway.core.model import InboxState
from gateway.runtime.app import App
from gateway.tickets import merge
from store import tickets
from store.db import transaction
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, subject_of, text_of

WHO = {"actor": "cli:test", "channel": "cli"}


def _merge(app: App, source_id: int, target_id: int) -> None:
    with transaction(app.sessions) as s:
        source = tickets.get(s, source_id)
        assert source is not None
        merge.merge(
            s, source, target_id, app.clock.now(), tag=f"[#{target_id}]", max_watchers=10, **WHO
        )


def _three(app: App) -> None:
    """Three requests of Alice's about one problem: #1, #2, #3."""
    for i in (1, 2, 3):
        deliver(app, mail(f"VPN {i}", message_id=f"<r{i}@customer.test>"))


def test_a_members_reply_address_of_a_ticket_merged_twice_still_proves_who_he_is(
    team: App,
) -> None:
    _three(team)
    old = reply_address(team, 3, "ops@example.test")  # in the notice of #3
    _merge(team, 3, 2)
    _merge(team, 2, 1)
    raw = mail(
        "Re: VPN", body="/priority high\n\nWe are on it.\n", sender="ops@example.test", to=old
    )
    out = deliver(team, raw, envelope_to=(old,))
    assert (out.state, out.ticket_id) == (InboxState.DONE, 1), out.reason
    one = show(team, 1)
    assert one["priority"] == "high"
    assert "security" not in [e["kind"] for e in one["events"]]


def test_the_requesters_command_by_the_reply_address_of_a_ticket_merged_twice(
    team: App,
) -> None:
    _three(team)
    old = reply_address(team, 3, "alice@customer.test")  # in her acknowledgement of #3
    _merge(team, 3, 2)
    _merge(team, 2, 1)
    raw = mail("Re: VPN", body="/close\n\nIt works again, thanks.\n", to=old)
    out = deliver(team, raw, envelope_to=(old,))
    assert out.ticket_id == 1 and "not verified" not in out.reason, out.reason
    assert show(team, 1)["state"] == "closed"


def _member_reply(app: App, ticket_id: int, body: str) -> None:
    to = reply_address(app, ticket_id, "ops@example.test")
    raw = mail("Re: VPN", body=body, sender="Ops One <ops@example.test>", to=to)
    out = deliver(app, raw, envelope_to=(to,))
    assert out.state == InboxState.DONE, out.reason


def test_the_words_of_a_reply_that_merges_are_an_answer_on_the_ticket_it_went_into(
    team: App,
) -> None:
    """ "/merge 1" and a few words for the customer: the words are the first answer of #1
    (its first-response SLA stops), say #1 and its reply address; #2's requester still
    hears once where #2 went. The other commands stay #2's, as written: "/close duplicate"
    after the merge, a habit from other tools, must not close #1 (the merge closed #2)."""
    deliver(team, mail("VPN down", message_id="<r1@customer.test>"))
    deliver(team, mail("VPN again", sender="Bob <bob@customer.test>", message_id="<r2@c.test>"))
    _member_reply(team, 2, "/merge 1\n/close duplicate\n\nWe are looking into it.\n")
    one, two = show(team, 1), show(team, 2)
    assert (two["state"], two["merged_into"]) == ("closed", 1)
    assert one["state"] == "new" and one["first_response_at"] is not None
    assert two["first_response_at"] is None
    # to Bob, whom the member wrote to, on #1; not to #1's own requester
    [answer] = outbox(team, "ops_reply")
    assert answer.recipients == ["bob@customer.test"]
    assert answer.ticket_id == 1 and "[#1]" in subject_of(answer)
    assert "We are looking into it." in text_of(answer) and "[#2]" not in text_of(answer)
    [moved] = [r for r in outbox(team, "status_change") if r.recipients == ["bob@customer.test"]]
    assert "[#1]" in text_of(moved)
    [transcript] = outbox(team, "command_result")
    # what the merge did itself: not refused with advice to undo the merge
    assert "applied: done by /merge 1" in " ".join(text_of(transcript).split())


def _unmerge(app: App, source_id: int) -> None:
    with transaction(app.sessions) as s:
        source = tickets.get(s, source_id)
        assert source is not None
        merge.unmerge(s, source, app.clock.now(), window=timedelta(days=14), **WHO)


def _inbound(app: App, ticket_id: int) -> list[str]:
    return [m["message_id"] for m in show(app, ticket_id)["messages"] if m["direction"] == "in"]


def test_a_merge_that_was_merged_on_is_undone_last_first(team: App) -> None:
    """Undoing #3 → #2 while #2 sits in #1 moved #3's mail off #1 but left #3's people
    there, and undoing #2 → #1 afterwards took #3's mail back to #2 (it was on #2's list):
    the later merge is undone first, then each ticket has its own mail again."""
    _three(team)
    _merge(team, 3, 2)
    _merge(team, 2, 1)
    with pytest.raises(Refusal) as refused:
        _unmerge(team, 3)
    assert "#2 was merged into #1" in str(refused.value) and "page of ticket #2" in str(
        refused.value
    )
    assert _inbound(team, 3) == [] and show(team, 3)["merged_into"] == 2
    _unmerge(team, 2)
    _unmerge(team, 3)
    assert [_inbound(team, i) for i in (1, 2, 3)] == [
        ["r1@customer.test"],
        ["r2@customer.test"],
        ["r3@customer.test"],
    ]
    # each as it was before the merges
    assert [show(team, i)["state"] for i in (1, 2, 3)] == ["new", "new", "new"]
