"""A processing child whose parser never ends on a message marked ``X-Slow: yes``,
and whose parse process dies at once, so that every row is parsed in the child
itself (as when that process cannot run): it stands for a parser path we do not
know yet, so that the daemon's budget kill (:mod:`gateway.runtime.processing`)
can be seen to work where the parse process's own bound (tests/test_parse_pipe.py)
does not reach."""

from __future__ import annotations

import sys
import time

from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.message import parse_message
from gateway.runner import budget
from gateway.runtime import parse_process, processing_child

GONE = (sys.executable, "-c", "pass")  # a parse process that ends before it answers


def _parse(raw: bytes) -> ParsedMessage:
    if b"\nX-Slow: yes" in raw:
        time.sleep(600)
    return parse_message(raw)


if __name__ == "__main__":
    budget.parse_message = _parse  # type: ignore[assignment]
    parse_process.COMMAND = GONE
    processing_child.main(int(sys.argv[1]))
