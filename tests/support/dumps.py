"""Asking whether our processes are dumpable (gateway.core.dumps), from inside.

From outside it cannot be seen here: ``/proc/<pid>/status`` has no such field, the
owner of ``/proc/<pid>/environ`` says it only for a process of another user than root
(and the interpreter under test may be root's alone), and the sandboxes the tests run
in let a root without ``CAP_SYS_PTRACE`` read a non-dumpable process's environment
anyway. So each interpreter started with :func:`reporting_env` says it itself when
asked (:func:`ask`; ``dumps_hook/sitecustomize.py``, no line of ours), once it is
past its start: what it says is what it is from
:func:`~gateway.core.dumps.forbid_dumps` on (nothing of ours sets the flag back).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.support.waiting import eventually

HOOK = Path(__file__).parent / "dumps_hook"


def reporting_env(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` for a process whose interpreters (its own and all below) report into
    ``folder``."""
    path = os.pathsep.join(p for p in (str(HOOK), env.get("PYTHONPATH", "")) if p)
    return {**env, "PYTHONPATH": path, "DUMPS_REPORT_DIR": str(folder)}


def ask(folder: Path, pids: list[int]) -> dict[int, tuple[bool, str]]:
    """pid → (dumpable now, its command line), for each of ``pids`` (started with
    :func:`reporting_env` into ``folder``, and past their start)."""
    for pid in pids:
        os.kill(pid, signal.SIGUSR2)
    assert eventually(lambda: set(pids) <= set(reports(folder))), reports(folder)
    return {pid: found for pid, found in reports(folder).items() if pid in pids}


def reports(folder: Path) -> dict[int, tuple[bool, str]]:
    """pid → (dumpable, its command line), for every process that reported."""
    found = {}
    for f in folder.glob("[0-9]*[0-9]"):
        flag, command = f.read_text(encoding="utf-8").rstrip("\n").split(" ", 1)
        found[int(f.name)] = (flag != "0", command)
    return found


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` now, children first."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        below = [child for child, parent in parents.items() if parent in frontier]
        found += below
        frontier = below
    return found
