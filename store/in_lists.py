"""``IN`` lists cut to a length every database takes.

A statement may bind only so many values: SQLite refuses one with more than
``SQLITE_MAX_VARIABLE_NUMBER`` of them (32 766 in its own builds since 3.32; a
build may set it lower or higher) and PostgreSQL's protocol carries at most
65 535. A list of ids read from the store (the pending tickets the stale rule
reads, a quarter's force-closes, every message a merge moves) grows with it: past
the limit the board, the digest and ``stats`` would fail. A statement whose list
can grow with the store runs once per chunk of it, its callers joining the rows
(and sorting them again where the order spans chunks). One chunk size for all of
them, here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# Policy: values bound per statement. Well below 32 766 with the statement's other
# values (SQLite before 3.32 took 999, but the store writes with RETURNING: 3.35 at
# least), and large enough that the board of a store of some thousand open tickets
# still asks each question once (tests/test_board_queries.py counts its statements)
CHUNK = 5000


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` in order, ``size`` at a time (none for none)."""
    found = list(values)
    for start in range(0, len(found), size):
        yield found[start : start + size]
