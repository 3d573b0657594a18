"""Sample views for #19's merge and watchers: every message their rules and
commands say, for the one-language scanner (:func:`tests.support.samples.said`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.core.i18n import Msg
from gateway.core.model import TicketState
from gateway.notify import views as v
from gateway.pipeline import commands
from gateway.pipeline.commands import CommandContext, Role
from gateway.pipeline.merging import (
    Merge,
    MergeFacts,
    Side,
    already_unmerged,
    merge_command,
    merge_refusal,
    merged_away,
    unmerge_refusal,
)
from gateway.pipeline.watching import (
    Op,
    Watch,
    WatchFacts,
    already_watching,
    cc_command,
    watch_refusal,
)
from gateway.runner import command_said
from gateway.tickets.merge import merged_cause

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
OPEN, CLOSED = TicketState.OPEN, TicketState.CLOSED


def applied() -> list[v.CommandLine]:
    """``/merge`` and ``/cc`` as their transcripts say them when applied."""
    actions: list[tuple[str, Merge | Watch]] = [
        ("/merge 41", Merge(41)),
        ("/cc add kato@customer.test", Watch(Op.ADD, "kato@customer.test")),
        ("/cc remove kato@customer.test", Watch(Op.REMOVE, "kato@customer.test")),
    ]
    lines = [v.CommandLine(line, command_said.changed(a, "new"), "applied") for line, a in actions]
    watching = WatchFacts(
        Op.ADD,
        "kato@customer.test",
        False,
        "ito@customer.test",
        ("kato@customer.test",),
        (),
        False,
        5,
    )
    already = already_watching(watching)  # no change, said among the applied lines
    assert already is not None
    return [*lines, v.CommandLine("/cc add kato@customer.test", already, "applied")]


def refused() -> list[v.CommandLine]:
    """Every refusal of the merge and watcher rules, as transcript lines."""
    src, dst = Side(42, OPEN, None), Side(41, OPEN, None)
    merges = [
        MergeFacts(src, None),
        MergeFacts(src, Side(42, OPEN, None)),
        MergeFacts(Side(42, CLOSED, 40), dst),
        MergeFacts(src, dst, (42,)),
        MergeFacts(src, Side(41, CLOSED, 40)),
        MergeFacts(src, Side(41, CLOSED, None)),
        MergeFacts(Side(42, CLOSED, None), dst),
    ]
    base = WatchFacts(
        Op.ADD, "x@other.test", True, "ito@customer.test", ("a@customer.test",), (), False, 5
    )
    watches = [
        base,
        WatchFacts(Op.ADD, "ito@customer.test", False, *_rest(base)),
        WatchFacts(Op.ADD, "x@other.test", False, base.requester, (), (), True, 5),
        WatchFacts(Op.ADD, "b@customer.test", False, base.requester, base.watchers, (), False, 1),
        WatchFacts(Op.REMOVE, "b@customer.test", False, *_rest(base)),
        WatchFacts(Op.REMOVE, "a@customer.test", True, *_rest(base)),
        WatchFacts(Op.ADD, "b@gmail.com", True, "ito@gmail.com", (), (), False, 5),
        WatchFacts(Op.ADD, "no-reply@customer.test", False, *_rest(base), unreachable=True),
    ]
    said: list[Msg | None] = [merge_refusal(f) for f in merges]
    said += [watch_refusal(f) for f in watches]
    said += [
        unmerge_refusal(None, None, NOW, timedelta(days=14)),
        unmerge_refusal(41, NOW - timedelta(days=30), NOW, timedelta(days=14)),
        unmerge_refusal(41, NOW, NOW, timedelta(days=14), target_merged_into=40),
        already_unmerged(),
        merged_away(42, 41),
    ]
    for arg in ("seven",):
        found = merge_command(arg)
        said.append(found if isinstance(found, Msg) else None)
    for arg, by_requester in (
        ("invite a@b.test", False),
        ("add nobody", False),
        ("remove a@b.test", True),
    ):
        found_cc = cc_command(arg, by_requester=by_requester)
        said.append(found_cc if isinstance(found_cc, Msg) else None)
    [shape] = commands.parse_commands("/cc kato@customer.test", 20).commands
    grammar = commands.decide(shape, CommandContext(Role.MEMBER, [], [], None, NOW, "Asia/Tokyo"))
    said.append(grammar.why if isinstance(grammar, commands.Refused) else None)
    assert all(m is not None for m in said), said
    return [v.CommandLine("/merge 41", m, "refused") for m in said if m is not None]


def _rest(f: WatchFacts) -> tuple[str, tuple[str, ...], tuple[str, ...], bool, int]:
    return f.requester, tuple(f.watchers), tuple(f.members), f.own, f.limit


def merged_status(team: v.Team, requester: v.Person, ticket: v.TicketRef) -> v.StatusChange:
    """The one status mail the merged ticket's requester gets, naming the target."""
    return v.StatusChange(
        team,
        requester,
        ticket,
        v.StatusLine("open", "closed", "duplicate", 0, merged_cause("[#41]")),
    )
