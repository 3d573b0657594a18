"""What a row of the inbox is to the runner: what goes in, what comes out, and the
line logged for it (kept apart from :mod:`gateway.runner.runner`, which runs rows).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.core.i18n import N_, Msg
from gateway.core.model import InboxState, ParsedMessage
from gateway.runner.foresight import Foresight
from store.models import InboxRow

log = logging.getLogger("gateway.runner")


# an inbox row's state → its name in a line a person reads (``inbox list --json`` and
# the log keep the English value)
STATE_SAID: dict[str, Msg] = {
    InboxState.PENDING.value: N_("pending"),  # not processed yet
    InboxState.DONE.value: N_("done"),  # a ticket changed
    InboxState.IGNORED.value: N_("ignored"),  # nothing to do with it
    InboxState.REJECTED.value: N_("rejected"),  # a refused change
    InboxState.SHUNTED.value: N_("shunted"),  # failed, kept for a person
}


def state_said(state: str) -> Msg | str:
    """The state's name in the reader's words; one we do not know, as it is."""
    return STATE_SAID.get(state, state)


@dataclass(frozen=True, slots=True)
class RowOutcome:
    inbox_id: int
    state: InboxState | None  # None: transient, still pending
    reason: str
    ticket_id: int | None = None
    message_id: str | None = None
    seconds: float = 0.0
    source: str = ""  # smtp | lmtp | imap | ingest …; "" when the row could not be read
    stage: str = ""  # the stage that gave the verdict
    # processed by another runner (another instance, the drainer) before this one got
    # it: its line was logged there, so this one logs none (see log_outcome)
    elsewhere: bool = False
    said: Msg | None = None  # the reason in the reader's words (verdicts.Done.said)


@dataclass(frozen=True, slots=True)
class RowInput:
    """A row for :meth:`Runner.process_together`: its id, its bytes parsed (ahead, in a
    worker) and the bytes themselves when the caller holds them."""

    inbox_id: int
    parsed: ParsedMessage | None
    raw: bytes | None = None
    foresight: Foresight | None = None  # worked out with the parse (gateway.runner.foresight)


def held(rows: Sequence[RowInput], more: RowInput) -> int:
    """The bytes a group would hold with ``more`` in it."""
    return sum(len(r.raw or b"") for r in (*rows, more))


def log_outcome(o: RowOutcome) -> None:
    """The one line per ingested message; its fields also go out as structured data
    (``extra``), which ``[logging] format = "json"`` writes as keys of their own.
    A row another runner processed first has had its line there: one line per
    message, however many instances looked at it."""
    if o.elsewhere:
        log.debug("inbox=%s was processed elsewhere: %s", o.inbox_id, o.reason)
        return
    verdict = o.state.value if o.state else "transient"
    log.info(
        "ingest inbox=%s ticket=%s message_id=%s source=%s verdict=%s reason=%r duration=%.3fs",
        o.inbox_id,
        o.ticket_id,
        o.message_id,
        o.source or "unknown",  # the database refused even the row's look
        verdict,
        o.reason,
        o.seconds,
        extra={
            "event": "ingest",
            "inbox": o.inbox_id,
            "ticket": o.ticket_id,
            "message_id": o.message_id,
            "source": o.source,
            "verdict": verdict,
            "reason": o.reason,
            "duration": round(o.seconds, 6),
            "stage": o.stage,
        },
    )


def already_processed(session: Session, inbox_id: int) -> RowOutcome:
    """Another runner (or instance) got there first; report what it decided."""
    row = session.get(InboxRow, inbox_id)
    if row is None:
        return RowOutcome(
            inbox_id, InboxState.IGNORED, "no such inbox row", said=N_("no such inbox row")
        )
    return RowOutcome(
        inbox_id,
        InboxState(row.state),
        f"already {row.state}: {row.reason}",  # the record: what the other runner decided
        row.ticket_id,
        row.message_id,
        elsewhere=True,
        said=N_("processed already, by another run"),  # the line says the state and ticket
    )
