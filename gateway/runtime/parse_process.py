"""The daemon's parse process (:mod:`gateway.runner.parse_pipe`), with the memory
set-up of the daemon's other processes: glibc gives a big message's blocks back
after its parse, so the process stays near the 23 MB of the parser's imports."""

from __future__ import annotations

import signal
import sys

if __name__ == "__main__":
    # Ctrl-C in a terminal reaches the whole foreground group: it is for the daemon,
    # which stops its processes in order (this one by the end of its pipe), not a
    # KeyboardInterrupt traceback here. Ignored before the parser's imports, which
    # take a second or more on a loaded machine: a Ctrl-C while they ran was one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from gateway.core.dumps import forbid_dumps

    forbid_dumps()  # exec made it dumpable again: see gateway.core.dumps

from gateway.core.resources import module_command
from gateway.runner.parse_pipe import serve
from gateway.runtime.memory import give_memory_back

COMMAND = module_command("gateway.runtime.parse_process", lean=True)

if __name__ == "__main__":
    give_memory_back()
    serve(sys.stdin.buffer, sys.stdout.buffer)
