"""A test's eye inside our processes: put on ``PYTHONPATH`` (``-P`` leaves it on the
path), it makes every interpreter started below answer SIGUSR2 (no process of ours
uses it) by writing its dumpable flag and its command line to a file named by its pid
in ``$DUMPS_REPORT_DIR`` (see tests/support/dumps.py). Standard library only; nothing
of ours is imported."""

import ctypes
import os
import signal
import sys

PR_GET_DUMPABLE = 3


def _report(_signum: int, _frame: object) -> None:
    flag = ctypes.CDLL(None).prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)
    path = os.path.join(os.environ["DUMPS_REPORT_DIR"], str(os.getpid()))
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(f"{flag} {' '.join(sys.argv)}\n")
    os.replace(path + ".tmp", path)


if os.environ.get("DUMPS_REPORT_DIR"):
    signal.signal(signal.SIGUSR2, _report)
