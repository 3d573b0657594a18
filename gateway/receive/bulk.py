"""``ingest``: files, folders, maildirs, mbox files and stdin into the inbox, then
through the runner at once.

Each chunk of inputs is stored in one transaction (that commit is the
acknowledgement), then processed row by row, while worker processes parse the
chunk ahead (:mod:`gateway.receive.parse_ahead`). The caller gets one line per
input and a summary; choosing an exit code is the CLI's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from gateway.core.errors import TransientError
from gateway.core.model import ParsedMessage
from gateway.receive.files import RawInput, UnreadableInput, chunked, read_inputs
from gateway.receive.parse_ahead import MIN_MESSAGES, ParseAhead, result_or_none
from gateway.runner.runner import Runner
from store.accept.contract import Accepted, InboxAcceptor, Incoming
from store.accept.generic import open_inbox
from store.db import transaction
from store.models import InboxRow


@dataclass(slots=True)
class IngestSummary:
    stored: int = 0
    not_mail: int = 0  # inputs named on the command line that are not mail
    unreadable: int = 0
    transient: bool = False  # the database failed: retry later (nothing half-written)


def ingest(
    runner: Runner, specs: Sequence[str], say: Callable[[str], None], *, parse_ahead: bool = True
) -> IngestSummary:
    summary = IngestSummary()
    box = open_inbox(runner.settings.database.url, runner.sessions)
    ahead = ParseAhead() if parse_ahead and _many(specs) else ParseAhead(workers=0)
    try:
        for chunk in chunked(read_inputs(list(specs))):
            mails = _sort(chunk, summary, say)
            parses = [ahead.submit(m.raw) for m in mails]
            try:
                accepted = _store(runner, box, mails)
            except TransientError as exc:
                for m in mails:
                    say(f"{m.ref}: not stored, database unavailable ({exc})")
                summary.transient = True
                return summary
            summary.stored += sum(not a.duplicate for a in accepted)
            for m, acc, parse in zip(mails, accepted, parses, strict=True):
                say(f"{m.ref}: {_process(runner, acc, parse)}")
    finally:
        ahead.close()
        box.close()
    return summary


def _many(specs: Sequence[str]) -> bool:
    """Worth starting workers: a folder or mbox, or many files (not one piped message)."""
    from pathlib import Path

    return len(specs) >= MIN_MESSAGES or any(
        Path(s).is_dir() or (Path(s).is_file() and Path(s).stat().st_size > 1 << 20)
        for s in specs
        if s != "-"
    )


def _sort(
    chunk: Sequence[RawInput | UnreadableInput], summary: IngestSummary, say: Callable[[str], None]
) -> list[RawInput]:
    mails: list[RawInput] = []
    for item in chunk:
        if isinstance(item, UnreadableInput):
            say(f"{item.ref}: cannot read: {item.problem}")
            summary.unreadable += 1
        elif item.is_mail:
            mails.append(item)
        elif item.explicit:
            say(f"{item.ref}: not an e-mail message, not stored")
            summary.not_mail += 1
        else:
            say(f"{item.ref}: skipped, not an e-mail message")
    return mails


def _store(runner: Runner, box: InboxAcceptor, mails: list[RawInput]) -> list[Accepted]:
    """One transaction for the chunk: its commit is the acknowledgement."""
    items = [Incoming(m.raw, "ingest", m.ref) for m in mails]
    return box.accept_many(items, now=runner.clock.now()) if items else []


def _process(runner: Runner, acc: Accepted, parse: Future[ParsedMessage] | None) -> str:
    if acc.duplicate:
        with transaction(runner.sessions) as s:
            row = s.get(InboxRow, acc.inbox_id)
            state = row.state if row else "?"
            ticket = f", ticket #{row.ticket_id}" if row and row.ticket_id else ""
        if state != "pending":
            if parse is not None:
                parse.cancel()
            return f"already stored as inbox #{acc.inbox_id} ({state}{ticket}), nothing new"
    budget = runner.settings.limits.processing_budget.total_seconds()
    outcome = runner.process_one(acc.inbox_id, result_or_none(parse, budget))
    if outcome.state is None:
        return f"stored as inbox #{acc.inbox_id}, processing deferred ({outcome.reason})"
    ticket = f", ticket #{outcome.ticket_id}" if outcome.ticket_id else ""
    return f"stored as inbox #{acc.inbox_id}: {outcome.state.value}{ticket} ({outcome.reason})"
