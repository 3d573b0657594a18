"""Name where a psycopg connection that nobody closed was opened.

psycopg warns ("… was deleted while still open") when the garbage collector takes an
open connection, which happens in whatever test runs then: a full run failed
``test_wrap`` that way (once in four on 2026-12-06), and neither the warning nor the
test said which code had opened it. Each connection made in the test process records
the test running and the repository's frames that opened it; one collected open then
says both in its warning, which the run's warnings summary shows."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import FrameType
from typing import Any
from warnings import warn

ROOT = str(Path(__file__).resolve().parents[2])
FRAMES = 8  # the repository's innermost frames kept: enough to name the caller's caller


def opened_where() -> str:
    """The running test and the repository's frames that lead here, innermost first;
    cheap (no source lines read) because every connection of the suite records it."""
    frame: FrameType | None = sys._getframe(2)
    found: list[str] = []
    while frame is not None and len(found) < FRAMES:
        name = frame.f_code.co_filename
        if name.startswith(ROOT) and "/.venv/" not in name:
            found.append(f"{name[len(ROOT) + 1 :]}:{frame.f_lineno}")
        frame = frame.f_back
    test = os.environ.get("PYTEST_CURRENT_TEST", "outside a test")
    return f"{test}, at {' < '.join(found) or 'no frame of ours'}"


def install() -> None:
    """Wrap ``psycopg.Connection``'s start and collection (no-op without psycopg)."""
    try:
        import psycopg
    except ImportError:
        return
    cls = psycopg.Connection
    if getattr(cls, "_opened_where_installed", False):
        return
    start, collected = cls.__init__, cls.__del__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        start(self, *args, **kwargs)
        self._opened_where = opened_where()

    def __del__(self: Any, *args: Any) -> None:
        if hasattr(self, "pgconn") and not self.closed and not hasattr(self, "_pool"):
            where = getattr(self, "_opened_where", "unknown")
            warn(
                f"a psycopg connection opened in {where} was deleted while still open",
                ResourceWarning,
                stacklevel=1,
            )
        collected(self, *args)

    cls.__init__ = __init__  # type: ignore[method-assign]
    cls.__del__ = __del__  # type: ignore[method-assign]
    cls._opened_where_installed = True  # type: ignore[attr-defined]
