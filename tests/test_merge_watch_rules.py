"""The pure rules of #19's merge and watchers: which merges and which ``/cc`` are
refused and why, the watcher cap and the requester's own-domain rule, and the
grammar's reading of ``/merge`` and ``/cc``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.core.model import TicketState
from gateway.pipeline import commands
from gateway.pipeline.commands import CommandContext, Refused, Role
from gateway.pipeline.merging import (
    Merge,
    MergeFacts,
    Side,
    merge_refusal,
    parse_ticket_ref,
    unmerge_refusal,
)
from gateway.pipeline.watching import Op, Watch, WatchFacts, already_watching, watch_refusal

OPEN, CLOSED, NEW = TicketState.OPEN, TicketState.CLOSED, TicketState.NEW
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


SOURCE, TARGET = Side(1, NEW, None), Side(2, OPEN, None)


def _facts(
    source: Side = SOURCE, target: Side | None = TARGET, chain: tuple[int, ...] = ()
) -> MergeFacts:
    return MergeFacts(source, target, chain)


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        (_facts(target=None), "there is no ticket to merge into"),
        (_facts(target=Side(1, NEW, None)), "a ticket cannot be merged into itself"),
        (_facts(source=Side(1, CLOSED, 3)), "ticket #1 was already merged into #3"),
        (
            _facts(target=Side(2, CLOSED, 3)),
            "ticket #2 was merged into #3; merge into #3 instead",
        ),
        (_facts(target=Side(2, OPEN, None), chain=(5, 1)), "merging #1 into #2 would make a cycle"),
        (_facts(target=Side(2, CLOSED, None)), "ticket #2 is closed; reopen it first (/open)"),
        (_facts(source=Side(1, CLOSED, None)), "ticket #1 is already closed"),
        (_facts(), None),
        (_facts(source=Side(1, TicketState.PENDING, None)), None),
    ],
)
def test_merge_refusals_say_why(facts: MergeFacts, why: str | None) -> None:
    found = merge_refusal(facts)
    assert (str(found) if found is not None else None) == why


def test_unmerge_only_within_the_reopen_window() -> None:
    window = timedelta(days=14)
    assert unmerge_refusal(2, NOW - timedelta(days=13), NOW, window) is None
    late = unmerge_refusal(2, NOW - timedelta(days=15), NOW, window)
    assert str(late) == "the merge into #2 is older than the reopen window (14 days)"
    assert (
        str(unmerge_refusal(None, None, NOW, window)) == "this ticket was not merged into another"
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [("12", 12), ("#12", 12), ("[#12]", 12), ("twelve", None), ("１２", None), ("-1", None)],
)
def test_a_ticket_reference(text: str, found: int | None) -> None:
    assert parse_ticket_ref(text) == found


def _watch(**kw: object) -> WatchFacts:
    base: dict[str, object] = {
        "op": Op.ADD,
        "address": "boss@customer.test",
        "by_requester": False,
        "requester": "alice@customer.test",
        "watchers": (),
        "members": ("ops@example.test",),
        "own": False,
        "limit": 2,
    }
    return WatchFacts(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        (_watch(), None),
        (_watch(by_requester=True), None),  # a colleague of the requester's own domain
        (
            _watch(by_requester=True, address="x@other.test"),
            "you may only add a colleague from customer.test",
        ),
        (_watch(address="x@other.test"), None),  # a member may add anyone outside the team
        (
            _watch(by_requester=True, requester="ito@gmail.com", address="any@gmail.com"),
            "gmail.com is shared by many people, so we cannot tell a colleague from a "
            "stranger there; please ask us to add them",
        ),
        (_watch(requester="ito@gmail.com", address="any@gmail.com"), None),  # a member may
        (
            _watch(address="alice@customer.test"),
            "alice@customer.test is the requester and hears everything already",
        ),
        (_watch(address="ops@example.test"), "ops@example.test is one of the team's own addresses"),
        (_watch(own=True), "boss@customer.test is one of the team's own addresses"),
        # already watching: no change rather than a refusal (already_watching), even at the cap
        (_watch(watchers=("boss@customer.test",)), None),
        (_watch(watchers=("boss@customer.test", "b@x.test")), None),
        (_watch(watchers=("a@x.test", "b@x.test")), "a ticket has at most 2 watchers"),
        (
            _watch(unreachable=True),
            "boss@customer.test never gets our mail (it reads no answers, or our mail "
            "cannot be addressed to it), so it cannot watch",
        ),
        (_watch(op=Op.REMOVE, watchers=("boss@customer.test",), unreachable=True), None),
        (_watch(op=Op.REMOVE), "boss@customer.test is not watching this ticket"),
        (_watch(op=Op.REMOVE, watchers=("boss@customer.test",)), None),
        (
            _watch(op=Op.REMOVE, watchers=("boss@customer.test",), by_requester=True),
            "requesters may only add a colleague (/cc add)",
        ),
    ],
)
def test_watcher_rules(facts: WatchFacts, why: str | None) -> None:
    found = watch_refusal(facts)
    assert (str(found) if found is not None else None) == why


def test_adding_someone_watching_is_already_done() -> None:
    found = already_watching(_watch(watchers=("boss@customer.test",)))
    assert str(found) == "boss@customer.test gets the mails already: nothing changed"
    assert already_watching(_watch()) is None  # a newcomer: a change
    assert already_watching(_watch(op=Op.REMOVE, watchers=("boss@customer.test",))) is None


def _ctx(role: Role) -> CommandContext:
    return CommandContext(role, ["ops@example.test"], [], None, NOW, "Asia/Tokyo")


def _decide(line: str, role: Role = Role.MEMBER) -> object:
    [cmd] = commands.parse_commands(line, 20).commands
    return commands.decide(cmd, _ctx(role))


def test_the_grammar_reads_merge_and_cc() -> None:
    assert _decide("/merge #7") == Merge(7)
    assert _decide("／merge 7") == Merge(7)  # a full-width slash, as for every command
    assert _decide("/cc add <Boss@Customer.test>") == Watch(Op.ADD, "boss@customer.test")
    assert _decide("/cc remove boss@customer.test") == Watch(Op.REMOVE, "boss@customer.test")
    assert _decide("/cc add boss@customer.test", Role.REQUESTER) == Watch(
        Op.ADD, "boss@customer.test"
    )


@pytest.mark.parametrize(
    ("line", "role", "why"),
    [
        ("/merge", Role.MEMBER, "/merge takes exactly one argument"),
        ("/merge seven", Role.MEMBER, "not a ticket number: 'seven'"),
        (
            "/merge 7",
            Role.REQUESTER,
            "requesters may only use /close, /cc add, and /priority to lower it",
        ),
        ("/merge 7", Role.OTHER, "only ops members may use commands"),
        ("/cc boss@customer.test", Role.MEMBER, "/cc needs add or remove, then one address"),
        ("/cc invite boss@customer.test", Role.MEMBER, "/cc takes add or remove, then an address"),
        ("/cc add boss", Role.MEMBER, "not an e-mail address: 'boss'"),
        (
            "/cc remove a@customer.test",
            Role.REQUESTER,
            "requesters may only add a colleague (/cc add)",
        ),
        ("/cc add a@customer.test", Role.OTHER, "only ops members may use commands"),
    ],
)
def test_the_grammar_refuses_malformed_merge_and_cc(line: str, role: Role, why: str) -> None:
    found = _decide(line, role)
    assert isinstance(found, Refused) and found.reason == why
