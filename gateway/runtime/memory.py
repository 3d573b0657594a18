"""glibc's allocator, told to give memory back: the daemon's RSS near what it uses.

Python allocates every object above 512 bytes, and every message's bytes, with
``malloc``. glibc's defaults suit a short program, not a daemon that handles a
2 MB message now and then among many small ones: each thread that allocates gets
its own arena (up to 8 per core), memory freed in one is not reused by another,
and the threshold above which a block is mapped on its own (and unmapped when
freed) grows after each such free, up to 32 MB, so that later big messages land
in the heap and stay there. Issue #14 measured a daemon of a dozen threads at
twice the memory it used; issue #18 asks for all the daemon's processes together
under 200 MB. The settings are a table; each is a ``mallopt`` call, a no-op off
glibc.
"""

from __future__ import annotations

import ctypes

MALLOPT: tuple[tuple[int, int, str], ...] = (
    # (parameter, value, why)
    (-8, 2, "M_ARENA_MAX: two heaps for all threads, so freed memory is reused"),
    (-3, 256 * 1024, "M_MMAP_THRESHOLD: a block this big is mapped alone, unmapped when freed"),
    (-1, 1024 * 1024, "M_TRIM_THRESHOLD: free heap top beyond this goes back to the system"),
)


def give_memory_back() -> None:
    """Apply :data:`MALLOPT` (fixing a threshold also ends glibc's moving of it)."""
    try:
        libc = ctypes.CDLL(None)
        for parameter, value, _why in MALLOPT:
            libc.mallopt(ctypes.c_int(parameter), ctypes.c_int(value))
    except (OSError, AttributeError):
        pass
