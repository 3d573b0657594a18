"""The processing child's row board (gateway.runtime.row_board): what the child
posts is what the daemon reads, across processes, and the watch kills only on two
looks that agree (issue #14's budget kill, issue #18's fewer wake-ups)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from gateway.runtime import processing
from gateway.runtime.row_board import RowBoard


def test_a_fresh_board_says_no_row() -> None:
    board = RowBoard.create()
    try:
        assert board.read() == (None, 0.0)
    finally:
        board.close()


def test_what_is_posted_is_read_with_the_time_it_was_taken() -> None:
    board = RowBoard.create()
    try:
        before = time.monotonic()
        board.post(42)
        row, since = board.read() or (None, 0.0)
        assert row == 42 and before <= since <= time.monotonic()
        board.post(None)
        assert board.read() == (None, 0.0)
    finally:
        board.close()


def test_another_process_posts_on_the_board_it_was_passed() -> None:
    """The child gets the board's descriptor as the daemon passes it (pass_fds)."""
    board = RowBoard.create()
    code = (
        "import sys, time; from gateway.runtime.row_board import RowBoard; "
        "b = RowBoard(int(sys.argv[1])); b.post(7); print(time.monotonic())"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(board.fd)],
            pass_fds=[board.fd],
            capture_output=True,
            text=True,
            check=True,
        )
        row, since = board.read() or (None, 0.0)
        # one monotonic clock (the wall clock reads decades away, a child's CPU time
        # the machine's uptime); the child, stopped between posting and printing on a
        # loaded machine (pytest -n 4 on two cores), can be seconds late
        assert row == 7 and abs(since - float(done.stdout)) < 10.0
    finally:
        board.close()


def test_a_read_during_a_write_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """An odd sequence means a write is under way: the read gives up rather than
    return half of it (the look after next sees the finished write)."""
    board = RowBoard.create()
    try:
        board.post(5)
        board._map[0:8] = (3).to_bytes(8, "little")  # a writer stopped halfway
        assert board.read() is None
    finally:
        board.close()


def test_the_watch_names_an_overdue_row_only_when_two_looks_agree() -> None:
    board = RowBoard.create()
    try:
        watch = processing._RowWatch(board)
        board.post(9)
        watch.look()
        assert watch.overdue(0.0) is None  # one look: it could have been torn
        watch.look()
        assert watch.overdue(0.0) == 9
        assert watch.overdue(3600.0) is None  # within the limit
        board.post(10)  # the next row: a new start, so the looks disagree again
        watch.look()
        assert watch.overdue(0.0) is None
        board.post(None)
        watch.look()
        watch.look()
        assert watch.overdue(0.0) is None  # between rows nothing is overdue
    finally:
        board.close()
