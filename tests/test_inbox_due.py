"""Which inbox rows the runner takes next (``store.inbox.due_ids``, a statement built
once, issue #18): pending rows whose retry time has come or was never set, oldest
first, at most ``limit``; not a row waiting for its retry, nor one done or shunted."""

from __future__ import annotations

from datetime import timedelta

from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from store import inbox
from store.db import transaction
from store.models import InboxRow


def _row(
    n: int, clock: FakeClock, state: str = "pending", wait: timedelta | None = None
) -> InboxRow:
    return InboxRow(
        source="smtp",
        raw_sha256=f"{n:064x}",
        size=1,
        received_at=clock.now(),
        state=state,
        next_attempt_at=clock.now() + wait if wait is not None else None,
    )


def test_due_rows_are_pending_ones_whose_retry_came_oldest_first(
    app: App, clock: FakeClock
) -> None:
    shapes = [
        ("pending", None),  # never tried
        ("pending", timedelta(minutes=5)),  # waits for its retry
        ("done", None),
        ("pending", -timedelta(seconds=1)),  # its retry time has passed
        ("shunted", None),
        ("pending", timedelta(0)),  # due at this very moment
        ("pending", None),
    ]
    with transaction(app.sessions) as s:
        rows = [_row(n, clock, state, wait) for n, (state, wait) in enumerate(shapes)]
        s.add_all(rows)
        s.flush()
        ids = [r.id for r in rows]
    with transaction(app.sessions) as s:
        assert inbox.due_ids(s, clock.now()) == [ids[0], ids[3], ids[5], ids[6]]
        assert inbox.due_ids(s, clock.now(), limit=2) == [ids[0], ids[3]]
        later = clock.now() + timedelta(minutes=5)
        assert inbox.due_ids(s, later) == [ids[0], ids[1], ids[3], ids[5], ids[6]]
