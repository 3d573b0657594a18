"""Command actions given what no program can take, or programs that are no programs:
each attempt ends said as such, never as the worker's own bug."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from gateway.actions.command import run_command
from gateway.actions.outcome import Step, Verdict
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, recorded, script
from tests.support.mails import mail
from tests.support.pipeline import deliver


@pytest.mark.parametrize("argument", ["a\0b", "\ud800x"])
def test_an_argument_no_program_can_get_fails_the_attempt_not_the_worker(
    tmp_path: Path, argument: str
) -> None:
    """A NUL or a lone surrogate in argv (a catalog loaded before its check refused
    them): Popen raised ValueError, which the worker took for its own bug ("internal
    error: ValueError: embedded null byte"). It cannot start, and is said so."""
    attempt = run_command(
        ["/bin/echo", argument], b"{}", workdir=tmp_path, timeout=30, limit=4096, key="k"
    )
    assert attempt.verdict == Verdict.PERMANENT and attempt.status is None
    assert str(attempt.error).startswith("cannot start /bin/echo: "), attempt.error


def test_a_document_many_times_the_pipe_reaches_a_slow_reader_whole(tmp_path: Path) -> None:
    """stdin is written without blocking (so a writer can be stopped): every byte of a
    document of 1 MB (a sheet with 100 KB values) still arrives, in order, to a program
    that reads it in small pieces with pauses, the pipe full again and again."""
    body = bytes(range(256)) * 4096
    program = tmp_path / "slow_reader.py"
    program.write_text(
        "import hashlib, sys, time\n"
        "h, n = hashlib.sha256(), 0\n"
        "while chunk := sys.stdin.buffer.read1(1000):\n"
        "    h.update(chunk); n += 1\n"
        "    if n % 200 == 0: time.sleep(0.01)\n"
        "print(h.hexdigest())\n",
        encoding="utf-8",
    )
    attempt = run_command(
        [sys.executable, str(program)], body, workdir=tmp_path, timeout=20, limit=4096, key="k"
    )
    assert attempt.verdict == Verdict.OK, attempt.error
    assert attempt.output.strip() == hashlib.sha256(body).hexdigest()
    assert attempt.unwritten == 0


def test_half_a_character_in_a_sheet_reaches_the_action_as_a_replacement_character(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """``user_id: "\\ud800taro"`` in a request's YAML block: the escape makes a lone
    surrogate, which no database, pipe or mail can hold, and the whole request was
    shunted (no ticket, no answer). It is read as U+FFFD, as undecodable bytes are, and
    the action gets the value so."""
    log = tmp_path / "got.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 60s\nretries: 0"
    app = action_app(settings, clock, tmp_path, action)
    try:
        body = 'Please:\n\n```yaml\nuser_id: "\\ud800taro"\n```\n'
        processed = deliver(app, mail(subject="New account", body=body))
        assert processed.ticket_id is not None, processed.reason
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED, done.error
        [got] = recorded(log)
        assert json.loads(got["stdin"])["fields"]["user_id"] == "\ufffdtaro"
    finally:
        app.close()
