"""Issue #18: accepting writers go before the runner's next row (store.turnstile)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from store.turnstile import Turnstile


def test_the_runner_waits_while_an_accepting_writer_holds_the_turnstile(tmp_path: Path) -> None:
    db = str(tmp_path / "gateway.db")
    writer, runner = Turnstile(db), Turnstile(db)  # two opens, as two threads or processes
    passed = threading.Event()
    try:
        with writer.first():
            thread = threading.Thread(target=lambda: (runner.wait_turn(), passed.set()))
            thread.start()
            assert not passed.wait(0.3)  # held: the runner starts no row
        assert passed.wait(5)  # released: it goes on at once
        thread.join(5)
        runner.wait_turn()  # nobody accepting: no wait at all
    finally:
        writer.close()
        runner.close()


def test_the_turnstile_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        gate = Turnstile(str(tmp_path / "gateway.db"))
        gate.wait_turn()
        gate.close()
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "gateway.db-turnstile").stat().st_mode)
    assert mode == 0o600
