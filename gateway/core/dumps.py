"""Our processes are not dumpable: ``prctl(PR_SET_DUMPABLE, 0)``.

A command action (``[actions]``), and anything else that runs as the daemon's user,
could otherwise read ``/proc/<pid>/environ`` and ``/proc/<pid>/mem`` of the daemon and
of its processes, or attach with ``ptrace``: the environment holds
``TICKET_GATEWAY_SECRET``, a database URL with its password, IMAP and relay
passwords. A process that is not dumpable has its ``/proc/<pid>`` files owned by
root, and the kernel lets only a process with ``CAP_SYS_PTRACE`` read its memory or
environment or attach to it; nor does it leave a core dump full of secrets.

The flag is inherited by a fork and reset by ``execve``: so every process of ours
that starts an interpreter (the daemon, its processing and parse processes, the
drainer, the forkservers' workers) calls :func:`forbid_dumps` first thing, and a
command action, a new program, is dumpable again but cannot look into its parent.
Standard library only: the MTA pipe's cold start imports it. Linux only; elsewhere
a no-op (``prctl`` is Linux's).
"""

from __future__ import annotations

import ctypes
import sys

PR_GET_DUMPABLE = 3  # <linux/prctl.h>
PR_SET_DUMPABLE = 4


def forbid_dumps() -> None:
    """Make this process non-dumpable (Linux); quietly nothing where that is not
    possible: the gateway runs on, as it did before this protection."""
    prctl = _prctl()
    if prctl is not None:
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def dumpable() -> bool | None:
    """Whether this process is dumpable; None where the question has no answer."""
    prctl = _prctl()
    if prctl is None:
        return None
    answer = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)
    return None if answer < 0 else answer != 0


def _prctl() -> ctypes._NamedFuncPointer | None:
    if not sys.platform.startswith("linux"):
        return None
    # the process's own symbols (dlopen(NULL)), where the C library's prctl is: not
    # ctypes.util.find_library, whose import and ldconfig run cost every start of ours,
    # the MTA pipe's cold one included, milliseconds (issue #18)
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        try:
            prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
        except (OSError, AttributeError):
            return None
    prctl.restype = ctypes.c_int
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return prctl
