"""Command actions given what no program can take, or programs that are no programs:
each attempt ends said as such, never as the worker's own bug."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from gateway.actions.command import run_command
from gateway.actions.outcome import Verdict


@pytest.mark.parametrize("argument", ["a\0b", "\ud800x"])
def test_an_argument_no_program_can_get_fails_the_attempt_not_the_worker(
    tmp_path: Path, argument: str
) -> None:
    """A NUL or a lone surrogate in argv (a catalog loaded before its check refused
    them): Popen raised ValueError, which the worker took for its own bug ("internal
    error: ValueError: embedded null byte"). It cannot start, and is said so."""
    attempt = run_command(
        ["/bin/echo", argument], b"{}", workdir=tmp_path, timeout=5, limit=4096, key="k"
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
