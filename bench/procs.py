"""The benches' view of a process tree, read from Linux's ``/proc``: whose child each
process is, how much memory it holds and how much CPU it has used.

A daemon's figures are those of all its processes together (the listener, the
processing child, its parse process), so the benches read the whole tree the same
way, every few milliseconds for the peak memory and before and after a run for
the CPU each process spent.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Proc:
    parent: int
    rss: int  # resident bytes
    cpu: float  # seconds, user + system


def snapshot() -> dict[int, Proc]:
    """Every process now (one that ends while it is read is left out)."""
    found: dict[int, Proc] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()  # the name may hold spaces
        except OSError:
            continue
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        found[int(entry)] = Proc(int(fields[1]), int(fields[21]) * PAGE, cpu)
    return found


def tree(pid: int, procs: dict[int, Proc] | None = None) -> list[int]:
    """``pid`` and all its descendants."""
    procs = snapshot() if procs is None else procs
    children: dict[int, list[int]] = {}
    for child, proc in procs.items():
        children.setdefault(proc.parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in procs:
            found.append(p)
        todo += children.get(p, [])
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants."""
    procs = snapshot()
    return sum(procs[p].rss for p in tree(pid, procs))


def tree_cpu(pid: int, role: Callable[[int], str]) -> dict[str, float]:
    """CPU seconds so far of ``pid`` and its descendants, summed by ``role(pid)``."""
    procs = snapshot()
    roles: dict[str, float] = {}
    for p in tree(pid, procs):
        roles[role(p)] = roles.get(role(p), 0.0) + procs[p].cpu
    return roles


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


class PeakRss(threading.Thread):
    """The peak of :func:`tree_rss` until ``done`` is set, sampled every ``every`` s."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak = pid, every, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.peak = max(self.peak, tree_rss(self.pid))
