"""Two members press on one ticket's page at the same instant, each on their own
instance of the gateway, one PostgreSQL database: one "Close", the other "Work on it",
both on a page drawn before either. One press is done; the other meets the first's
change (a conflict, nothing done), never both done one over the other."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from gateway.web.ticket_conflict import Conflict
from gateway.web.ticket_pages import _act
from store import seen
from store.db import transaction
from tests.support.app import MEMBERS
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, show


@pytest.fixture
def pair(settings: Settings, clock: FakeClock) -> Iterator[tuple[App, App]]:
    team = replace(settings, members=MEMBERS)
    first, second = build(team, clock), build(team, clock)
    yield first, second
    first.close()
    second.close()


def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Each call in a thread of its own, let go at the same instant; their results."""
    start = threading.Barrier(len(calls))
    errors: list[BaseException] = []
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def _press(app: App, ticket_id: int, member: str, action: str, drawn: int) -> Any:
    """The ticket page's button, as its handler does it (one transaction)."""
    with transaction(app.sessions) as s:
        now = app.clock.now()
        return _act(s, ticket_id, member, action, "resolved", "", now, None, drawn, MEMBERS)


@postgres_only
def test_close_and_work_on_it_pressed_at_once_one_wins(pair: tuple[App, App]) -> None:
    first, second = pair
    for n in range(5):  # a few rounds: either may come first
        tid = deliver(first, mail(f"Printer {n}", message_id=f"<p{n}@customer.test>")).ticket_id
        assert tid is not None
        with transaction(first.sessions) as s:
            drawn = seen.latest_event_id(s, tid)
        closed, opened = _at_once(
            partial(_press, first, tid, "ops@example.test", "close", drawn),
            partial(_press, second, tid, "ops2@example.test", "open", drawn),
        )
        done = {"close": closed, "open": opened}
        kinds = sorted("conflict" if isinstance(v, Conflict) else str(v) for v in done.values())
        assert kinds == ["True", "conflict"], done
        won = next(a for a, v in done.items() if v is True)
        assert show(first, tid)["state"] == {"close": "closed", "open": "open"}[won]
