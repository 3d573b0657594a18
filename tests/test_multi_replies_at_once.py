"""Two members reply to one ticket at the same moment, each mail reaching another
instance of the gateway on one PostgreSQL database (``/assign``, ``/close``,
``/pending``): both runners have read and threaded their reply before either changes
the ticket. No change is lost, the history reads as one order of the two, and each
member's transcript tells what happened to their own command in that order."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App, build
from gateway.tickets import changes
from store import inbox, tickets
from store.db import transaction
from tests.support.app import MEMBERS, reply_address
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, inbox_rows, outbox, show

OPS, OPS2 = "ops@example.test", "ops2@example.test"


@pytest.fixture
def pair(settings: Settings, clock: FakeClock) -> Iterator[tuple[App, App]]:
    team = replace(settings, members=MEMBERS)
    first, second = build(team, clock), build(team, clock)
    yield first, second
    first.close()
    second.close()


def _open_ticket(app: App) -> int:
    tid = deliver(app, mail("VPN does not connect", message_id="<m1@customer.test>")).ticket_id
    assert tid
    with transaction(app.sessions) as s:
        t = tickets.get(s, tid)
        assert t is not None
        changes.change_state(s, t, TicketState.OPEN, app.clock.now(), actor="t", channel="cli")
    return tid


def _accept_reply(app: App, tid: int, sender: str, body: str, n: int) -> int:
    to = reply_address(app, tid, sender)
    raw = mail(
        f"Re: [#{tid}] VPN",
        body=body,
        sender=sender,
        to=to,
        message_id=f"<r{n}@example.test>",
    )
    with transaction(app.sessions) as s:
        return inbox.accept(s, raw, source="smtp", now=app.clock.now(), envelope_to=(to,)).inbox_id


def _at_once(monkeypatch: pytest.MonkeyPatch, *work: Callable[[], object]) -> None:
    """Each runner reads and threads its reply, then both take the ticket to change it."""
    meet = threading.Barrier(len(work))
    take = tickets.get_to_change
    calls: list[int] = []

    def both_first(session: Any, ticket_id: int) -> Any:
        calls.append(1)
        if len(calls) <= len(work):
            meet.wait(10)
        return take(session, ticket_id)

    monkeypatch.setattr(tickets, "get_to_change", both_first)
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(calls) >= len(work), "the runners did not both reach the ticket"


def _chain(events: list[dict[str, Any]], kind: str) -> list[tuple[Any, Any]]:
    return [(e.get("old"), e.get("new")) for e in events if e["kind"] == kind]


@postgres_only
@pytest.mark.parametrize(
    ("one", "two"),
    [
        ("/close", "/pending"),
        ("/assign ops2@example.test", "/assign ops@example.test"),
        ("/close", "/assign ops@example.test"),
    ],
)
def test_two_members_change_one_ticket_at_once_on_two_instances(
    pair: tuple[App, App], monkeypatch: pytest.MonkeyPatch, one: str, two: str
) -> None:
    first, second = pair
    tid = _open_ticket(first)
    a = _accept_reply(first, tid, OPS, one + "\n", 1)
    b = _accept_reply(second, tid, OPS2, two + "\n", 2)
    _at_once(monkeypatch, lambda: first.runner.process_one(a), lambda: second.runner.process_one(b))
    assert {r.id: r.state for r in inbox_rows(first)}[a] == "done"
    assert {r.id: r.state for r in inbox_rows(first)}[b] == "done"
    t = show(first, tid)
    for kind in ("state", "assign"):  # each change starts where the one before it ended
        chain = _chain(t["events"], kind)
        for (_, new), (old, _) in itertools.pairwise(chain):
            assert old == new, (kind, t["events"])
    states, assigns = _chain(t["events"], "state"), _chain(t["events"], "assign")
    assert t["state"] == states[-1][1] and t["assignee"] == assigns[-1][1]
    mine = {
        who: [r for r in outbox(first, "command_result") if r.recipients == [who]]
        for who in (OPS, OPS2)
    }
    assert {who: len(rows) for who, rows in mine.items()} == {OPS: 1, OPS2: 1}
    # nothing lost: each command was applied, or refused on the ticket as the other left
    # it (``/pending`` on a ticket the other closed) and its writer told so
    said = {"/close": "closed", "/pending": "pending"}
    for line, who in ((one, OPS), (two, OPS2)):
        word = said.get(line, line.split()[-1])
        applied = any(e.get("new") == word and e["actor"] == who for e in t["events"])
        refused = any(e["kind"] == "command-refused" and e["actor"] == who for e in t["events"])
        assert applied != refused, (line, t["events"])


SHEET = """\
entries:
  - id: account
    name: {ja: アカウント, en: Accounts}
    keywords: [{term: account, weight: 3}]
    assignee: ops@example.test
    manager: boss@example.test
    fields:
      - {name: user_id, label: {ja: ユーザーID, en: User ID}, required: true}
      - {name: plan, label: {ja: プラン, en: Plan}, type: choice, choices: [basic, pro],
         required: true}
    action:
      type: command
      argv: ["/bin/true"]
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def sheet_pair(settings: Settings, clock: FakeClock, tmp_path: Any) -> Iterator[tuple[App, App]]:
    from gateway.config.settings import CatalogSettings

    path = tmp_path / "catalog.yaml"
    path.write_text(SHEET, encoding="utf-8")
    team = replace(settings, members=MEMBERS, catalog=CatalogSettings(path=path))
    first, second = build(team, clock), build(team, clock)
    yield first, second
    first.close()
    second.close()


@postgres_only
@pytest.mark.parametrize(
    ("one", "two"),
    [("/field user_id taro", "/field plan pro"), ("/field plan basic", "/field plan pro")],
)
def test_two_members_fill_the_sheet_at_once_on_two_instances(
    sheet_pair: tuple[App, App], monkeypatch: pytest.MonkeyPatch, one: str, two: str
) -> None:
    from tests.support.actions import runs

    first, second = sheet_pair
    tid = deliver(first, mail("account please", body="Hello\n")).ticket_id
    assert tid
    if "user_id" not in one:
        deliver(
            first,
            mail(
                f"Re: [#{tid}] account",
                body="/field user_id taro\n",
                sender=OPS,
                to=reply_address(first, tid, OPS),
            ),
            envelope_to=(reply_address(first, tid, OPS),),
        )
    a = _accept_reply(first, tid, OPS, one + "\n", 1)
    b = _accept_reply(second, tid, OPS2, two + "\n", 2)
    _at_once(monkeypatch, lambda: first.runner.process_one(a), lambda: second.runner.process_one(b))
    t = show(first, tid)
    assert t["fields"]["user_id"] == "taro"
    plan = [
        (e["old"], e["new"])
        for e in t["events"]
        if e["kind"] == "field" and e["new"] in ("basic", "pro")
    ]
    assert t["fields"]["plan"] == plan[-1][1]  # the value the history ends with
    for (_, new), (old, _) in itertools.pairwise(plan):
        assert old == new, t["events"]
    assert len(runs(first)) == 1  # the sheet was completed once: one action run
