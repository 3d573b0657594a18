"""An instance's sender dies between claiming a batch and sending it (killed, its
machine gone): the batch is neither skipped nor sent twice. The other instance's
sender leaves it alone while the lease runs, then sends each mail once; one whose
claim was cut before its commit (the connection ended) is sent by the other at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from gateway.config.settings import OutboundSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.runtime.app import App, build
from store import outbox as outbox_rows
from store.db import transaction
from tests.support.app import MEMBERS
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox
from tests.support.scheduling import send


@pytest.fixture
def pair(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[tuple[App, App]]:
    box = tmp_path / "sent"
    team = replace(settings, members=MEMBERS, outbound=replace(OutboundSettings(), maildir=box))
    first, second = build(team, clock), build(team, clock)
    yield first, second
    first.close()
    second.close()


def _sent(app: App) -> Counter[str]:
    box = app.settings.outbound.maildir
    got: Counter[str] = Counter()
    for f in box.glob("*/*"):
        for line in f.read_bytes().splitlines():
            if line.lower().startswith(b"message-id:"):
                got[line.split(b":", 1)[1].strip().decode()] += 1
    return got


def _requests(app: App, n: int) -> None:
    for i in range(n):
        deliver(app, mail(f"VPN {i}", message_id=f"<died-{i}@customer.test>"))


@postgres_only
def test_a_batch_claimed_by_a_sender_that_died_is_sent_once_after_its_lease(
    pair: tuple[App, App], clock: FakeClock
) -> None:
    first, second = pair
    _requests(first, 3)
    with transaction(first.sessions) as s:  # the first claims, and is never heard of again
        taken = outbox_rows.claim_due(s, clock.now(), 20)
    assert len(taken) == len(outbox(first)) > 0
    send(second)
    assert _sent(second) == Counter()  # the lease is the dead one's for now
    clock.advance(outbox_rows.LEASE + timedelta(seconds=1))
    send(second)
    send(second)
    assert _sent(second) == Counter({f"<{m.message_id}>": 1 for m in taken})
    assert {r.state for r in outbox(second)} == {"sent"}


@postgres_only
def test_a_claim_cut_before_its_commit_is_sent_by_the_other_at_once(
    pair: tuple[App, App], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = pair
    _requests(first, 3)
    claim = outbox_rows.claim_due

    def claim_then_cut(session: Any, *args: Any, **kw: Any) -> Any:
        due = claim(session, *args, **kw)
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        killer = create_engine(
            first.engine.url.render_as_string(hide_password=False), poolclass=NullPool
        )
        with killer.connect() as c:
            c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            c.commit()
        killer.dispose()
        return due

    monkeypatch.setattr(outbox_rows, "claim_due", claim_then_cut)
    with pytest.raises(TransientError):
        send(first)
    monkeypatch.undo()
    assert _sent(first) == Counter()
    send(second)
    assert _sent(second) == Counter({f"<{r.message_id}>": 1 for r in outbox(second)})
