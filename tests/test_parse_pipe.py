"""The daemon's parse process (issue #18): parses made ahead, in order, and what a
slow or dead process does to the rows waiting on it.

The process is real (``python -m gateway.runner.parse_pipe``, or a stand-in
command that hangs or dies where a test needs it), and the drains are compared,
as in :mod:`tests.test_process_together`, with the same mail processed one by one
on a database of its own.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import BudgetExceeded, TransientError, WorkerDied
from gateway.pipeline.parse.message import parse_message
from gateway.runner import parse_pipe, window
from gateway.runner.budget import Deadline, RowParser
from gateway.runner.parse_pipe import ParsePipe
from gateway.runtime import parse_process, processing
from gateway.runtime.app import App, build
from store import inbox
from tests.support.mailgen import japanese
from tests.support.mails import mail
from tests.support.waiting import eventually
from tests.test_process_together import _FailingParser, _printer_request, _team, drain_beside

WAIT = 30.0  # seconds: generous, a wait that runs out is a failure
BUDGET = 5  # seconds: a row's processing budget where a parse is meant to hang

# A stand-in parse process: answers as the real one, except that it hangs on the
# printer request (as a parse with no end would) or dies after ``n`` answers.
_STAND_IN = """
import os, sys, time
from gateway.runner import parse_pipe as p
from gateway.pipeline.parse.message import parse_message
answered, die_after = 0, int(sys.argv[1])
while (raw := p._read_frame(sys.stdin.buffer)) is not None:
    if answered == die_after:
        os._exit(3)
    if die_after < 0 and b"Subject: Printer" in raw:
        time.sleep(600)
    data = p.pickle.dumps(parse_message(raw))
    sys.stdout.buffer.write(p._FRAME.pack(len(data)) + data)
    sys.stdout.buffer.flush()
    answered += 1
"""


def _stand_in(die_after: int) -> tuple[str, ...]:
    """-1: hangs on the printer request; n >= 0: dies after n answers."""
    return (sys.executable, "-c", _STAND_IN, str(die_after))


def _with_log(size: int) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@customer.test", "support@example.test", "VPN"
    msg.set_content("It fails, the log is attached.\n")
    msg.add_attachment(bytes(range(256)) * (size // 256), "application", "octet-stream")
    return msg.as_bytes()


def _mix() -> list[bytes]:
    """The Japanese fixtures (ISO-2022-JP, Shift_JIS, EUC-JP, UTF-8, attachments),
    plain English, and one with a 600 kB attachment: an answer bigger than a pipe's
    buffer."""
    return [f.raw for f in japanese.FIXTURES] + [mail(), _with_log(600_000)] * 2


def test_parses_come_back_in_order_and_equal_to_parsing_here() -> None:
    """Everything submitted before anything is collected (a big answer must not jam the
    pipes), then collected in order: each the parse this process would make."""
    pipe = ParsePipe()
    try:
        raws = _mix()
        tickets = [pipe.submit(raw) for raw in raws]
        got = [pipe.result(t, WAIT) for t in tickets]
    finally:
        pipe.close()
    assert got == [parse_message(raw) for raw in raws]
    assert len(pipe.started) == 1


def test_a_parse_past_the_budget_is_killed_and_the_rest_fail_as_died() -> None:
    pipe = ParsePipe(_stand_in(-1))
    try:
        first = pipe.submit(mail(subject="Hello", body="Plain.\n"))
        stuck = pipe.submit(mail(subject="Printer jammed"))
        behind = pipe.submit(mail(subject="Hello again"))
        assert pipe.result(first, WAIT).subject == "Hello"
        began = time.monotonic()
        with pytest.raises(BudgetExceeded, match="parsing took longer"):
            pipe.result(stuck, 0.5)
        assert time.monotonic() - began < WAIT
        with pytest.raises(WorkerDied):
            pipe.result(behind, WAIT)
        again = pipe.submit(mail(subject="After"))  # a new process
        assert pipe.result(again, WAIT).subject == "After"
    finally:
        pipe.close()
    assert len(pipe.started) == 2


def test_a_row_parser_parses_inline_what_a_dead_process_left() -> None:
    pipe = ParsePipe(_stand_in(1))
    parser = RowParser.piped(pipe)
    deadline = Deadline.start(FakeClock(), timedelta(seconds=WAIT))
    try:
        raws = _mix()[:6]
        tickets = [pipe.submit(raw) for raw in raws]
        got = [parser.parse(raw, deadline, t) for raw, t in zip(raws, tickets, strict=True)]
    finally:
        parser.close()
    assert got == [parse_message(raw) for raw in raws]


def test_a_process_that_cannot_run_is_not_started_again_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A broken install must not cost a process start per row: after a process died
    young, or could not start, rows are parsed by the caller for a while (None)."""
    for command in ((sys.executable, "-c", "pass"), ("/nonexistent/python",)):
        pipe = ParsePipe(command)
        try:
            first = pipe.submit(mail())
            if first is not None:
                with pytest.raises(WorkerDied):
                    pipe.result(first, WAIT)
            assert eventually(lambda p=pipe: p.submit(mail()) is None, timeout=WAIT)
            assert len(pipe.started) <= 3
        finally:
            pipe.close()
    assert "parsed in this one" in caplog.text


def test_forgotten_parses_are_not_kept() -> None:
    pipe = ParsePipe()
    try:
        tickets = [pipe.submit(raw) for raw in _mix()]
        pipe.forget(tickets[1:])
        pipe.result(tickets[0], WAIT)
        later = pipe.submit(mail(subject="Later"))
        assert pipe.result(later, WAIT).subject == "Later"  # every earlier answer came in
        assert not pipe.held()
    finally:
        pipe.close()


def _piped(app: App, pipe: ParsePipe, settings: Settings | None = None) -> App:
    runner = replace(app.runner, parser=RowParser.piped(pipe), settings=settings or app.settings)
    if app.runner.parser is not None:  # as the processing child: the claims go on open
        app.runner.parser.close()
    return replace(app, runner=runner)


@pytest.mark.parametrize("window_rows", [2, window.WINDOW_ROWS])
def test_a_piped_drain_ends_as_one_by_one(
    settings: Settings, twin: Settings, window_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the parses made in the process (a window of two rows: read, submitted and
    flushed many times over), everything an operator or requester sees is as one by one."""
    monkeypatch.setattr(window, "WINDOW_ROWS", window_rows)
    monkeypatch.setattr(window, "FLUSH_EVERY", max(1, window_rows // 2))
    pipe = ParsePipe()
    one, both = build(_team(settings), FakeClock()), build(_team(twin), FakeClock())
    drain_beside(one, _piped(both, pipe)).assert_same()
    assert pipe.started, "the rows were parsed in the process"


@pytest.mark.parametrize(("die_after", "state"), [(-1, "shunted"), (2, "done")])
def test_a_hung_or_dead_parse_process_costs_one_row_at_most(
    settings: Settings, twin: Settings, die_after: int, state: str
) -> None:
    """A parse that hangs is killed at the row's budget and its row shunted with the
    reason; the rows queued behind it, and every row after a process died, are parsed
    inline and end as one by one."""
    # long enough for a fresh process's start (its imports) on a loaded machine: the
    # first row waits for it
    budget = timedelta(seconds=BUDGET)
    short = replace(_team(twin), limits=replace(twin.limits, processing_budget=budget))
    one, both = build(_team(settings), FakeClock()), build(short, FakeClock())
    both = _piped(both, ParsePipe(_stand_in(die_after)), short)
    if die_after < 0:  # the reference shunts the printer request the same way
        failing = _FailingParser(BudgetExceeded(f"parsing took longer than the {BUDGET:.1f}s left"))
        one = replace(one, runner=replace(one.runner, parser=failing))
    drained = drain_beside(one, both)
    assert [o.state.value if o.state else "pending" for o in drained.printer] == [state]
    if die_after < 0:
        assert "parsing took longer" in drained.printer[0].reason
    drained.assert_same()


def test_a_row_whose_bytes_cannot_be_read_ahead_is_read_alone_and_retried(
    settings: Settings, twin: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window reads the next rows in one transaction; one that fails there (the
    database gone for a moment) does not take the others with it: it is read again on
    its own, and when that fails too it waits for a retry, as a row parsed inline does."""
    error = TransientError("database unavailable: disk I/O error")
    read = inbox.pending_raw

    def flaky(session: Any, inbox_id: int) -> bytes | None:
        raw = read(session, inbox_id)
        if raw is not None and _printer_request(raw):
            raise error
        return raw

    monkeypatch.setattr(inbox, "pending_raw", flaky)
    one, both = build(_team(settings), FakeClock()), build(_team(twin), FakeClock())
    one = replace(one, runner=replace(one.runner, parser=_FailingParser(error)))
    drained = drain_beside(one, _piped(both, ParsePipe()))
    assert [o.state for o in drained.printer] == [None]  # pending: transient
    drained.assert_same()


def test_a_parser_that_raises_answers_with_the_failure_and_the_process_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """parse_message never raises by contract; should it, the answer for that message
    is the failure (its row is shunted with it) and the next message is parsed."""
    import io

    def fragile(raw: bytes) -> Any:
        if b"Subject: Printer" in raw:
            raise ValueError("an unknown shape")
        return parse_message(raw)

    monkeypatch.setattr(parse_pipe, "parse_message", fragile)
    raws = [mail(subject="Printer jammed"), mail(subject="Hello")]
    stdin = io.BytesIO(b"".join(parse_pipe._FRAME.pack(len(r)) + r for r in raws))
    stdout = io.BytesIO()
    parse_pipe.serve(stdin, stdout)
    stdout.seek(0)
    answers = [parse_pipe._loaded(parse_pipe._read_frame(stdout) or b"") for _ in raws]
    assert isinstance(answers[0], RuntimeError) and "an unknown shape" in str(answers[0])
    assert answers[1] == parse_message(raws[1])
    assert isinstance(parse_pipe._loaded(b"not a pickle"), WorkerDied)
    assert isinstance(parse_pipe._loaded(parse_pipe.pickle.dumps("a str")), WorkerDied)


class _Answered:
    """A parse pipe whose every parse is in at once: what :func:`window.ahead` reads
    and when is all that is left to see."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, raw: bytes) -> int:
        self.submitted += 1
        return self.submitted

    def done(self, ticket: int) -> bool:
        return True

    def forget(self, tickets: list[int]) -> None:
        pass


@pytest.mark.parametrize("rows", [1, 5, window.WINDOW_ROWS, 3 * window.WINDOW_ROWS + 7])
def test_the_window_reads_in_few_transactions_and_none_once_every_row_is_read(
    rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows' bytes are read a window at a time, so a drain of n rows opens about
    n / (half a window) read transactions: none for each row handed out once the last
    row was read (each cost the daemon's runner a transaction a row, issue #18)."""
    reads: list[int] = []

    @contextmanager
    def counted(sessions: Any, *, read_only: bool = False) -> Iterator[Any]:
        assert read_only
        reads.append(0)
        yield None

    def pending_raw(session: Any, inbox_id: int) -> bytes:
        reads[-1] += 1
        return b"row %d" % inbox_id

    monkeypatch.setattr(window, "transaction", counted)
    monkeypatch.setattr(inbox, "pending_raw", pending_raw)
    pipe = _Answered()
    ids = list(range(1, rows + 1))
    handed = [
        item[0]
        for item in window.ahead(pipe, None, ids, lambda f: f.raw)  # type: ignore[arg-type]
        if not isinstance(item, window.Flush)
    ]
    assert handed == ids and pipe.submitted == rows
    half = window.WINDOW_ROWS // 2
    assert len(reads) <= 1 + max(0, -(-(rows - window.WINDOW_ROWS) // half))
    assert all(reads), f"a transaction that read nothing: {reads}"


@pytest.mark.parametrize("command", [parse_pipe.COMMAND, parse_process.COMMAND, processing.CHILD])
def test_the_daemons_children_do_not_import_from_the_current_folder(
    command: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python -m`` puts the current folder first on the import path: a daemon started
    where a ``gateway`` folder lies (a checkout of another version, say) would run its
    children on that code. They start with ``-P``, as the drainer does."""
    decoy = tmp_path / "gateway"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("raise ImportError('the decoy in the current folder')\n")
    monkeypatch.chdir(tmp_path)
    interpreter = command[: command.index("-m")]
    found = subprocess.run(
        [*interpreter, "-c", "import gateway; print(gateway.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert not found.stdout.startswith(str(tmp_path))
    if command == parse_process.COMMAND:  # and the daemon's parse process parses there
        pipe = ParsePipe(command)
        try:
            raw = mail()
            assert pipe.result(pipe.submit(raw), WAIT) == parse_message(raw)
        finally:
            pipe.close()


# A stand-in that answers the printer request with a frame that cannot be read (a
# length no answer has: the stream is out of step), then waits to be stopped.
_GARBLED = """
import sys, time
from gateway.runner import parse_pipe as p
from gateway.pipeline.parse.message import parse_message
while (raw := p._read_frame(sys.stdin.buffer)) is not None:
    if b"Subject: Printer" in raw:
        sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]) + b"junk" * 64)
        sys.stdout.buffer.flush()
        time.sleep(600)
    data = p.pickle.dumps(parse_message(raw))
    sys.stdout.buffer.write(p._FRAME.pack(len(data)) + data)
    sys.stdout.buffer.flush()
"""


@pytest.mark.parametrize(
    "head",
    [
        "8005950000000000",  # a pickle's first bytes read as a length: over 2**63
        "0000010000000000",  # 1 TiB: no answer is that big
        "46726f6d3a206140",  # "From: a@": text where a length belongs
    ],
)
def test_an_answer_out_of_step_stops_the_process_and_the_rows_are_parsed_here(
    head: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever the process writes, the reader neither dies with an exception in its
    thread nor waits for bytes that will never come: the process is stopped, the rows
    sent to it fail as WorkerDied (their callers parse them), and the log says why."""
    import threading

    escaped: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_value))
    pipe = ParsePipe((sys.executable, "-c", _GARBLED, head))
    try:
        first = pipe.submit(mail(subject="Hello", body="Plain.\n"))
        garbled = pipe.submit(mail(subject="Printer jammed"))
        behind = pipe.submit(mail(subject="Hello again"))
        assert first is not None and garbled is not None and behind is not None
        assert pipe.result(first, WAIT).subject == "Hello"
        began = time.monotonic()
        for ticket in (garbled, behind):
            with pytest.raises(WorkerDied):
                pipe.result(ticket, WAIT)
        assert time.monotonic() - began < WAIT / 2  # not a budget's wait
        worker = pipe._worker
        assert worker is not None
        assert eventually(lambda: not worker.alive(), timeout=WAIT)
    finally:
        pipe.close()
    assert escaped == []
    assert "out of step" in caplog.text


def test_a_request_out_of_step_ends_the_process_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    """The process's side: a length no request has ends it (the runner parses what it
    sent and starts another), instead of allocating it or reading on."""
    import io

    first = mail(subject="Hello")
    stdin = io.BytesIO(parse_pipe._FRAME.pack(len(first)) + first + b"From: a@b.test\r\n" * 9)
    stdout = io.BytesIO()
    parse_pipe.serve(stdin, stdout)
    stdout.seek(0)
    assert parse_pipe._loaded(parse_pipe._read_frame(stdout) or b"") == parse_message(first)
    assert parse_pipe._read_frame(stdout) is None
    assert "out of step" in capsys.readouterr().err
