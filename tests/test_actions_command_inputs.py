"""Command actions given what no program can take, or programs that are no programs:
each attempt ends said as such, never as the worker's own bug."""

from __future__ import annotations

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
