"""``ingest``: files, folders, maildirs, mbox files and stdin into the inbox, then
through the runner at once.

Each chunk of inputs is stored in one transaction (that commit is the
acknowledgement), then processed row by row, while worker processes parse the
rest of the chunk and the next one ahead (:mod:`gateway.receive.parse_ahead`).
The caller gets one line per input and a summary; choosing an exit code is the
CLI's business.

On SQLite a big message file (:data:`~gateway.receive.files.ALONE_ABOVE` bytes or
more) is never held whole (issue #18): it is stored from its file a piece at a
time (:mod:`store.accept.message_file`), its slim copy is made from the stored
row a window at a time (:func:`~gateway.pipeline.parse.message.prepare_windows`)
and parsed by a worker, and the runner reads the row's bytes only if a stage
asks for them (:attr:`store.inbox.PendingRow.raw`). Elsewhere the generic
backend binds a message as one parameter, so the file is read whole as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace

from gateway.core.errors import TransientError
from gateway.core.i18n import N_, Msg
from gateway.pipeline.parse.message import prepare_windows
from gateway.pipeline.parse.windows import Windows
from gateway.receive.files import (
    ALONE_ABOVE,
    ChunkBreak,
    FileInput,
    Input,
    Mail,
    RawInput,
    UnreadableInput,
    chunked_with_breaks,
    read_inputs,
)
from gateway.receive.folders import PassedOver
from gateway.receive.parse_ahead import Ahead, ParseAhead, result_or_none
from gateway.runner.rows import RowInput, RowOutcome, state_said
from gateway.runner.runner import Runner
from store.accept.contract import Accepted, InboxAcceptor, Incoming
from store.accept.generic import open_inbox
from store.accept.message_file import MessageFile, MessageFileError
from store.db import transaction
from store.models import InboxRow

TOGETHER = 64  # new rows handed to the runner at once (it commits every GROUP_SECONDS)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class IngestSummary:
    stored: int = 0
    not_mail: int = 0  # inputs named on the command line that are not mail
    unreadable: int = 0
    transient: bool = False  # the database failed: retry later (nothing half-written)


def ingest(
    runner: Runner,
    specs: Sequence[str],
    say: Callable[[Msg], None],
    *,
    ahead: ParseAhead | None = None,
) -> IngestSummary:
    """Store and process ``specs``; one line per input to ``say``, for a person to read
    in their language (inbox states and the runner's reasons stay as recorded).
    ``ahead``: parse workers the caller started early (:meth:`ParseAhead.started`);
    closed here."""
    summary = IngestSummary()
    say = _on_one_line(say)
    box = open_inbox(runner.settings.database.url, runner.sessions)
    ahead = ahead if ahead is not None else ParseAhead.started(specs)
    ahead.foresee_for(runner.catalog.ref())  # what the stages will decide (runner.foresight)
    # a big message file stays on disk where the store can take it a piece at a time
    on_disk = ALONE_ABOVE if box.streams_files else None
    inputs = read_inputs(list(specs), on_disk_above=on_disk)
    try:
        for staged in _staged(chunked_with_breaks(inputs), ahead):
            done = _one_chunk(runner, box, ahead, staged, summary, say)
            del staged  # before the next is read: a big message may come next, alone
            if not done:
                return summary
    finally:
        ahead.close()
        box.close()
    return summary


def _on_one_line(say: Callable[[Msg], None]) -> Callable[[Msg], None]:
    """``say``, each line's input named with its line feeds escaped (as JSON's ``\\u``,
    as the CLI shows every control character): a file name may hold one, and made its
    line two, the second one of the name's choosing."""

    def said(line: Msg) -> None:
        ref = line.params.get("ref")
        if isinstance(ref, str) and "\n" in ref:
            line = replace(line, params={**line.params, "ref": ref.replace("\n", "\\u000a")})
        say(line)

    return said


@dataclass(slots=True)
class _Staged:
    """A chunk read, sorted and handed to the parse workers, not yet stored."""

    items: list[Input]
    mails: list[Mail]
    parses: list[Future[Ahead | None] | None]  # a file left on disk: after storing
    big: bool  # holds a message of ALONE_ABOVE bytes or more: read nothing beside it


def _staged(groups: Iterator[list[Input] | ChunkBreak], ahead: ParseAhead) -> Iterator[_Staged]:
    """Chunks with their parses submitted, one chunk ahead of the caller: while the
    runner works through a chunk, the workers parse the next one, so the runner
    does not wait for the first parses of every chunk (issue #18; it waited a
    sixth of the run). Never across a ChunkBreak or beside a big message, so that
    memory stays bounded by the larger of two chunks and the biggest message."""
    held: _Staged | None = None
    for group in groups:
        if isinstance(group, ChunkBreak):
            if held is not None:
                yield held
                held = None
            continue
        staged = _stage(group, ahead)
        del group
        if held is not None:
            yield held  # processed while ``staged`` is parsed ahead
            held = None
        if staged.big:
            yield staged
        else:
            held = staged
        del staged
    if held is not None:
        yield held


def _stage(items: list[Input], ahead: ParseAhead) -> _Staged:
    """A file left on disk is parsed once it is stored (from its row: what is parsed
    is what was stored); it counts as big, as it would if it had been read."""
    mails = [i for i in items if isinstance(i, RawInput | FileInput) and i.is_mail]
    read = [m.raw for m in mails if isinstance(m, RawInput)]
    parses = iter(ahead.submit_many(read))
    return _Staged(
        items,
        mails,
        [next(parses) if isinstance(m, RawInput) else None for m in mails],
        any(isinstance(m, FileInput) or len(m.raw) >= ALONE_ABOVE for m in mails),
    )


def _one_chunk(
    runner: Runner,
    box: InboxAcceptor,
    ahead: ParseAhead,
    staged: _Staged,
    summary: IngestSummary,
    say: Callable[[Msg], None],
) -> bool:
    """Store one chunk, then process it; False when the database is unavailable. Its
    own function, so that nothing of the chunk is held when the next one is read."""
    _sort(staged.items, summary, say)
    mails, parses = staged.mails, staged.parses
    try:
        accepted = _store_readable(runner, box, staged, summary, say)
    except TransientError as exc:
        log.info("ingest: not stored: %s", exc)  # the driver's own text (--verbose)
        for m in mails:
            say(
                N_(
                    "{ref}: not stored, database unavailable ({error})",
                    ref=m.ref,
                    # why, in the reader's words (the driver's text is for the log)
                    error=exc.said,
                )
            )
        summary.transient = True
        return False
    summary.stored += sum(not a.duplicate for a in accepted)
    _parse_stored_files(runner, box, ahead, staged, accepted)
    for line in _process_chunk(runner, mails, accepted, parses):
        say(line)
    return True


def _sort(chunk: Sequence[Input], summary: IngestSummary, say: Callable[[Msg], None]) -> None:
    """A line for each input that is not stored (unreadable, not mail)."""
    for item in chunk:
        if isinstance(item, UnreadableInput):
            say(N_("{ref}: cannot read: {problem}", ref=item.ref, problem=item.problem))
            summary.unreadable += 1
        elif isinstance(item, PassedOver):
            say(N_("{ref}: skipped: {why}", ref=item.ref, why=item.why))
        elif item.is_mail:
            continue
        elif item.explicit:
            say(N_("{ref}: not an e-mail message, not stored", ref=item.ref))
            summary.not_mail += 1
        else:
            say(N_("{ref}: skipped, not an e-mail message", ref=item.ref))


def _store(runner: Runner, box: InboxAcceptor, mails: list[Mail]) -> list[Accepted]:
    """One transaction for the chunk: its commit is the acknowledgement. Files and
    folders are an import (bulk: an old or undated message of it is not answered);
    standard input is an MTA's pipe, live mail."""
    items = [
        Incoming(_content(m), "ingest", m.ref, _envelope_from(m), bulk=m.ref != "-") for m in mails
    ]
    return box.accept_many(items, now=runner.clock.now()) if items else []


def _envelope_from(mail: Mail) -> str | None:
    """The envelope sender an MTA's pipe or an mbox's From_ line named (a message with no
    From is theirs)."""
    return mail.envelope_from if isinstance(mail, RawInput) else None


def _content(mail: Mail) -> bytes | MessageFile:
    return mail.raw if isinstance(mail, RawInput) else MessageFile(mail.path, mail.size)


def _store_readable(
    runner: Runner,
    box: InboxAcceptor,
    staged: _Staged,
    summary: IngestSummary,
    say: Callable[[Msg], None],
) -> list[Accepted]:
    """:func:`_store`; a file left on disk that cannot be read, or that changed while
    it was stored, rolls the chunk back (MessageFileError): it is reported as
    unreadable and the rest of the chunk stored without it."""
    while True:
        try:
            return _store(runner, box, staged.mails)
        except MessageFileError as exc:
            gone = next(
                n
                for n, m in enumerate(staged.mails)
                if isinstance(m, FileInput) and m.path == exc.path
            )
            say(
                N_("{ref}: cannot read: {problem}", ref=staged.mails[gone].ref, problem=exc.problem)
            )
            summary.unreadable += 1
            del staged.mails[gone], staged.parses[gone]


def _parse_stored_files(
    runner: Runner,
    box: InboxAcceptor,
    ahead: ParseAhead,
    staged: _Staged,
    accepted: Sequence[Accepted],
) -> None:
    """The parses of the files left on disk that were just stored as new rows, from
    their slim copies (made from the rows, a window at a time)."""
    for n, (mail, acc) in enumerate(zip(staged.mails, accepted, strict=True)):
        if isinstance(mail, FileInput) and not acc.duplicate:
            staged.parses[n] = _parse_stored(runner, box, ahead, acc.inbox_id)


def _parse_stored(
    runner: Runner, box: InboxAcceptor, ahead: ParseAhead, inbox_id: int
) -> Future[Ahead | None] | None:
    """A stored row's parse from its slim copy, or None: nothing to slim (the runner
    parses the whole, which it then reads from the row), or the row cannot be read
    now (the runner reads it, or defers it, as any row)."""
    try:
        with box.stored(inbox_id) as stored:
            if stored is None:
                return None
            prepared = prepare_windows(Windows(stored.read, stored.size), stored.sha256)
    except TransientError:
        return None
    if prepared is None:
        return None
    small = runner.parser is None or not runner.parser.isolates(prepared.slimmed.data)
    return ahead.submit_prepared(prepared, or_inline=small)


def _process_chunk(
    runner: Runner,
    mails: Sequence[Mail],
    accepted: Sequence[Accepted],
    parses: Sequence[Future[Ahead | None] | None],
) -> Iterator[Msg]:
    """One line per input, in order. New rows go to the runner a few at a time
    (:meth:`Runner.process_together`: one commit for several rows); a duplicate,
    whose row may be done already, on its own."""
    budget = runner.settings.limits.processing_budget.total_seconds()
    waiting: list[tuple[Mail, Accepted, RowInput]] = []

    def together() -> Iterator[Msg]:
        outcomes = runner.process_together([row for _, _, row in waiting])
        for (mail, acc, _), outcome in zip(waiting, outcomes, strict=True):
            yield _said(mail.ref, acc, outcome)
        waiting.clear()

    for mail, acc, parse in zip(mails, accepted, parses, strict=True):
        if acc.duplicate:
            yield from together()
            yield _process(runner, mail, acc, parse)
            continue
        # a new row holds exactly these bytes, so the claim need not read them back (a
        # file left on disk: the claim leaves them in the row until a stage asks)
        raw = mail.raw if isinstance(mail, RawInput) else None
        done = result_or_none(parse, budget)
        row = RowInput(acc.inbox_id, None, raw)
        if done is not None:
            row = RowInput(acc.inbox_id, done.parsed, raw, done.foresight)
        waiting.append((mail, acc, row))
        if len(waiting) >= TOGETHER:
            yield from together()
    yield from together()


def _process(runner: Runner, mail: Mail, acc: Accepted, parse: Future[Ahead | None] | None) -> Msg:
    """What became of one stored input; states and the runner's reason as recorded."""
    ref = mail.ref
    if acc.duplicate:
        with transaction(runner.sessions) as s:
            row = s.get(InboxRow, acc.inbox_id)
            state = row.state if row else "?"
            ticket = _ticket(row.ticket_id if row else None)
        if state != "pending":
            if parse is not None:
                parse.cancel()
            return N_(
                "{ref}: already stored as inbox #{id} ({state}{ticket}), nothing new",
                ref=ref,
                id=acc.inbox_id,
                state=state_said(state),
                ticket=ticket,
            )
    budget = runner.settings.limits.processing_budget.total_seconds()
    # a new row holds exactly these bytes, so the claim need not read them back (a
    # duplicate's row may hold other bytes under a looser duplicate rule: read those)
    raw = mail.raw if isinstance(mail, RawInput) and not acc.duplicate else None
    done = result_or_none(parse, budget)
    outcome = runner.process_one(acc.inbox_id, done.parsed if done is not None else None, raw)
    return _said(ref, acc, outcome)


def _said(ref: str, acc: Accepted, outcome: RowOutcome) -> Msg:
    """What the runner made of a stored input, as the line a person reads; its reason
    in the reader's words where the runner said them, else the English record."""
    reason = outcome.reason if outcome.said is None else outcome.said
    if outcome.state is None:
        return N_(
            "{ref}: stored as inbox #{id}, processing deferred ({reason})",
            ref=ref,
            id=acc.inbox_id,
            reason=reason,
        )
    return N_(
        "{ref}: stored as inbox #{id}: {state}{ticket} ({reason})",
        ref=ref,
        id=acc.inbox_id,
        state=state_said(outcome.state.value),
        ticket=_ticket(outcome.ticket_id),
        reason=reason,
    )


def _ticket(ticket_id: int | None) -> Msg | str:
    return N_(", ticket #{id}", id=ticket_id) if ticket_id else ""
