"""The merge service (#19) on SQLite and PostgreSQL: fields (the target wins a conflict,
the loser kept in the event), people (the requester as a Cc, watchers up to the cap),
and an unmerge that takes back exactly what the merge gave."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from gateway.core.clock import FakeClock
from gateway.core.errors import AlreadyDone, Refusal
from gateway.core.i18n import Msg, translate
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.tickets import changes, merge
from store import tickets
from store.db import transaction
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

WHO = {"actor": "cli:test", "channel": "cli"}


def _two(app: App) -> None:
    deliver(app, mail("VPN down", sender="Alice <alice@customer.test>", message_id="<a@c.test>"))
    deliver(app, mail("VPN again", sender="Bob <bob@customer.test>", message_id="<b@c.test>"))
    now = app.clock.now()
    with transaction(app.sessions) as s:
        one, two = tickets.get(s, 1), tickets.get(s, 2)
        assert one is not None and two is not None
        changes.set_field(s, one, "os", "windows", now, **WHO)
        changes.set_field(s, two, "os", "macos", now, **WHO)
        changes.set_field(s, two, "client_version", "5.1", now, **WHO)
        changes.add_participant(s, one, "w1@customer.test", "watcher", now, **WHO)
        changes.add_participant(s, two, "w2@customer.test", "watcher", now, **WHO)
        changes.add_participant(s, two, "carol@customer.test", "cc", now, **WHO)


def _merge(app: App, max_watchers: int = 1) -> None:
    with transaction(app.sessions) as s:
        two = tickets.get(s, 2)
        assert two is not None
        merge.merge(s, two, 1, app.clock.now(), tag="[#1]", max_watchers=max_watchers, **WHO)


def test_the_target_wins_a_conflict_and_the_loser_is_kept(app: App) -> None:
    _two(app)
    _merge(app)
    target, source = show(app, 1), show(app, 2)
    assert target["fields"] == {"os": "windows", "client_version": "5.1"}
    [merged] = [e for e in target["events"] if e["kind"] == "merged"]
    assert merged["detail"]["fields_conflicting"] == {"os": {"kept": "windows", "lost": "macos"}}
    assert merged["detail"]["fields_added"] == {"client_version": "5.1"}
    # Bob (the duplicate's requester) and his Cc join; w2 would be the second watcher
    assert set(target["participants"]) >= {"bob@customer.test", "carol@customer.test"}
    assert target["watchers"] == ["w1@customer.test"]
    [into] = [e for e in source["events"] if e["kind"] == "merged-into"]
    assert into["detail"]["watchers_left_out"] == ["w2@customer.test"]
    assert into["detail"]["state_before"] == "new"
    assert source["fields"] == {"os": "macos", "client_version": "5.1"}  # its own record stays


def test_unmerge_takes_back_what_the_merge_gave(app: App, clock: FakeClock) -> None:
    _two(app)
    before = show(app, 1)
    _merge(app, max_watchers=5)
    assert show(app, 1)["watchers"] == ["w1@customer.test", "w2@customer.test"]
    clock.advance(timedelta(days=1))
    with transaction(app.sessions) as s:
        two = tickets.get(s, 2)
        assert two is not None
        merge.unmerge(s, two, clock.now(), window=timedelta(days=14), **WHO)
    target, source = show(app, 1), show(app, 2)
    assert target["fields"] == before["fields"] == {"os": "windows"}
    assert target["participants"] == before["participants"]
    assert (source["state"], source["merged_into"]) == ("new", None)  # as before the merge
    assert [m["message_id"] for m in source["messages"] if m["direction"] == "in"] == ["b@c.test"]


def test_unmerge_is_refused_after_the_reopen_window(app: App, clock: FakeClock) -> None:
    _two(app)
    _merge(app)
    clock.advance(timedelta(days=15))
    with transaction(app.sessions) as s, pytest.raises(Refusal) as refused:
        two = tickets.get(s, 2)
        assert two is not None
        merge.unmerge(s, two, clock.now(), window=timedelta(days=14), **WHO)
    assert "older than the reopen window (14 days)" in str(refused.value)
    assert show(app, 2)["merged_into"] == 1


def test_a_duplicate_that_was_pending_still_gets_the_mail_naming_the_target(app: App) -> None:
    """Its earlier status mail's key must not be named again once its events moved."""
    deliver(app, mail("VPN down", sender="Alice <alice@customer.test>", message_id="<a@c.test>"))
    deliver(app, mail("VPN again", sender="Bob <bob@customer.test>", message_id="<b@c.test>"))
    with transaction(app.sessions) as s:
        two = tickets.get(s, 2)
        assert two is not None
        changes.change_state(s, two, TicketState.PENDING, app.clock.now(), **WHO)
    _merge(app)
    to_bob = [r for r in outbox(app, "status_change") if r.recipients == ["bob@customer.test"]]
    assert len(to_bob) == 2 and "[#1]" in text_of(to_bob[-1])


def test_an_automated_duplicate_stays_quiet_and_does_not_silence_the_target(app: App) -> None:
    """A lasting "no automatic answer" is about its requester: it stays on the source."""
    deliver(app, mail("VPN down", sender="Alice <alice@customer.test>", message_id="<a@c.test>"))
    alert = mail(
        "VPN probe failed",
        sender="Monitor <monitor@customer.test>",
        message_id="<m@c.test>",
        headers={"Auto-Submitted": "auto-generated"},
    )
    deliver(app, alert)
    assert [r.recipients for r in outbox(app, "acknowledgement")] == [["alice@customer.test"]]
    _merge(app)
    with transaction(app.sessions) as s:
        one = tickets.get(s, 1)
        assert one is not None
        changes.change_state(s, one, TicketState.PENDING, app.clock.now(), **WHO)
    statuses = [r.recipients for r in outbox(app, "status_change")]
    assert statuses == [["alice@customer.test"]]  # not the monitor; Alice still hears


def test_an_urgent_duplicate_makes_the_target_urgent_and_unmerge_gives_it_back(
    app: App, clock: FakeClock
) -> None:
    from gateway.core.priority import Priority
    from gateway.tickets.priority import set_priority

    _two(app)
    with transaction(app.sessions) as s:
        two = tickets.get(s, 2)
        assert two is not None
        set_priority(s, two, Priority.URGENT, app.clock.now(), source="command", **WHO)
    _merge(app)
    target = show(app, 1)
    assert target["priority"] == "urgent"
    # the duplicate's own priority event moved along; the merge's is the target's
    [raised] = [
        e for e in target["events"] if e["kind"] == "priority" and e["detail"].get("merged") == 2
    ]
    assert (raised["old"], raised["new"], raised["detail"]["source"]) == (
        "normal",
        "urgent",
        "merge",
    )
    clock.advance(timedelta(hours=1))
    with transaction(app.sessions) as s:
        two = tickets.get(s, 2)
        assert two is not None
        merge.unmerge(s, two, clock.now(), window=timedelta(days=14), **WHO)
    assert show(app, 1)["priority"] == "normal"


def test_a_less_urgent_duplicate_leaves_the_targets_level(app: App) -> None:
    from gateway.core.priority import Priority
    from gateway.tickets.priority import set_priority

    _two(app)
    with transaction(app.sessions) as s:
        one, two = tickets.get(s, 1), tickets.get(s, 2)
        assert one is not None and two is not None
        set_priority(s, one, Priority.HIGH, app.clock.now(), source="command", **WHO)
        set_priority(s, two, Priority.LOW, app.clock.now(), source="command", **WHO)
    _merge(app)
    assert show(app, 1)["priority"] == "high"


def test_two_opposite_merges_at_once_make_no_cycle(app: App) -> None:
    """#1 into #2 and #2 into #1 from two members at the same moment, each in its own
    session: the second waits for the first, reads what it wrote and is refused with the
    reason, so the two tickets never point at each other."""
    deliver(app, mail("VPN down", sender="alice@customer.test", message_id="<a@c.test>"))
    deliver(app, mail("VPN again", sender="bob@customer.test", message_id="<b@c.test>"))
    now = app.clock.now()
    second: list[object] = []
    first_holds = threading.Event()

    def other_member() -> None:
        first_holds.wait(10)
        try:
            with transaction(app.sessions) as s:
                two = tickets.get(s, 2)
                assert two is not None
                merge.merge(s, two, 1, now, tag="[#1]", max_watchers=5, **WHO)
            second.append("merged")
        except Refusal as exc:
            second.append(exc.why)

    thread = threading.Thread(target=other_member)
    thread.start()
    try:
        with transaction(app.sessions) as s:
            one = tickets.get(s, 1)
            assert one is not None
            merge.merge(s, one, 2, now, tag="[#2]", max_watchers=5, **WHO)
            first_holds.set()  # merged, not committed yet: the other member's merge begins
            time.sleep(0.5)
    finally:
        thread.join(30)
    assert not thread.is_alive()
    [said] = second
    assert isinstance(said, Msg), said
    assert translate(said, "en") == "merging #2 into #1 would make a cycle"
    assert (show(app, 1)["merged_into"], show(app, 2)["merged_into"]) == (2, None)


def _unmerge(app: App, ticket_id: int) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        assert ticket is not None
        merge.unmerge(s, ticket, app.clock.now(), window=timedelta(days=14), **WHO)


def test_an_unmerge_asked_again_is_already_done_and_a_ticket_never_merged_is_refused(
    app: App,
) -> None:
    """#2 merged into #1 and back, then into #3: its history (the first merge and its
    undoing among it) moves into #3. An unmerge of #2 asked twice is done once (the
    second raises AlreadyDone: the pages and the CLI say "already undone"); an unmerge
    of #1 or #3, never merged themselves, is refused, whatever history they hold."""
    _two(app)
    deliver(app, mail("VPN once more", sender="Dan <dan@customer.test>", message_id="<d@c.test>"))
    _merge(app)
    _unmerge(app, 2)
    with pytest.raises(AlreadyDone):
        _unmerge(app, 2)
    with transaction(app.sessions) as s:
        two = tickets.get(s, 2)
        assert two is not None
        merge.merge(s, two, 3, app.clock.now(), tag="[#3]", max_watchers=1, **WHO)
    for never_merged in (1, 3):
        with pytest.raises(Refusal) as refused:
            _unmerge(app, never_merged)
        assert not isinstance(refused.value, AlreadyDone)
        assert str(refused.value) == "this ticket was not merged into another"
    _unmerge(app, 2)  # the second merge is undone as the first was
    assert [e["kind"] for e in show(app, 2)["events"]].count("unmerged") == 2


def test_two_unmerges_at_once_undo_it_once(app: App) -> None:
    """Two members press "undo the merge" of #2 at the same moment, each in its own
    session: the second waits for the first, reads the merge undone and is told so
    (AlreadyDone), nothing taken back twice."""
    _two(app)
    _merge(app)
    second: list[object] = []
    first_holds = threading.Event()

    def other_member() -> None:
        first_holds.wait(10)
        try:
            _unmerge(app, 2)
            second.append("unmerged")
        except Refusal as exc:
            second.append(exc)

    thread = threading.Thread(target=other_member)
    thread.start()
    try:
        with transaction(app.sessions) as s:
            two = tickets.get(s, 2)
            assert two is not None
            merge.unmerge(s, two, app.clock.now(), window=timedelta(days=14), **WHO)
            first_holds.set()  # undone, not committed yet: the other member's unmerge begins
            time.sleep(0.5)
    finally:
        thread.join(30)
    assert not thread.is_alive()
    [said] = second
    assert isinstance(said, AlreadyDone), said
    assert [e["kind"] for e in show(app, 2)["events"]].count("unmerged") == 1
    assert [e["kind"] for e in show(app, 1)["events"]].count("unmerged") == 1


def test_the_same_merge_twice_at_once_is_made_once(app: App) -> None:
    """Two members merge #2 into #1 at the same moment (the page's button pressed in two
    tabs): the second waits for the first, reads #2 merged there and is told it is done
    (AlreadyDone, which the page answers as done), not refused as a conflict."""
    _two(app)
    second: list[object] = []
    first_holds = threading.Event()

    def other_member() -> None:
        first_holds.wait(10)
        try:
            _merge(app)
            second.append("merged")
        except Refusal as exc:
            second.append(exc)

    thread = threading.Thread(target=other_member)
    thread.start()
    try:
        with transaction(app.sessions) as s:
            two = tickets.get(s, 2)
            assert two is not None
            merge.merge(s, two, 1, app.clock.now(), tag="[#1]", max_watchers=1, **WHO)
            first_holds.set()  # merged, not committed yet: the other member's merge begins
            time.sleep(0.5)
    finally:
        thread.join(30)
    assert not thread.is_alive()
    [said] = second
    assert isinstance(said, AlreadyDone), said
    assert str(said) == "ticket #2 was already merged into #1"
    assert [e["kind"] for e in show(app, 2)["events"]].count("merged-into") == 1
