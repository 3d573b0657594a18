"""The action worker: claim a due run, run it outside any transaction, record it.

Beside the sender in the daemon (``[actions] workers`` of them per instance).
Each pass claims one row at a time (:func:`store.action_runs.claim_next`:
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers of several instances
never take the same row; SQLite's write lock serialises the claim) with a
lease of the action's timeout, the most a command may take past it
(:data:`gateway.actions.command.OVERRUN`) and ``[actions] lease_grace``. The action runs
with the row's stored document and idempotency key; the outcome is recorded in
a second transaction (:mod:`gateway.actions.results`), and the next try's
time comes from the injected clock.

Crash semantics: a worker (or the whole machine) that dies after the claim and
before the record leaves the row ``running`` until its lease runs out; then any
worker claims it again and runs it with the *same* document and key. So an
action runs at least once, and may run twice for one run: receivers dedupe by
the idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from gateway.actions import document, failures, notes, results, trigger, withdraw
from gateway.actions.command import OVERRUN, run_command
from gateway.actions.dial import Lookup, system_lookup
from gateway.actions.outcome import Attempt, Step, Verdict, next_step
from gateway.actions.webhook import deliver, read_secret
from gateway.catalog.load import CatalogHolder
from gateway.catalog.model import Action, Catalog
from gateway.config.settings import Settings
from gateway.core.clock import Clock
from gateway.core.errors import TransientError
from gateway.core.i18n import Msg
from gateway.core.key_strength import weakness
from gateway.core.model import TicketState
from gateway.core.os_errors import os_error
from store import action_runs, tickets
from store.action_runs import DueRun
from store.db import transaction

log = logging.getLogger("gateway.actions")

DEFAULT_TIMEOUT = timedelta(seconds=30)  # the lease of a row whose action left the catalog
# tries lost to a dead worker (a crash, SIGKILL, the machine) beyond the action's own: a
# run whose last try was lost (with ``retries: 0``, its only one) still runs again after
# its lease, at least once; one that takes its workers down every time is given up
LOST_TRIES = 1
MERGE_CHAIN = 20  # merges followed from a merged ticket to the one that holds its work


@dataclass
class ActionWorker:
    settings: Settings
    clock: Clock
    sessions: sessionmaker[Session]
    catalog: CatalogHolder
    lookup: Lookup = system_lookup  # how webhooks look host names up (a test's stand-in)
    # why a try that ``should_stop`` ended is not counted: the daemon's stop, or an
    # interrupted ``actions run`` (failures.stopped_with_actions_run)
    stop_reason: Callable[[], Msg] = failures.stopped_with_daemon

    def drain(self, should_stop: Callable[[], bool] = lambda: False) -> list[results.Done]:
        """Run every due row, one after the other, until none is due or ``should_stop``.
        Nothing when no run is unfinished, found in a read: no write lock taken."""
        if should_stop() or not self.unfinished():
            return []
        done = self.withdraw_waiting()
        while not should_stop():
            run = self.claim()
            if run is None:
                break
            done.append(self.run(run, should_stop))
        return done

    def unfinished(self) -> bool:
        with transaction(self.sessions, read_only=True) as s:
            return action_runs.unfinished(s)

    def claim(self) -> DueRun | None:
        with transaction(self.sessions) as s:
            return action_runs.claim_next(s, self.clock.now(), self._lease)

    def run(self, run: DueRun, should_stop: Callable[[], bool] = lambda: False) -> results.Done:
        catalog = self.catalog.current  # one catalog for the run: its action and its mails
        entry = catalog.entry(run.entry_id)
        action = entry.action if entry is not None else None
        log.info(
            "action run=%s ticket=%s entry=%s attempt=%s%s",
            run.id,
            run.ticket_id,
            run.entry_id,
            run.attempt,
            " (resumed after a lost lease)" if run.resumed else "",
        )
        withdrawn = self.withdrawn(run, catalog)
        # the action left the catalog with the run queued: it cannot be started, and no
        # try is made (``catalog refile --from`` the old id must not take it as one)
        left = False
        if withdrawn is not None:  # nobody wants it done any more, or not this: not run
            attempt = Attempt(Verdict.PERMANENT, None, withdrawn, "", 0.0)
        elif action is None or action.type != run.action_type:
            left = True
            error = failures.not_in_catalog(
                notes.entry_said(entry, run.entry_id),
                notes.ACTION_TYPES.get(run.action_type, run.action_type),
            )
            attempt = Attempt(Verdict.PERMANENT, None, error, "", 0.0)
        elif run.resumed and run.attempt > action.retries + 1 + LOST_TRIES:
            error = failures.never_reported(run.attempt - 1)
            attempt = Attempt(Verdict.PERMANENT, None, error, "", 0.0)
        else:
            try:
                attempt = self.execute(action, run, should_stop)
            except Exception as exc:  # our bug: this run fails, the loop goes on
                log.exception("action run %s: unexpected error", run.id)
                error = failures.internal_error(f"{type(exc).__name__}: {exc}")
                attempt = Attempt(Verdict.PERMANENT, None, error, "", 0.0)
        now = self.clock.now()
        step, next_at = next_step(
            attempt,
            run.attempt,
            action.retries if action is not None else 0,
            now,
            self.settings.actions.retry_initial,
            self.settings.actions.retry_max,
        )
        if attempt.stopped:  # ended by the daemon's stop: due at the next start, as it was
            step, next_at = Step.RETRY, now
            attempt = replace(attempt, error=self.stop_reason())
        with transaction(self.sessions) as s:
            done = results.record(
                s,
                self.settings,
                run,
                entry,
                attempt,
                step,
                next_at,
                now,
                catalog=catalog,
                ran=withdrawn is None,
                started=not left,
            )
            # the try the stop cut short is not one, nor the claim of a run not run
            if (attempt.stopped or withdrawn is not None or left) and done.recorded:
                action_runs.uncount(s, run.id)
            if withdrawn is not None:
                self._hand_on(s, run, catalog)
            if withdrawn is not None or left:
                done = replace(done, attempt=run.attempt - 1, ran=False)  # no try made
            elif attempt.stopped and done.recorded:  # the try is not counted
                done = replace(done, attempt=run.attempt - 1, stopped=True)
        log.info(
            "action run=%s ticket=%s attempt=%s: %s status=%s %s",
            run.id,
            run.ticket_id,
            run.attempt,
            step.value,
            attempt.status,
            attempt.error,
        )
        return done

    def withdrawn(self, run: DueRun, catalog: Catalog) -> Msg | None:
        """Why the run must not run (:func:`gateway.actions.withdraw.reason`), read from
        its ticket as it is now (one look, no write lock); None: run it."""
        with transaction(self.sessions, read_only=True) as s:
            ticket = tickets.get(s, run.ticket_id)
            return withdraw.reason(s, ticket, catalog, run) if ticket is not None else None

    def withdraw_waiting(self) -> list[results.Done]:
        """Withdraw the runs awaiting approval whose ticket was closed, merged or filed
        under another entry since (:func:`gateway.actions.withdraw.waiting`); a merged
        one's target gets its own run as for a queued one (:meth:`_hand_on`)."""
        catalog = self.catalog.current
        try:
            with transaction(self.sessions) as s:
                ended = withdraw.waiting(s, self.settings, catalog, self.clock.now())
                for run, _done in ended:
                    self._hand_on(s, run, catalog)
        except TransientError:  # the database busy: the loop backs off as for a claim
            raise
        except Exception:  # our bug: the due runs still run (the next pass tries again)
            log.exception("withdrawing runs awaiting approval: unexpected error")
            return []
        for run, done in ended:
            log.info("action run=%s ticket=%s: withdrawn: %s", run.id, run.ticket_id, done.error)
        return [done for _run, done in ended]

    def _hand_on(self, session: Session, run: DueRun, catalog: Catalog) -> None:
        """A run not run because its ticket was merged: the ticket it went into (at the end
        of a chain of merges) gets its run if the merge completed its sheet. The mail's
        ``/merge`` looks at the sheet; the page and ``tickets merge`` do not, and the work
        the merged run was for would be done by nobody."""
        ticket = tickets.get(session, run.ticket_id)
        for _ in range(MERGE_CHAIN):
            if ticket is None or ticket.merged_into_id is None:
                break
            ticket = tickets.get(session, ticket.merged_into_id)
        if ticket is not None and ticket.id != run.ticket_id and ticket.state != TicketState.CLOSED:
            now = self.clock.now()
            trigger.sheet_changed(
                session, ticket, catalog, now, actor=notes.ACTOR, channel=notes.CHANNEL
            )

    def execute(
        self, action: Action, run: DueRun, should_stop: Callable[[], bool] = lambda: False
    ) -> Attempt:
        body = document.body(run.document)
        limit = self.settings.actions.output_limit
        timeout = action.timeout.total_seconds()
        if action.type == "command":
            return run_command(
                action.argv,
                body,
                workdir=action.workdir,
                timeout=timeout,
                limit=limit,
                key=run.key,
                stop=should_stop,
            )
        try:
            secret = read_secret(action.secret_file) if action.secret_file else b""
        except OSError as exc:
            error = failures.secret_unreadable(os_error(exc))
            return Attempt(Verdict.PERMANENT, None, error, "", 0.0)
        if (why := weakness(secret)) is not None:  # a guessable key: the receiver would
            error = failures.secret_weak(why)  # trust anyone
            return Attempt(Verdict.PERMANENT, None, error, "", 0.0)
        return deliver(
            action.url,
            body,
            secret=secret,
            key=run.key,
            timeout=timeout,
            limit=limit,
            ca_file=action.ca_file,
            proxies=self.settings.actions.proxy,
            lookup=self.lookup,
        )

    def _lease(self, entry_id: str) -> timedelta:
        """Long enough for the action to end by its timeout, past it by the most a command
        can take to end (its kill, its reaping, its pipes: ``command.OVERRUN``; a
        webhook's attempt ends by its timeout), and be recorded (``lease_grace``)."""
        entry = self.catalog.current.entry(entry_id)
        timeout = entry.action.timeout if entry is not None and entry.action else DEFAULT_TIMEOUT
        return timeout + timedelta(seconds=OVERRUN) + self.settings.actions.lease_grace
