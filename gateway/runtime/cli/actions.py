"""``ticket-gateway actions``: the catalog actions' runs, listed, retried, run now.

``list`` shows the ``action_runs`` table (newest first); ``retry ID`` makes a
failed run (or one waiting for its next try) due now with a fresh count of
attempts, the same document and the same idempotency key (unless the sheet was
corrected since: :func:`gateway.actions.trigger.corrected_input`); ``run`` runs what is
due in this process, for setups without the daemon (``ingest`` from cron) and
to watch one run end to end.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gateway.core.i18n import N_
from gateway.runtime.cli.common import (
    EX_DATAERR,
    EX_OK,
    EX_TEMPFAIL,
    EX_UNAVAILABLE,
    Speaker,
    actor,
    columns,
    opened,
    pad,
    print_json,
)
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.numbers import whole

if TYPE_CHECKING:
    from gateway.actions.results import Done
    from gateway.config.settings import Settings
    from gateway.core.i18n import Msg
    from store.models import Ticket

RUN_STATES = ("awaiting_approval", "pending", "running", "succeeded", "failed")


def cmd_actions_list(args: argparse.Namespace, settings: Settings) -> int:
    from store import action_runs
    from store.db import transaction

    with opened(settings) as app, transaction(app.sessions) as s:
        rows = [
            action_runs.view(r)
            for r in action_runs.list_runs(s, args.state, args.ticket, limit=args.limit)
        ]
    if args.json:
        print_json(rows)
        return EX_OK
    from gateway.core.i18n import kept
    from gateway.runtime.cli.ticket_show import run_state

    said = Speaker(settings)
    if not rows:  # said, as tickets list says it: an empty answer, not a silent command
        said.say(N_("no action runs match"))
        return EX_OK
    heads = [said(name) for name, _ in RUN_COLUMNS]
    # each column as wide as its header in the reader's language, or its usual width; the
    # state's as its longest words ("waiting to run (pending)"), the same for every row
    widths = [
        (1 if w > 0 else -1) * max(abs(w), columns(head), state_width(said) if n == STATE else 0)
        for n, (head, (_, w)) in enumerate(zip(heads, RUN_COLUMNS, strict=True))
    ]
    # what each number is: the run (actions retry's), the ticket, the tries
    print(" ".join(pad(head, w) for head, w in zip(heads, widths, strict=True)).rstrip())
    for r in rows:
        cells = (
            str(r["id"]),
            f"#{r['ticket']}",
            r["entry"],
            r["type"],
            run_state(r["state"], said),
            said(N_("{count}x", count=r["attempts"])),  # tries: 1x, 1 回
            "-" if r["last_status"] is None else str(r["last_status"]),
            said(kept(r["last_error_said"], r["last_error"])),
        )
        print(" ".join(pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return EX_OK


# ``actions list``'s columns: header and width in terminal columns (negative:
# right-aligned; the last: the rest)
RUN_COLUMNS: tuple[tuple[Msg, int], ...] = (
    (N_("run"), 6),  # the run's number, as actions retry takes it
    (N_("ticket"), 7),
    (N_("entry"), 14),  # the catalog entry's id
    (N_("type"), 8),  # command | webhook
    (N_("state"), 17),  # said in the language, with --state's word: see state_width
    (N_("tries"), -5),  # attempts made
    (N_("status"), -6),  # the last attempt's exit status, or the HTTP status
    (N_("last error"), 1),
)


STATE = 4  # the state's column: as wide as the longest state's words (state_width)


def state_width(said: Speaker) -> int:
    """The terminal columns of the longest run state in the reader's words, --state's
    word beside them (``waiting to run (pending)``, ``承認待ち (awaiting_approval)``): a
    fixed 17 let such a cell push the tries, status and error from under their headers."""
    from gateway.notify.labels import RUN_STATES
    from gateway.runtime.cli.ticket_show import run_state

    return max(columns(run_state(state, said)) for state in RUN_STATES)


def cmd_actions_retry(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.actions import trigger
    from gateway.core.i18n import N_
    from gateway.tickets import changes
    from store import action_runs, tickets
    from store.db import transaction

    with opened(settings) as app, transaction(app.sessions) as s:
        row = action_runs.locked(s, args.id)  # a worker's claim and this: one wins
        if row is None:
            missing = N_("no action run #{run}", run=args.id)
            Speaker(settings).warn(missing)
            return EX_UNAVAILABLE
        if row.state not in (action_runs.FAILED, action_runs.PENDING):
            from gateway.runtime.cli.ticket_show import run_state

            said = Speaker(settings)
            message = N_(
                "run #{run}: {state}; only a failed or waiting run is retried",
                run=row.id,
                state=run_state(row.state, said),
            )
            said.warn(message)
            return EX_DATAERR
        if not row.document:  # it waited for a manager and was withdrawn: none approved it
            message = N_(
                "run #{run} was never approved, so it has nothing to send; a manager "
                "approves it with /approve (or the ticket page's button)",
                run=row.id,
            )
            Speaker(settings).warn(message)
            return EX_DATAERR
        old, old_key = row.state, row.idempotency_key
        now = app.clock.now()
        ticket = tickets.get(s, row.ticket_id)
        if (
            ticket is not None
            and (withdrawn := _withdrawn(row.id, row.entry_id, ticket)) is not None
        ):
            Speaker(settings).warn(withdrawn)  # the worker would not run it: said now
            return EX_DATAERR
        lacking = trigger.taken_away(s, ticket, app.catalog.current, row) if ticket else []
        if lacking:  # sent as stored, the value a member took away would do the work
            Speaker(settings).warn(
                N_(
                    "run #{run}'s ticket #{ticket} has no {names} now (taken away since the "
                    "run was written); fill it in (/field), then retry its action",
                    run=row.id,
                    ticket=row.ticket_id,
                    names=", ".join(lacking),
                )
            )
            return EX_DATAERR
        changed = ticket is not None and trigger.corrected_input(
            s, ticket, app.catalog.current, row
        )
        action_runs.requeue(s, row, now)
        if ticket is not None:
            detail = {"run": row.id, "was": old, "idempotency_key": row.idempotency_key}
            if changed:
                detail.update(input_changed=True, was_idempotency_key=old_key)
            changes.record(
                s,
                ticket,
                "action-retry",
                now,
                actor=actor(),
                channel="cli",
                new=action_runs.PENDING,
                detail=detail,
            )
        new_key = row.idempotency_key
    if changed:
        Speaker(settings).say(
            N_(
                "run #{run} is due now with the sheet as corrected since (new idempotency "
                "key {key}); the daemon (or actions run) runs it",
                run=args.id,
                key=new_key,
            )
        )
        return EX_OK
    Speaker(settings).say(
        N_("run #{run} is due now; the daemon (or actions run) runs it", run=args.id)
    )
    return EX_OK


def _withdrawn(run_id: int, entry_id: str, ticket: Ticket) -> Msg | None:
    """Why ``actions retry`` of the run would run nothing: its ticket is closed, merged or
    filed under another entry than ``entry_id``, the run's, and the worker does not run
    such a run (``ActionWorker.withdrawn``); the retry was
    said to be "due now" and the run ended failed again at once. None: it runs."""
    from gateway.core.model import TicketState

    if ticket.merged_into_id is not None:
        return N_(
            "run #{run}'s ticket #{ticket} was merged into #{target}: that ticket's run "
            "does the work",
            run=run_id,
            ticket=ticket.id,
            target=ticket.merged_into_id,
        )
    if ticket.state == TicketState.CLOSED:
        return N_(
            "run #{run}'s ticket #{ticket} is closed; reopen it, then retry its action",
            run=run_id,
            ticket=ticket.id,
        )
    if ticket.catalog is not None and ticket.catalog != entry_id:  # not that entry's work
        return N_(
            "run #{run}'s ticket #{ticket} is filed under {now} now, not {entry}; file it "
            "under {entry} again (/category), then retry its action",
            run=run_id,
            ticket=ticket.id,
            now=ticket.catalog,
            entry=entry_id,
        )
    return None


def cmd_actions_run(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 75 (``EX_TEMPFAIL``) when SIGINT or SIGTERM stopped it: what ran is said,
    a program it was running is ended as the daemon's stop ends it (its try not counted,
    the run due again), and nothing more is started. Before, the signal killed the process
    (SIGTERM) or raised out of the wait (SIGINT) and left the run ``running`` until its
    lease ran out, the program in its session of its own still at work."""
    import threading

    from gateway.actions import failures
    from gateway.actions.worker import ActionWorker
    from gateway.runtime.daemon import stop_on_signals

    stop = threading.Event()
    with opened(settings) as app, stop_on_signals(stop):
        worker = ActionWorker(
            settings,
            app.clock,
            app.sessions,
            app.catalog,
            stop_reason=failures.stopped_with_actions_run,
        )
        done = worker.drain(stop.is_set)
    code = EX_TEMPFAIL if stop.is_set() else EX_OK
    rows = [
        {
            "run": d.run_id,
            "ticket": d.ticket_id,
            "attempt": d.attempt,
            "state": d.step.value,
            "status": d.status,
            "error": d.error,
            "recorded": d.recorded,
            "ran": d.ran,  # false: not run, its ticket closed or merged before (attempt 0)
            "stopped": d.stopped,  # true: a stop ended the try, not counted (due again)
        }
        for d in done
    ]
    if args.json:
        print_json(rows)
        return code
    said = Speaker(settings)
    for d in done:
        said.say(run_line(d))
    return code


def run_line(d: Done) -> Msg:
    """``actions run``'s line for one try: one sentence in the reader's language, the
    state in its words (``失敗 (failed)`` was a Japanese word and its English name)."""
    from gateway.notify import labels

    error = d.said
    if not d.ran:  # the row's state is failed; nothing was tried
        return N_("run #{run} ticket #{ticket}: not run (failed): {error}", **_ids(d), error=error)
    if d.stopped:  # the row waits as due; the try is not one
        return N_(
            "run #{run} ticket #{ticket}: stopped, not counted (pending): {error}",
            **_ids(d),
            error=error,
        )
    state = labels.RUN_STATES.get(d.step.value, d.step.value)  # a newer state: as it is
    status = "-" if d.status is None else d.status
    if not str(error):
        return N_(
            "run #{run} ticket #{ticket}: {state}, status {status}",
            **_ids(d),
            state=state,
            status=status,
        )
    return N_(
        "run #{run} ticket #{ticket}: {state}, status {status}: {error}",
        **_ids(d),
        state=state,
        status=status,
        error=error,
    )


def _ids(d: Done) -> dict[str, object]:
    return {"run": d.run_id, "ticket": d.ticket_id}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    a = sub.add_parser(
        "actions", help=h(N_("runs of catalog actions: list, show, retry, run"))
    ).add_subparsers(required=True, metavar="ACTION")
    al = a.add_parser("list", help=h(N_("list action runs, newest first")))
    al.add_argument("--state", choices=RUN_STATES)
    al.add_argument("--ticket", type=whole, help=h(N_("only the runs of this ticket")))
    al.add_argument("--limit", type=whole, default=200)
    al.add_argument("--json", action="store_true")
    al.set_defaults(handler=cmd_actions_list)
    ar = a.add_parser(
        "retry",
        help=h(
            N_(
                "run a failed run again (same input, same idempotency key; "
                "a sheet corrected since: its values, a new key)"
            )
        ),
    )
    ar.add_argument("id", type=whole)
    ar.set_defaults(handler=cmd_actions_retry)
    from gateway.runtime.cli import action_show

    action_show.register(a)
    ax = a.add_parser("run", help=h(N_("run the due action runs now, in this process")))
    ax.add_argument("--json", action="store_true")
    ax.set_defaults(handler=cmd_actions_run)
