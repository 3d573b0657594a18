"""Issue #18: accepting writers go before the runner's next row (store.turnstile)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from store.turnstile import Turnstile, TurnstileBusy
from tests.support.waiting import PATIENCE


def test_the_runner_waits_while_an_accepting_writer_holds_the_turnstile(tmp_path: Path) -> None:
    db = str(tmp_path / "gateway.db")
    writer, runner = Turnstile(db), Turnstile(db)  # two opens, as two threads or processes
    passed = threading.Event()
    try:
        with writer.first():
            thread = threading.Thread(target=lambda: (runner.wait_turn(600), passed.set()))
            thread.start()
            assert not passed.wait(0.3)  # held: the runner starts no row
        assert passed.wait(PATIENCE)  # released: it goes on at once
        thread.join(PATIENCE)
        runner.wait_turn()  # nobody accepting: no wait at all
    finally:
        writer.close()
        runner.close()


def test_overlapping_holds_keep_the_runner_waiting_until_the_last_ends(tmp_path: Path) -> None:
    """An SMTP session's DATA and the writer's commit overlap; the turnstile is free
    only when both are done (the holds of one user are counted)."""
    db = str(tmp_path / "gateway.db")
    writer, runner = Turnstile(db), Turnstile(db)
    passed = threading.Event()
    try:
        session = writer.expecting()
        session.__enter__()
        thread = threading.Thread(target=lambda: (runner.wait_turn(600), passed.set()))
        with writer.first():  # the commit, while the session still expects
            thread.start()
        assert not passed.wait(0.3)  # the commit ended, the session has not
        session.__exit__(None, None, None)
        assert passed.wait(PATIENCE)
        thread.join(PATIENCE)
    finally:
        writer.close()
        runner.close()


def test_a_runner_waits_no_longer_than_its_bound(tmp_path: Path) -> None:
    """A trickling client (or a flood) slows processing but never stops it."""
    db = str(tmp_path / "gateway.db")
    writer, runner = Turnstile(db), Turnstile(db)
    try:
        with writer.expecting():
            runner.wait_turn(0.05)  # returns: the bound is up, held or not
            with runner.row():  # and the row may write: the write lock is free
                pass
    finally:
        writer.close()
        runner.close()


def test_the_turnstile_file_is_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        gate = Turnstile(str(tmp_path / "gateway.db"))
        with gate.row():
            pass
        gate.close()
    finally:
        os.umask(old)
    for name in ("gateway.db-turnstile", "gateway.db-writelock"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_a_runner_sees_a_waiting_writer_without_holding_it_up(tmp_path: Path) -> None:
    """``waiting()`` is what ends a group of rows before its next one: true while an
    accepting writer holds the turnstile, and looking never keeps a writer out."""
    db = str(tmp_path / "gateway.db")
    writer, runner = Turnstile(db), Turnstile(db)
    try:
        assert not runner.waiting()
        with writer.expecting():
            assert runner.waiting()
        assert not runner.waiting()
        entered, hold = threading.Event(), writer.expecting()
        thread = threading.Thread(target=lambda: (hold.__enter__(), entered.set()))
        thread.start()
        assert entered.wait(PATIENCE)  # the look let go of the lock at once
        thread.join(PATIENCE)
        assert runner.waiting()
        hold.__exit__(None, None, None)
        assert not runner.waiting()
    finally:
        writer.close()
        runner.close()


def test_the_hold_at_data_is_taken_when_free_and_never_waited_for(tmp_path: Path) -> None:
    """An SMTP session's DATA holds the turnstile when it is free (the runner then waits),
    and when another process holds it, goes on at once rather than block the listener."""
    db = str(tmp_path / "gateway.db")
    session, other, runner = Turnstile(db), Turnstile(db), Turnstile(db)
    try:
        with session.expecting_if_free():
            assert runner.waiting()
            with session.expecting_if_free(), session.first():  # counted with ours
                assert runner.waiting()
            assert runner.waiting()
        assert not runner.waiting()
        with other.first():  # another process accepts, and holds until this block ends
            # goes on at once: waiting would last until ``other`` lets go, after this block
            # (no wall-clock bound, which a loaded machine breaks; a thread, so that a
            # session that waits fails the test instead of hanging it)
            entered = threading.Event()

            def at_data() -> None:
                with session.expecting_if_free():
                    entered.set()

            thread = threading.Thread(target=at_data)
            thread.start()
            went_on = entered.wait(PATIENCE)
        thread.join(PATIENCE)
        assert went_on, "the session waited for the other process's hold"
        assert not runner.waiting()  # nothing left held by the session
    finally:
        for t in (session, other, runner):
            t.close()


def test_a_bounded_first_gives_up_on_either_lock_and_holds_nothing_after(tmp_path: Path) -> None:
    """``first(within=)`` (the Slack form's accept, which must answer in 3 s) waits for
    the turnstile and for the write lock a row holds no longer than it is told, and,
    having given up, holds neither: the next writer goes in at once."""
    db = str(tmp_path / "gateway.db")
    other, bounded = Turnstile(db), Turnstile(db)
    try:
        for held in (other.expecting, other.row):
            with held(), pytest.raises(TurnstileBusy), bounded.first(within=0.05):
                pytest.fail("went in while the other held it")
            with other.first(within=0.05):  # free again, on both locks
                pass
        with bounded.first(within=0.05):
            pass
    finally:
        other.close()
        bounded.close()
