"""Rows processed together (one transaction, a bulk ingest) end exactly as one by one.

:meth:`Runner.process_together` commits several rows at once and, if any of them
fails, rolls the lot back and processes each on its own. The same mail is run
both ways on two databases of the same kind, and everything an operator or a
requester could see is compared: inbox dispositions, tickets, events, and the
mails queued (a request and the replies to it in the same transaction must
cause the same mails as in transactions of their own).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import select

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import BudgetExceeded, TransientError
from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.message import parse_message
from gateway.runner import runner as runner_module
from gateway.runner.budget import Deadline, RowParser
from gateway.runner.chain import CHAIN, Link
from gateway.runner.rows import RowInput, RowOutcome
from gateway.runtime.app import App, build
from store import inbox
from store import turnstile as turnstile_module
from store.db import transaction
from store.models import InboxRow, OutboxRow, Ticket, TicketEvent
from store.turnstile import Turnstile
from tests.support.app import MEMBERS, reply_address
from tests.support.catalogs import EXAMPLE
from tests.support.mails import mail
from tests.support.pipeline import parsed


def _team(settings: Settings) -> Settings:
    """Members and the example catalog (assignees, fields): answers and notices go out."""
    return replace(settings, members=MEMBERS, catalog=CatalogSettings(path=EXAMPLE))


def _mails(app: App, *, numbered: bool = True) -> list[bytes]:
    """A request and what follows it, some of it in the same transaction when together.
    ``numbered``: with the mails that name a ticket number (a member's reply address,
    a subject tag) before anyone was told it, as the bench's corpus does."""
    alice = "Alice Example <alice@customer.test>"
    token_to = reply_address(app, 1, "ops@example.test")
    every = [
        mail(
            subject="VPN does not connect",
            sender=alice,
            cc="Bob <bob@customer.test>",
            message_id="<req1@customer.test>",
        ),
        mail(
            subject="Re: VPN does not connect",
            body="It still fails.\nOS: Windows 11\n",
            sender=alice,
            message_id="<r1@customer.test>",
            in_reply_to="<req1@customer.test>",
        ),
        mail(
            subject="Re: VPN does not connect",
            body="Please restart the client.\n/pending\n",
            sender="Ops One <ops@example.test>",
            to=token_to,
            message_id="<m1@example.test>",
            in_reply_to="<r1@customer.test>",
        ),
        mail(
            subject="Re: VPN does not connect",
            body="Restarted, no change.\n",
            sender=alice,
            message_id="<r2@customer.test>",
            in_reply_to="<m1@example.test>",
        ),
        mail(
            subject="Out of office",
            sender=alice,
            message_id="<oof@customer.test>",
            headers={"Auto-Submitted": "auto-replied"},
            in_reply_to="<req1@customer.test>",
        ),
        mail(subject="Printer jammed", sender="Carol <carol@other.test>", message_id="<q2@o.t>"),
        mail(
            subject="VPN does not connect",
            sender=alice,
            message_id="<req1@customer.test>",
            headers={"X-Resent": "yes"},  # other bytes, the same Message-ID: a duplicate
        ),
        mail(  # by its tag alone: kept unverified (its event names its Message-ID)
            subject="Re: [#2] Printer jammed",
            sender="Carol <carol@other.test>",
            body="Thanks!",
            message_id="<t2@o.t>",
        ),
    ]
    return every if numbered else [m for m in every if b"support+" not in m and b"[#" not in m]


def _accept(app: App, raws: list[bytes]) -> list[int]:
    with transaction(app.sessions) as s:
        return [
            inbox.accept(
                s, raw, source="test", now=app.clock.now(), envelope_to=_rcpt(raw)
            ).inbox_id
            for raw in raws
        ]


def _rcpt(raw: bytes) -> tuple[str, ...]:
    to = parse_message(raw).to
    return tuple(a.email for a in to if "+" in a.email)


def _seen(app: App) -> dict[str, Any]:
    """Everything that would differ if processing together changed anything."""
    with transaction(app.sessions) as s:
        rows = s.scalars(select(InboxRow).order_by(InboxRow.id))
        tickets = s.scalars(select(Ticket).order_by(Ticket.id))
        events = s.scalars(select(TicketEvent).order_by(TicketEvent.id))
        mails = list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))
        return {
            "inbox": [(r.state, r.reason, r.ticket_id, r.attempts) for r in rows],
            "tickets": [
                (t.id, t.state, t.subject, t.requester, t.catalog, t.assignee, t.updated_at)
                for t in tickets
            ],
            "events": [(e.ticket_id, e.kind, e.actor, e.old, e.new, e.detail) for e in events],
            "mails": [
                (m.kind, m.recipient, m.ticket_id, str(parsed(m)["Subject"]), _key(m))
                for m in mails
            ],
        }


def _unnumbered(rows: list[tuple[Any, ...]]) -> list[str]:
    """Rows without ticket numbers: each printed, every number in it masked."""
    return [re.sub(r"\d+", "N", repr(row)) for row in rows]


def _key(m: OutboxRow) -> str:
    """A notice's key ends in a random part (each notice is its own mail)."""
    return re.sub(r":[0-9a-f]{16}$", ":…", m.idempotency_key)


def _one_by_one(app: App, ids: list[int]) -> None:
    for inbox_id in ids:
        app.runner.process_one(inbox_id)


def _together(app: App, ids: list[int], raws: list[bytes]) -> None:
    rows = [RowInput(i, parse_message(raw), raw) for i, raw in zip(ids, raws, strict=True)]
    outcomes = app.runner.process_together(rows)
    assert [o.inbox_id for o in outcomes] == ids


def test_together_ends_as_one_by_one(settings: Settings, twin: Settings) -> None:
    one, both = build(_team(settings), FakeClock()), build(_team(twin), FakeClock())
    try:
        raws = _mails(both)  # each store issues its own reply address
        _one_by_one(one, _accept(one, _mails(one)))
        _together(both, _accept(both, raws), raws)
        expected, seen = _seen(one), _seen(both)
    finally:
        one.close()
        both.close()
    assert [state for state, *_ in expected["inbox"]] == ["done"] * 6 + ["ignored", "done"]
    assert expected["mails"], "the scenario queues mail (acknowledgement, notices, relay)"
    for key in expected:
        assert seen[key] == expected[key], key


def _boom(a: Any) -> Any:
    """A stage with a bug that only the printer request meets."""
    if "Printer" in a.msg.subject:
        raise RuntimeError("a bug in a stage")
    return a


def _both_ways_with_a_bug(settings: Settings, twin: Settings) -> tuple[Any, Any]:
    """The mail one by one on one store and together on the other, with :func:`_boom`
    first in the chain: what each store ends with."""
    chain = (Link("boom", _boom), *CHAIN)
    one, both = build(_team(settings), FakeClock()), build(_team(twin), FakeClock())
    try:
        one = replace(one, runner=replace(one.runner, chain=chain))
        both = replace(both, runner=replace(both.runner, chain=chain))
        raws = _mails(both, numbered=False)
        _one_by_one(one, _accept(one, _mails(one, numbered=False)))
        _together(both, _accept(both, raws), raws)
        return _seen(one), _seen(both)
    finally:
        one.close()
        both.close()


def test_a_failing_row_sends_the_lot_one_by_one(settings: Settings, twin: Settings) -> None:
    """A bug in one row: the others are processed as if alone, the row is shunted."""
    expected, seen = _both_ways_with_a_bug(settings, twin)
    assert [state for state, *_ in expected["inbox"]].count("shunted") == 1
    # PostgreSQL's sequences do not roll back: the lot's tickets were numbered once
    # already, so its rows get the next numbers (any rolled-back row leaves such a
    # gap; a mail can only name a number it was told, after a commit). Everything
    # else is the same; on SQLite the numbers are too.
    for key in expected:
        assert _unnumbered(seen[key]) == _unnumbered(expected[key]), key
    if str(settings.database.url).startswith("sqlite"):
        assert seen == expected


def _groups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the groups (transactions) the runner processes, from now on."""
    sizes: list[int] = []
    real = runner_module.Runner._together

    def counted(self: Any, rows: Any, tried: list[RowInput]) -> Any:
        outcomes = real(self, rows, tried)
        sizes.append(len(outcomes))
        return outcomes

    monkeypatch.setattr(runner_module.Runner, "_together", counted)
    return sizes


@pytest.mark.parametrize("seconds", [0.0, 3600.0])
def test_a_group_commits_after_group_seconds(
    settings: Settings, twin: Settings, monkeypatch: pytest.MonkeyPatch, seconds: float
) -> None:
    """The runner commits a group once it has worked GROUP_SECONDS (so that a listener
    waiting for the write lock is not kept waiting by a long ingest); at 0 every row
    is a group of its own, at an hour the lot is one. Either way it ends as one by one."""
    monkeypatch.setattr(runner_module, "GROUP_SECONDS", seconds)
    one, both = build(_team(settings), FakeClock()), build(_team(twin), FakeClock())
    try:
        raws = _mails(both)
        _one_by_one(one, _accept(one, _mails(one)))
        ids = _accept(both, raws)
        groups = _groups(monkeypatch)
        _together(both, ids, raws)
        expected, seen = _seen(one), _seen(both)
    finally:
        one.close()
        both.close()
    assert groups == ([1] * len(raws) if seconds == 0 else [len(raws)])
    for key in expected:
        assert seen[key] == expected[key], key


def test_a_failing_row_sends_only_its_group_one_by_one(
    settings: Settings, twin: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Groups of one row each: the failing row's group is redone alone and shunted; the
    groups before and after it were committed as they went."""
    monkeypatch.setattr(runner_module, "GROUP_SECONDS", 0.0)
    expected, seen = _both_ways_with_a_bug(settings, twin)
    assert [state for state, *_ in expected["inbox"]].count("shunted") == 1
    for key in expected:
        assert _unnumbered(seen[key]) == _unnumbered(expected[key]), key


def _pending_both_ways(
    settings: Settings, twin: Settings, during: Any = None, **runner_changes: Any
) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    """The mail one by one on one store; on the other, stored and left to
    ``process_pending`` (the daemon's drain), inside ``during(app)`` when given:
    what each store ends with, and the outcomes of the drain."""
    one, both = build(_team(settings), FakeClock()), build(_team(twin), FakeClock())
    try:
        both = replace(both, runner=replace(both.runner, **runner_changes))
        raws = _mails(both)
        _one_by_one(one, _accept(one, _mails(one)))
        ids = _accept(both, raws)
        with during(both) if during is not None else nullcontext():
            outcomes = both.runner.process_pending()
        assert [o.inbox_id for o in outcomes] == ids
        return _seen(one), _seen(both), outcomes
    finally:
        one.close()
        both.close()


def test_pending_rows_are_parsed_first_then_processed_together(
    settings: Settings, twin: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon's drain: every due row parsed, then the lot in one transaction, and
    every row reported to the daemon's watch twice (its parse, then its stages)."""
    monkeypatch.setattr(runner_module, "GROUP_SECONDS", 3600.0)
    groups = _groups(monkeypatch)
    watched: list[int | None] = []
    expected, seen, outcomes = _pending_both_ways(settings, twin, on_row=watched.append)
    assert groups == [len(outcomes)]
    for key in expected:
        assert seen[key] == expected[key], key
    ids = [o.inbox_id for o in outcomes]
    assert watched == [x for i in ids for x in (i, None)] * 2


def test_rows_holding_more_than_together_bytes_go_alone(
    settings: Settings, twin: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "GROUP_SECONDS", 3600.0)
    monkeypatch.setattr(runner_module, "TOGETHER_BYTES", 1)
    groups = _groups(monkeypatch)
    expected, seen, _ = _pending_both_ways(settings, twin)
    assert groups == []  # each row through process_one, as its own transaction
    for key in expected:
        assert seen[key] == expected[key], key


def test_a_writer_waiting_at_the_turnstile_ends_the_group_after_each_row(
    settings: Settings, twin: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SMTP session in DATA holds the turnstile: the group commits after the row in
    hand, so the session's 250 waits for one row, never for the whole backlog."""
    if not str(settings.database.url).startswith("sqlite"):
        pytest.skip("the turnstile is SQLite's (PostgreSQL writers lock rows)")
    monkeypatch.setattr(runner_module, "GROUP_SECONDS", 3600.0)
    monkeypatch.setattr(turnstile_module, "YIELD_BOUND", 0.01)  # the runner goes anyway
    groups = _groups(monkeypatch)

    @contextmanager
    def smtp_in_data(app: App) -> Iterator[None]:
        session = Turnstile(str(app.settings.database.url).removeprefix("sqlite:///"))
        try:
            with session.expecting():
                yield
        finally:
            session.close()

    expected, seen, outcomes = _pending_both_ways(settings, twin, during=smtp_in_data)
    assert groups == [1] * len(outcomes)  # a transaction per row, as one by one
    for key in expected:
        assert seen[key] == expected[key], key


def _printer_request(raw: bytes) -> bool:
    """The scenario's first request (its replies say "Re:")."""
    return b"Subject: Printer" in raw


class _FailingParser(RowParser):
    """Parses as inline, except the printer request: past its budget (as a killed parse
    worker reports it), or the database gone while its bytes are read (transient)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(0, isolating=False)
        self.error = error
        self.parsed: list[bytes] = []

    def parse(
        self, raw: bytes, deadline: Deadline | None, ticket: int | None = None
    ) -> ParsedMessage:
        self.parsed.append(raw)
        if _printer_request(raw):
            raise self.error
        return super().parse(raw, deadline, ticket)


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (BudgetExceeded("processing budget of 30s exceeded while parsing"), "shunted"),
        (TransientError("database unavailable: disk I/O error"), "pending"),
    ],
)
def test_a_row_whose_parse_fails_ends_as_alone_and_is_parsed_once(
    settings: Settings, twin: Settings, error: Exception, state: str
) -> None:
    """A parse ahead of the group that fails ends its row as process_one would (shunted
    with the reason, or left pending for a retry), without a second try in the same
    drain, and the rows around it are processed as usual."""
    parser = _FailingParser(error)
    one, both = build(_team(settings), FakeClock()), build(_team(twin), FakeClock())
    one = replace(one, runner=replace(one.runner, parser=_FailingParser(error)))
    both = replace(both, runner=replace(both.runner, parser=parser))
    drained = drain_beside(one, both)
    assert [o.state.value if o.state else "pending" for o in drained.printer] == [state]
    assert sum(map(_printer_request, parser.parsed)) == 1  # never parsed a second time
    drained.assert_same()


@dataclass
class Drained:
    """The scenario's unnumbered mail, processed one by one on one database and drained
    on the other: what each shows, and the outcomes of the drain."""

    outcomes: list[RowOutcome]
    printer: list[RowOutcome]  # the printer request's (the one the failing parsers fail)
    expected: dict[str, Any]
    seen: dict[str, Any]

    def assert_same(self) -> None:
        for key in self.expected:
            assert _unnumbered(self.seen[key]) == _unnumbered(self.expected[key]), key


def drain_beside(one: App, both: App) -> Drained:
    """Run the scenario one by one on ``one`` and through ``process_pending`` on
    ``both`` (closed after, whatever happens)."""
    try:
        raws = _mails(both, numbered=False)
        _one_by_one(one, _accept(one, _mails(one, numbered=False)))
        ids = _accept(both, raws)
        outcomes = both.runner.process_pending()
        expected, seen = _seen(one), _seen(both)
    finally:
        one.close()
        both.close()
    printer = [o for o in outcomes if _printer_request(raws[ids.index(o.inbox_id)])]
    assert [o.inbox_id for o in outcomes] == ids
    return Drained(outcomes, printer, expected, seen)
