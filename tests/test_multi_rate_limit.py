"""The hourly brake on automatic answers (``[gateway] auto_reply_limit``) holds across
instances: two mails of one sender processed at the same moment by two instances on
one PostgreSQL database each counted the answers of the hour before the other's was
queued, and both answered, one over the limit (with two MX, a loop with an
auto-responder that does not say so ran at twice the brake)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from store import inbox
from store import outbox as outbox_rows
from store.db import transaction
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox

LIMIT = 3


@pytest.fixture
def pair(settings: Settings, clock: FakeClock) -> Iterator[tuple[App, App]]:
    braked = replace(settings, gateway=replace(settings.gateway, auto_reply_limit=LIMIT))
    first, second = build(braked, clock), build(braked, clock)
    yield first, second
    first.close()
    second.close()


def _answers(app: App) -> int:
    return len([r for r in outbox(app) if r.recipients == ["alice@customer.test"]])


@postgres_only
def test_two_instances_answering_one_sender_at_once_keep_to_the_limit(
    pair: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = pair
    for n in range(LIMIT - 1):  # one answer left in this hour
        deliver(first, mail(f"VPN {n}", message_id=f"<early-{n}@customer.test>"))
    assert _answers(first) == LIMIT - 1
    with transaction(first.sessions) as s:
        ids = [
            inbox.accept(
                s,
                mail(f"Printer {n}", message_id=f"<late-{n}@customer.test>"),
                source="smtp",
                now=first.clock.now(),
            ).inbox_id
            for n in range(2)
        ]
    meet = threading.Barrier(2)
    count = outbox_rows.count_recent

    def both_count_first(*args: Any, **kw: Any) -> int:
        found = count(*args, **kw)
        # both count before either queues (unless one waits for the other: then the
        # barrier breaks after 3 s and each goes on)
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait(3)
        return found

    monkeypatch.setattr(outbox_rows, "count_recent", both_count_first)
    threads = [
        threading.Thread(target=app.runner.process_one, args=(row,))
        for app, row in zip(pair, ids, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    monkeypatch.undo()
    assert _answers(first) == LIMIT
