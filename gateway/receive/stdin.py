"""Standard input, read whole, or the reason it cannot be: the MTA pipe's one input.

Kept apart and light: the pipe's fast path (:mod:`gateway.runtime.entry`) reads it
before anything heavy is imported, and ``ingest -`` (:mod:`gateway.receive.files`)
reads it the same way, so both answer alike.
"""

from __future__ import annotations

import sys

from gateway.core.i18n import N_

NO_STDIN = N_("standard input is closed or not open for reading")


def standard_input() -> bytes | None:
    """All of standard input, or None when it cannot be read: closed (``<&-``: Python
    then has no ``sys.stdin``) or open for writing only. Either ended in a traceback
    and exit 1, a code no MTA or script reads; the caller says 66 (EX_NOINPUT: an input
    could not be read), as the README promises."""
    stream = sys.stdin
    if stream is None:
        return None
    try:
        return stream.buffer.read()
    except OSError:
        return None
