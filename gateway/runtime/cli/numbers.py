"""Whole-number arguments: a row's number (a ticket, an inbox row, a run) or a count.

``type=int`` took any number, and one past what an id column holds went on to the
query: PostgreSQL refused ``tickets show 3000000000`` ("integer out of range"),
SQLite's driver overflowed past 2**63, and a negative ``--limit`` was an error on
PostgreSQL and "no limit at all" on SQLite, each a traceback or a surprise. These
type refuses such a value where the arguments are read, as argparse refuses
``abc``: a usage error naming the argument, in the CLI's language.
"""

from __future__ import annotations

import argparse

from gateway.core.i18n import N_
from gateway.core.model import MAX_ID
from gateway.runtime.cli.help_language import text


def whole(value: str) -> int:
    """A row's number (a ticket, an inbox row, an action run, an attachment) or a count
    of rows: 0 to :data:`MAX_ID`. A 0 names no row, so the command says "no ticket #0"
    itself, as it says it of any number that has no row."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= MAX_ID:
        raise argparse.ArgumentTypeError(
            text(
                N_(
                    "must be a whole number from {low} to {high}, not {value!r}",
                    low=0,
                    high=MAX_ID,
                    value=value,
                )
            )
        )
    return number
