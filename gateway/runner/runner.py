"""One inbox row through the stages, in one transaction, with one disposition.

    parse → loops → dedupe → thread → transitions → persist → mark the row

This module is the only place that commits ticket changes and the only place
that maps outcomes (``gateway.errors``) to inbox states: DESIGN.md's
disposition table. A bug in any stage shunts the row (traceback kept, loop goes
on); a locked or unreachable database leaves it pending for a retry.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from gateway.catalog.load import CatalogHolder
from gateway.config.settings import Settings
from gateway.core.clock import Clock
from gateway.core.errors import Ignored, Rejected, TransientError
from gateway.core.model import InboxState, ParsedMessage
from gateway.runner import process
from store import inbox
from store.db import transaction
from store.models import InboxRow

log = logging.getLogger("gateway.runner")

MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Outcome:
    inbox_id: int
    state: InboxState | None  # None: transient, still pending
    reason: str
    ticket_id: int | None = None
    message_id: str | None = None
    seconds: float = 0.0
    source: str = ""  # smtp | lmtp | imap | ingest; "" when the row could not be read


@dataclass(frozen=True, slots=True)
class Runner:
    settings: Settings
    clock: Clock
    sessions: sessionmaker[Session]
    catalog: CatalogHolder

    def process_pending(self, limit: int | None = None) -> list[Outcome]:
        """Drain due rows; returns their outcomes (transient ones included)."""
        outcomes: list[Outcome] = []
        while limit is None or len(outcomes) < limit:
            with transaction(self.sessions) as s:
                ids = inbox.claim_pending(s, self.clock.now(), limit=50)
            ids = [i for i in ids if i not in {o.inbox_id for o in outcomes}]
            if not ids:
                break
            for inbox_id in ids:
                outcomes.append(self.process_one(inbox_id))
        return outcomes

    def process_one(self, inbox_id: int, parsed: ParsedMessage | None = None) -> Outcome:
        """``parsed``: the row's bytes already parsed (a bulk ingest parses ahead in
        worker processes); parsing is pure, so where it ran changes nothing."""
        started = time.perf_counter()
        try:
            outcome = self._process(inbox_id, parsed)
        except TransientError as exc:
            self._defer(inbox_id, str(exc))
            outcome = Outcome(inbox_id, None, f"transient: {exc}")
        except Exception as exc:  # noqa: BLE001 - anything unexpected is shunted, never lost
            outcome = self._shunt(inbox_id, exc)
        outcome = replace(outcome, seconds=time.perf_counter() - started)
        _log_outcome(outcome)
        return outcome

    def _process(self, inbox_id: int, parsed: ParsedMessage | None) -> Outcome:
        """The stages and the row's disposition commit together, or not at all."""
        try:
            with transaction(self.sessions) as s:
                row = inbox.claim_row(s, inbox_id)
                if row is None:
                    return _already_processed(s, inbox_id)
                now = self.clock.now()
                handled = process.handle_row(s, row, self.settings, now, parsed,
                                             catalog=self.catalog.current)
                inbox.set_disposition(s, inbox_id, handled.state, handled.summary, now,
                                      handled.ticket_id)
                return Outcome(inbox_id, handled.state, handled.summary, handled.ticket_id,
                               row.message_id, source=row.source)
        except Ignored as exc:  # whatever the stages wrote was rolled back with the exception
            return self._record(inbox_id, InboxState.IGNORED, exc.reason)
        except Rejected as exc:
            return self._record(inbox_id, InboxState.REJECTED, exc.reason)

    def _record(self, inbox_id: int, state: InboxState, reason: str) -> Outcome:
        with transaction(self.sessions) as s:
            row = inbox.claim_row(s, inbox_id)
            if row is None:
                return _already_processed(s, inbox_id)
            inbox.set_disposition(s, inbox_id, state, reason, self.clock.now())
            return Outcome(inbox_id, state, reason, None, row.message_id, source=row.source)

    def _defer(self, inbox_id: int, why: str) -> None:
        """Back off before the next try; if even that write fails, the row stays due."""
        try:
            with transaction(self.sessions) as s:
                row = s.get(InboxRow, inbox_id)
                if row is not None and row.state == InboxState.PENDING:
                    row.attempts += 1
                    delay = min(timedelta(seconds=5 * 2 ** min(row.attempts, 12)), MAX_BACKOFF)
                    row.next_attempt_at = self.clock.now() + delay
                    row.reason = why
        except TransientError:
            log.warning("inbox %s: could not record retry (%s)", inbox_id, why)

    def _shunt(self, inbox_id: int, exc: BaseException) -> Outcome:
        tb = "".join(traceback.format_exception(exc))
        log.error("inbox %s shunted: %s", inbox_id, exc)
        try:
            with transaction(self.sessions) as s:
                inbox.set_disposition(s, inbox_id, InboxState.SHUNTED,
                                      f"{type(exc).__name__}: {exc}", self.clock.now(), error=tb)
        except TransientError:
            return Outcome(inbox_id, None, f"transient while shunting: {exc}")
        return Outcome(inbox_id, InboxState.SHUNTED, f"{type(exc).__name__}: {exc}")



def _log_outcome(o: Outcome) -> None:
    """The one line per ingested message; its fields also go out as structured data
    (``extra``), which ``[logging] format = "json"`` writes as keys of their own."""
    verdict = o.state.value if o.state else "transient"
    log.info(
        "ingest inbox=%s ticket=%s message_id=%s source=%s verdict=%s reason=%r duration=%.3fs",
        o.inbox_id, o.ticket_id, o.message_id, o.source or "-", verdict, o.reason, o.seconds,
        extra={"event": "ingest", "inbox": o.inbox_id, "ticket": o.ticket_id,
               "message_id": o.message_id, "source": o.source, "verdict": verdict,
               "reason": o.reason, "duration": round(o.seconds, 6)},
    )


def _already_processed(session: Session, inbox_id: int) -> Outcome:
    """Another runner (or instance) got there first; report what it decided."""
    row = session.get(InboxRow, inbox_id)
    if row is None:
        return Outcome(inbox_id, InboxState.IGNORED, "no such inbox row")
    return Outcome(inbox_id, InboxState(row.state), f"already {row.state}: {row.reason}",
                   row.ticket_id, row.message_id)
