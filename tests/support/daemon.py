"""``ticket-gateway run`` in tests: in a thread with a stop event where we can, the
installed console script in a subprocess for signals and a start without config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.runtime import daemon
from tests.support.ports import port_open
from tests.support.waiting import PATIENCE, eventually


def console_script() -> str:
    """The ``ticket-gateway`` executable installed beside this interpreter."""
    found = shutil.which("ticket-gateway", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the ticket-gateway console script is not installed")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the gateway's own variables (a developer's
    ``TICKET_GATEWAY_CONFIG`` must not leak into a subprocess), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKET_GATEWAY_")}
    return {**env, **extra}


def wait_for_port(
    port: int, proc: subprocess.Popen[bytes] | subprocess.Popen[str] | None = None
) -> None:
    """Wait until something listens on ``port``; fail early (with its output) if
    ``proc`` died first."""

    def listening() -> bool:
        assert proc is None or proc.poll() is None, proc.communicate()
        return port_open(port)

    # a start-up wait, over as soon as the port answers (or the daemon dies): 30 s ran
    # out once on a machine loaded far past CI's (two busy loops beside the tests)
    assert eventually(listening, timeout=3 * PATIENCE), "the daemon did not start listening"


@contextmanager
def daemon_thread(config: Path) -> Iterator[tuple[threading.Event, threading.Event, list[int]]]:
    """``daemon.run`` on ``config`` in a thread: yields (ready, stop, [exit code]); on the
    way out it stops the daemon and checks it returned (within the stop bound, and
    PATIENCE more for a loaded machine: a daemon that does not stop never returns)."""
    ready, stop, result = threading.Event(), threading.Event(), []
    thread = threading.Thread(
        target=lambda: result.append(daemon.run(load_settings(config), ready=ready, stop=stop))
    )
    thread.start()
    try:
        yield ready, stop, result
    finally:
        stop.set()
        thread.join(daemon.STOP_BOUND + PATIENCE)
        assert not thread.is_alive()
