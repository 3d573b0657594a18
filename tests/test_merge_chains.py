"""Merges that follow merges (#19): #3 merged into #2, then #2 into #1. Whatever named
#3 threads into #1, and what proved a person on #3 still proves them on #1."""

from __future__ import annotations

from gateway.core.model import InboxState
from gateway.runtime.app import App
from gateway.tickets import merge
from store import tickets
from store.db import transaction
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

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
