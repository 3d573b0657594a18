"""A processing child whose parser never ends on a message marked ``X-Slow: yes``:
it stands for a parser path we do not know yet, so that the daemon's budget kill
(:mod:`gateway.runtime.processing`) can be seen to work."""

from __future__ import annotations

import sys
import time

from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.message import parse_message
from gateway.runner import budget
from gateway.runtime import processing_child


def _parse(raw: bytes) -> ParsedMessage:
    if b"\nX-Slow: yes" in raw:
        time.sleep(600)
    return parse_message(raw)


if __name__ == "__main__":
    budget.parse_message = _parse  # type: ignore[assignment]
    processing_child.main(int(sys.argv[1]))
