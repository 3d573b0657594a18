"""The ``ticket-gateway`` command in-process: ``main([...])`` with what it printed."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from gateway.runtime.cli.main import main


class Ran(NamedTuple):
    """Exit code and the captured output of one command."""

    code: int
    out: str
    err: str


def run(config: str | Path, *args: str, capsys: pytest.CaptureFixture[str]) -> Ran:
    """``ticket-gateway --config CONFIG ARGS…``; ``capsys`` collects what it printed."""
    code = main(["--config", str(config), *args])
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)
