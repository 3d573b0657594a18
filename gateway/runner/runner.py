"""One inbox row through the chain, in one transaction, with one disposition.

The stages are the table in :mod:`gateway.runner.chain`; how a verdict or an
exception becomes an inbox state is the table in :mod:`gateway.runner.verdicts`.
This module runs them: it claims the row, runs the chain and records the
disposition in the same transaction, so the ticket's changes, the outbox rows
and the row's state commit together or not at all. A bug in any stage shunts
the row (traceback kept, loop goes on); a locked or unreachable database leaves
it pending for a retry with backoff.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from gateway.catalog.load import CatalogHolder
from gateway.config.settings import Settings
from gateway.core.backoff import doubling
from gateway.core.clock import Clock
from gateway.core.db_errors import lost_a_race
from gateway.core.errors import TransientError
from gateway.core.model import InboxState, ParsedMessage
from gateway.pipeline.command_lines import asks_to_merge
from gateway.runner import chain as stages
from gateway.runner import verdicts, window
from gateway.runner.arrival import Arrival
from gateway.runner.budget import Deadline, RowParser
from gateway.runner.chain import Link, run_chain
from gateway.runner.foresight import Foresight
from gateway.runner.rows import RowInput, RowOutcome, already_processed, held, log_outcome
from gateway.tickets import conversation
from store import inbox, merges
from store.db import transaction
from store.row_claims import RowClaims
from store.turnstile import Turnstile

log = logging.getLogger("gateway.runner")

RETRY_FIRST = timedelta(seconds=10)  # a row that met a locked database waits this long …
RETRY_MAX = timedelta(hours=1)  # … doubling per attempt up to this
# A group of :meth:`Runner.process_together` commits once it has worked this long,
# however many of its rows are left for the next group: a listener that waits for
# the write lock meanwhile waits about this long at most.
GROUP_SECONDS = 0.25
# Rows parsed ahead of a group hold their bytes until it commits; a group is cut before
# it would hold more than this, so a big message is processed alone (issue #18).
TOGETHER_BYTES = 4 << 20
BATCH = 50  # due rows taken at a time by process_pending


@dataclass(frozen=True, slots=True)
class Runner:
    settings: Settings
    clock: Clock
    sessions: sessionmaker[Session]
    catalog: CatalogHolder
    chain: tuple[Link, ...] | None = None  # the stages; None: chain.CHAIN as it is now
    parser: RowParser | None = None  # None: parse inline (a CLI run); the daemon isolates
    turnstile: Turnstile | None = None  # SQLite: accepting writers go before each row
    on_row: Callable[[int | None], None] | None = None  # told each row's id, then None
    claims: RowClaims | None = None  # PostgreSQL: the rows other instances work on are skipped

    def process_pending(self, limit: int | None = None) -> list[RowOutcome]:
        """Drain due rows; returns their outcomes (transient ones included). With a
        parser (as :func:`gateway.runtime.app.build` gives every runner: the daemon, the
        drainer, ``inbox retry``), the due rows are parsed first and then processed
        together (:meth:`_parse_then_together`); without one, row by row."""
        self.settings.gateway.reply_key()  # see process_one
        outcomes: list[RowOutcome] = []
        while limit is None or len(outcomes) < limit:
            want = BATCH if limit is None else min(BATCH, limit - len(outcomes))
            asked = self.claims.wanted(want) if self.claims is not None else BATCH
            with transaction(self.sessions) as s:
                due = inbox.due_ids(s, self.clock.now(), limit=asked)
            seen = {o.inbox_id for o in outcomes}
            due = [i for i in due if i not in seen]
            ids = self.claims.take(due, want) if self.claims is not None else due[:want]
            if not ids:
                break
            try:
                if self.parser is not None:
                    outcomes += self._parse_then_together(ids)
                else:
                    outcomes += [self.process_one(inbox_id) for inbox_id in ids]
            finally:
                if self.claims is not None:
                    self.claims.give_back(ids)
        return outcomes

    def _parse_then_together(self, ids: Sequence[int]) -> list[RowOutcome]:
        """Each row parsed before any transaction (as :meth:`process_one` does), then the
        parsed rows processed together (issue #18: in the daemon a row's own commit, its
        search-index flush and its second read of the row cost about as much as its
        stages). Rows whose bytes are held stay under :data:`TOGETHER_BYTES`, so a big
        message goes alone; a row that fails to parse, or is no longer pending, goes
        through :meth:`process_one` after the rows before it.

        With a parse process (the daemon's :meth:`RowParser.piped`), the rows are read
        and parsed a window ahead (:mod:`gateway.runner.window`), and what was handed
        out is processed at each FLUSH while the next rows are parsed."""
        outcomes: list[RowOutcome] = []
        rows: list[RowInput] = []
        pipe = self.parser.pipe if self.parser is not None else None
        items = (
            window.ahead(pipe, self.sessions, ids, self._collect)
            if pipe is not None
            else ((inbox_id, self._parse_ahead(inbox_id)) for inbox_id in ids)
        )
        for item in items:
            if isinstance(item, window.Flush):
                outcomes += self.process_together(rows)
                rows = []
                continue
            inbox_id, ahead = item
            if not isinstance(ahead, RowInput) or held(rows, ahead) > TOGETHER_BYTES:
                outcomes += self.process_together(rows)
                rows = []
            if isinstance(ahead, RowInput):
                rows.append(ahead)
            else:  # failed (its outcome), or no longer pending (process_one says how)
                outcomes.append(ahead if ahead is not None else self.process_one(inbox_id))
        return outcomes + self.process_together(rows)

    def _collect(self, flight: window.Flight) -> RowInput | RowOutcome | None:
        """A row of the window, as :meth:`_parse_ahead` makes it of the bytes read and
        the parse submitted (a row that could not be read is read alone)."""
        if flight.read and flight.raw is None:
            return None  # no longer pending
        return self._parse_ahead(flight.inbox_id, flight.raw, flight.ticket)

    def _parse_ahead(
        self, inbox_id: int, raw: bytes | None = None, ticket: int | None = None
    ) -> RowInput | RowOutcome | None:
        """A pending row's bytes and their parse, under the row's budget (reported to the
        daemon's watch like a row). A parse that fails (its budget) ends the row as in
        :meth:`process_one`: that outcome. None when the row is no longer pending:
        :meth:`process_one` then reports what became of it. ``raw``, ``ticket``: its
        bytes read already, its parse submitted to the parser's pipe."""
        started = time.perf_counter()
        deadline = Deadline.start(self.clock, self.settings.limits.processing_budget)
        with self._watched(inbox_id):
            try:
                raw, parsed = self._parse_first(inbox_id, deadline, raw, ticket)
            except Exception as exc:  # noqa: BLE001 - mapped by the table; never lost
                failed = self._failed(inbox_id, exc)
            else:
                return RowInput(inbox_id, parsed, raw) if parsed is not None else None
        failed = replace(failed, seconds=time.perf_counter() - started)
        log_outcome(failed)
        return failed

    @contextmanager
    def _watched(self, inbox_id: int) -> Iterator[None]:
        """The daemon's watch told which row runs, and when it is done (it kills a row
        over its budget with the whole processing process)."""
        if self.on_row is not None:
            self.on_row(inbox_id)
        try:
            yield
        finally:
            if self.on_row is not None:
                self.on_row(None)

    def process_one(
        self,
        inbox_id: int,
        parsed: ParsedMessage | None = None,
        raw: bytes | None = None,
        foresight: Foresight | None = None,
    ) -> RowOutcome:
        """``parsed``: the row's bytes already parsed (a bulk ingest parses ahead in
        worker processes); parsing is pure, so where it ran changes nothing. ``raw``:
        the row's bytes, when the caller holds them already (a bulk ingest has just
        stored them; they never change), so the claim does not read them again.
        ``foresight``: what the pure stages will decide, worked out with the parse.

        A reply-token key that cannot be read raises its ConfigError here, before the
        row is touched: inside, it would be "unexpected" and shunt every row in turn,
        when what is wrong is the configuration (the rows wait, pending)."""
        self.settings.gateway.reply_key()
        started = time.perf_counter()
        deadline = Deadline.start(self.clock, self.settings.limits.processing_budget)
        with self._watched(inbox_id):
            try:
                if parsed is None and self.parser is not None:
                    raw, parsed = self._parse_first(inbox_id, deadline, raw)
                outcome = self._process_once_more(inbox_id, parsed, deadline, raw, foresight)
            except Exception as exc:  # noqa: BLE001 - mapped by the table; never lost
                outcome = self._failed(inbox_id, exc)
        outcome = replace(outcome, seconds=time.perf_counter() - started)
        log_outcome(outcome)
        return outcome

    def _process_once_more(
        self,
        inbox_id: int,
        parsed: ParsedMessage | None,
        deadline: Deadline,
        raw: bytes | None,
        foresight: Foresight | None,
    ) -> RowOutcome:
        """:meth:`_process`, and once more if another instance committed a unique key
        this row's look had found free (:func:`gateway.core.db_errors.lost_a_race`): the second look
        sees it (a copy of the same mail is then the duplicate it is). It was shunted,
        a traceback and an alert for a plain duplicate."""
        try:
            return self._process(inbox_id, parsed, deadline, raw, foresight)
        except Exception as exc:
            if not lost_a_race(exc):
                raise
            log.info("inbox %s: another instance wrote meanwhile; once more", inbox_id)
            return self._process(inbox_id, parsed, deadline, raw, foresight)

    def process_together(self, rows: Sequence[RowInput]) -> list[RowOutcome]:
        """Several parsed rows in few transactions, each row exactly as
        :meth:`process_one` would process it, for a bulk ingest and for the rows the
        daemon finds waiting: one commit for a group of rows instead of one per row,
        which on SQLite is most of what a row costs once the ORM is out of the way
        (bench/ingest.py, issue #18). A group ends after :data:`GROUP_SECONDS`, or
        before its next row when an accepting writer waits at the turnstile.
        Optimistic, without savepoints (a savepoint cost as much as a transaction): if
        any row fails (a bug, the budget, a locked database), its group is rolled back
        and each of the group's rows goes through
        :meth:`process_one` on its own, so what a failure does is unchanged."""
        self.settings.gateway.reply_key()  # see process_one
        if len(rows) < 2 or any(r.parsed is None for r in rows):
            return [self.process_one(r.inbox_id, r.parsed, r.raw, r.foresight) for r in rows]
        outcomes: list[RowOutcome] = []
        while len(outcomes) < len(rows):
            rest = rows[len(outcomes) :]
            tried: list[RowInput] = []
            try:
                group = self._together(rest, tried)
            except Exception as exc:  # noqa: BLE001 - nothing of the group was committed
                redo = tried or rest  # nothing tried: the transaction did not even begin
                log.info(
                    "%d rows processed one by one after %s: %s", len(redo), type(exc).__name__, exc
                )
                group = [self.process_one(r.inbox_id, r.parsed, r.raw, r.foresight) for r in redo]
            else:
                for outcome in group:
                    log_outcome(outcome)
            outcomes.extend(group)
        return outcomes

    def _together(self, rows: Sequence[RowInput], tried: list[RowInput]) -> list[RowOutcome]:
        """The first rows of ``rows``, until :data:`GROUP_SECONDS` have passed, in one
        transaction; each row is added to ``tried`` before it runs (the caller redoes
        those if the group fails). Each row leaves the session as its own transaction
        would leave it for the next: the mails its changes cause queued (what its
        commit would do), its ORM changes written, and no object kept, so the next
        row loads what it reads."""
        outcomes: list[RowOutcome] = []
        turn = self.turnstile.row() if self.turnstile is not None else nullcontext()
        with turn, transaction(self.sessions) as s:
            began = time.perf_counter()
            for r in rows:
                if outcomes and self._merges_alone(s, r):
                    break
                tried.append(r)
                started = time.perf_counter()
                deadline = Deadline.start(self.clock, self.settings.limits.processing_budget)
                with self._watched(r.inbox_id):  # as for a row alone
                    outcome = self._row(s, r.inbox_id, r.parsed, deadline, r.raw, r.foresight)
                    conversation.flush(s)
                    s.flush()
                    s.expunge_all()
                outcomes.append(replace(outcome, seconds=time.perf_counter() - started))
                if time.perf_counter() - began >= GROUP_SECONDS:
                    break
                if self.turnstile is not None and self.turnstile.waiting():
                    break  # a 250 waits for this commit: it waits for one row at most
        return outcomes

    def _merges_alone(self, s: Session, r: RowInput) -> bool:
        """A reply that merges, on PostgreSQL, starts a transaction of its own: it takes
        the merge lock before any ticket's row lock, as a merge on the page does, and the
        group's earlier rows hold theirs until the group commits (each waiting for the
        other, PostgreSQL would fail one). SQLite writes one transaction at a time."""
        if r.parsed is None or not merges.locked(s):
            return False
        return asks_to_merge(r.parsed.new_text, self.settings.gateway.max_command_lines)

    def _process(
        self,
        inbox_id: int,
        parsed: ParsedMessage | None,
        deadline: Deadline,
        raw: bytes | None = None,
        foresight: Foresight | None = None,
    ) -> RowOutcome:
        """The stages and the row's disposition commit together, or not at all."""
        turn = self.turnstile.row() if self.turnstile is not None else nullcontext()
        with turn, transaction(self.sessions) as s:  # the turn first: see store.turnstile
            return self._row(s, inbox_id, parsed, deadline, raw, foresight)

    def _row(
        self,
        s: Session,
        inbox_id: int,
        parsed: ParsedMessage | None,
        deadline: Deadline,
        raw: bytes | None,
        foresight: Foresight | None = None,
    ) -> RowOutcome:
        """One row through the chain, its disposition recorded, in the caller's transaction."""
        row = inbox.claim_row(s, inbox_id, raw)
        if row is None:
            return already_processed(s, inbox_id)
        now = self.clock.now()
        arrival = Arrival(
            s, row, self.settings, now, self.catalog.current, parsed, foresight=foresight
        )
        verdict, stage = run_chain(arrival, self.chain or stages.CHAIN, deadline)
        state, reason = verdicts.disposition(verdict), verdicts.reason_of(verdict)
        ticket_id = verdicts.ticket_of(verdict)
        inbox.set_disposition(s, inbox_id, state, reason, now, ticket_id)
        return RowOutcome(
            inbox_id,
            state,
            reason,
            ticket_id,
            row.message_id,
            source=row.source,
            stage=stage,
            said=verdicts.said_of(verdict),
        )

    def _parse_first(
        self, inbox_id: int, deadline: Deadline, raw: bytes | None = None, ticket: int | None = None
    ) -> tuple[bytes | None, ParsedMessage | None]:
        """Parse before the row's transaction: no lock is held while it runs, and a
        big or hostile row runs in the parser's worker, killed at the deadline
        (``ticket``: its parse submitted to the parser's pipe, waited for as long)."""
        assert self.parser is not None
        if raw is None:
            with transaction(self.sessions, read_only=True) as s:
                raw = inbox.pending_raw(s, inbox_id)
        return (None, None) if raw is None else (raw, self.parser.parse(raw, deadline, ticket))

    def close(self) -> None:
        """Stop the parser's worker process, if one was started, and give back the
        rows held for this instance."""
        if self.claims is not None:
            self.claims.close()
        if self.parser is not None:
            self.parser.close()
        if self.turnstile is not None:
            self.turnstile.close()

    def _failed(self, inbox_id: int, exc: Exception) -> RowOutcome:
        if verdicts.for_exception(exc) is None:  # an outage (TransientError): retried
            source, mid = self._defer(inbox_id, str(exc))
            said = verdicts.deferred_said(exc)
            return RowOutcome(
                inbox_id, None, f"transient: {exc}", None, mid, source=source, said=said
            )
        return self._shunt(inbox_id, exc)

    def _defer(self, inbox_id: int, why: str) -> tuple[str, str | None]:
        """Back off before the next try; if even that write fails, the row stays due.
        The row's source and Message-ID for its log line (unknown if the write failed)."""
        try:
            with transaction(self.sessions) as s:
                inbox.defer(
                    s,
                    inbox_id,
                    why,
                    self.clock.now(),
                    lambda attempts: doubling(attempts, RETRY_FIRST, RETRY_MAX),
                )
                return inbox.origin(s, inbox_id)
        except TransientError:
            log.warning("inbox %s: could not record retry (%s)", inbox_id, why)
            return "", None

    def _shunt(self, inbox_id: int, exc: BaseException) -> RowOutcome:
        tb = "".join(traceback.format_exception(exc))
        log.error("inbox %s shunted: %s", inbox_id, exc)
        reason = f"{type(exc).__name__}: {exc}"
        try:
            with transaction(self.sessions) as s:
                inbox.set_disposition(
                    s, inbox_id, InboxState.SHUNTED, reason, self.clock.now(), error=tb
                )
                source, mid = inbox.origin(s, inbox_id)
        except TransientError as outage:  # not shunted either: pending, retried later
            said = verdicts.deferred_said(outage)
            return RowOutcome(inbox_id, None, f"transient while shunting: {exc}", said=said)
        said = verdicts.shunted_said(reason)
        return RowOutcome(inbox_id, InboxState.SHUNTED, reason, None, mid, source=source, said=said)
