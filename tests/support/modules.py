"""What each of a daemon's processes imported, asked from inside (``module_spy``).

A module in ``sys.modules`` cannot be seen from outside (only the mapped extension
modules are in ``/proc/<pid>/maps``), so each interpreter started with
:func:`reporting_env` writes its own list when asked (:func:`ask`), through
``module_spy/sitecustomize.py``, no line of ours.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from tests.support.waiting import eventually

HOOK = Path(__file__).parent / "module_spy"


def reporting_env(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` for a process whose interpreters (its own and all below) report into
    ``folder``."""
    path = os.pathsep.join(p for p in (str(HOOK), env.get("PYTHONPATH", "")) if p)
    return {**env, "PYTHONPATH": path, "MODULES_REPORT_DIR": str(folder)}


def ask(folder: Path, pids: list[int]) -> dict[int, tuple[str, set[str]]]:
    """pid → (its command line, the modules it imported by now), for each of ``pids``
    (started with :func:`reporting_env` into ``folder``, and past their start)."""
    for f in folder.glob("[0-9]*[0-9]"):
        f.unlink()  # an answer of before is no answer
    for pid in pids:
        os.kill(pid, signal.SIGUSR2)
    assert eventually(lambda: {str(p) for p in pids} <= {f.name for f in folder.iterdir()})
    found = {}
    for pid in pids:
        said = json.loads((folder / str(pid)).read_text(encoding="utf-8"))
        found[pid] = (" ".join(said["argv"]), set(said["modules"]))
    return found
