"""The daemon's parse process (:mod:`gateway.runner.parse_pipe`), with the memory
set-up of the daemon's other processes: glibc gives a big message's blocks back
after its parse, so the process stays near the 23 MB of the parser's imports."""

from __future__ import annotations

import sys

from gateway.core.resources import module_command
from gateway.runner.parse_pipe import serve
from gateway.runtime.memory import give_memory_back

COMMAND = module_command("gateway.runtime.parse_process")

if __name__ == "__main__":
    give_memory_back()
    serve(sys.stdin.buffer, sys.stdout.buffer)
