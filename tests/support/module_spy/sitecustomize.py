"""A test's look at what our processes imported: put on ``PYTHONPATH`` (``-P`` leaves it
on the path), it makes every interpreter started below answer SIGUSR2 (no process of
ours uses it) by writing its command line and the names in its ``sys.modules`` to a
file named by its pid in ``$MODULES_REPORT_DIR`` (see tests/support/modules.py), as
tests/support/dumps_hook does for the dumpable flag. Standard library only; nothing
of ours is imported."""

import json
import os
import signal
import sys


def _report(_signum: int, _frame: object) -> None:
    path = os.path.join(os.environ["MODULES_REPORT_DIR"], str(os.getpid()))
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"argv": sys.orig_argv, "modules": sorted(sys.modules)}, f)
    os.replace(path + ".tmp", path)


if os.environ.get("MODULES_REPORT_DIR"):
    signal.signal(signal.SIGUSR2, _report)
