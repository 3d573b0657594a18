"""multiprocessing's resource tracker, started non-dumpable (:mod:`gateway.core.dumps`).

A forkserver (``ingest``'s parse workers, ``runner_process = false``'s parse worker)
makes sure first of the standard library's resource tracker: a new interpreter
(``python -c "from multiprocessing.resource_tracker import main; main(fd)"``) with
our environment, the gateway secret and the database password in it, and dumpable,
as every program is after ``execve``: any process of the user could read its
``/proc/<pid>/environ`` or attach to it. Its command is the standard library's and
runs none of our code; so we start it ourselves, as the standard library does, with
:func:`~gateway.core.dumps.forbid_dumps` before its ``main``, and the standard
library finds it running and uses it.

That sets two attributes of the tracker that are not public (its pipe and its pid,
as its ``ensure_running`` sets them). Where they are not (another Python), nothing
is done here and the standard library starts its own, dumpable, as before; a test
says so (``tests/test_no_dumps.py``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path

# the folder that holds gateway/: the tracker imports gateway.core.dumps from it
_ROOT = str(Path(__file__).resolve().parents[2])
_COMMAND = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from gateway.core.dumps import forbid_dumps; forbid_dumps(); "
    "from multiprocessing.resource_tracker import main; main({fd})"
)
# blocked while it starts, as the standard library does (bpo-33613): its main ignores
# them, and a Ctrl-C meant for us must not end it before it has
_BLOCKED = {signal.SIGINT, signal.SIGTERM}


def start_tracker() -> None:
    """Start this process's resource tracker non-dumpable, unless one runs already."""
    from multiprocessing import resource_tracker, spawn, util

    tracker = getattr(resource_tracker, "_resource_tracker", None)
    if not all(hasattr(tracker, a) for a in ("_fd", "_pid", "_lock")):
        return
    with tracker._lock:  # type: ignore[union-attr]
        if tracker._fd is not None:  # type: ignore[union-attr]
            return  # running (ours, or the standard library's from before)
        passed = []
        # no standard error: the tracker runs without one, as the standard library's would
        with contextlib.suppress(AttributeError, ValueError, OSError):
            passed.append(sys.stderr.fileno())
        r, w = os.pipe()
        try:
            passed.append(r)
            exe = spawn.get_executable()
            command = _COMMAND.format(root=_ROOT, fd=r)
            args = [exe, *util._args_from_interpreter_flags(), "-c", command]  # type: ignore[attr-defined]
            signal.pthread_sigmask(signal.SIG_BLOCK, _BLOCKED)
            try:
                pid = util.spawnv_passfds(exe, args, passed)  # type: ignore[arg-type]
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, _BLOCKED)
        except BaseException:
            os.close(w)
            raise
        finally:
            os.close(r)
        tracker._fd, tracker._pid = w, pid  # type: ignore[union-attr]
