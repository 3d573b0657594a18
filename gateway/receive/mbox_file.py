"""An mbox file's lines, read under a shared lock held only while reading.

Postfix's local(8), procmail and mutt append to a mailbox under an fcntl lock; a
reader takes a shared one, so that it never reads a message half written. It was
held for the whole ingest of the file, while every chunk of its messages was stored
and processed: a delivery to a big mailbox waited minutes for it. Now the lock is
taken for a read and let go each time a message is handed on (:class:`LockedLines`; the
messages are :mod:`.files`' business),
so a delivery waits at most for the reading of one message. Between two reads:

- a writer may append: the read goes on where it stopped, so a message that arrived
  meanwhile is read in this run, whole (it was written under the writer's lock) and
  once;
- a mail reader may write the file again (an expunge) or cut it: the line read last
  is no longer where it was, and the rest of the file is an input that cannot be
  read now (:data:`CHANGED`), left to the next run, never read from a place that
  means nothing now (half a message, or one twice). What was stored stays stored;
  the next run finds it a duplicate;
- a delivery may hold the lock at the next read: the rest waits for the next run
  too (:data:`BEING_WRITTEN`), as a box locked at the first read always did. No
  waiting: a stuck writer must not hold the ingest.
"""

from __future__ import annotations

import errno
import fcntl
import os
from typing import BinaryIO

from gateway.core.i18n import N_

__all__ = ["BEING_WRITTEN", "CHANGED", "Changed", "Held", "LockedLines"]

BEING_WRITTEN = N_("locked by a program writing to it (a delivery); try again later")
CHANGED = N_(
    "changed while it was read (a mail reader wrote it again); the rest is read by the next run"
)
_HELD = (errno.EAGAIN, errno.EACCES)  # what fcntl answers when another process holds it
# Policy: how much of the line read last is compared when the read goes on (a line of
# megabytes is one message's, and its last bytes tell as well as all of it)
COMPARED = 4096


class Held(Exception):
    """Another process holds the mbox's lock for writing."""


class Changed(Exception):
    """The mbox was written again since the last read: what was read is not where it was."""


class LockedLines:
    """The lines of an mbox file (line ends kept), each read under a shared fcntl lock
    that stays until :meth:`release`; the next line takes it again, and first makes
    sure the file still holds, where it was, the line read last."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._locked = False
        self._at = 0  # where the next line begins
        self._last = b""  # the last bytes read (up to COMPARED)

    def __iter__(self) -> LockedLines:
        return self

    def __next__(self) -> bytes:
        if not self._locked:
            self._lock()
        line = self._fh.readline()
        if not line:
            raise StopIteration
        self._at += len(line)
        self._last = line[-COMPARED:]
        return line

    def release(self) -> None:
        """Let a writer in: nothing is read until the next line is asked for."""
        if self._locked:
            fcntl.lockf(self._fh.fileno(), fcntl.LOCK_UN)
            self._locked = False

    def _lock(self) -> None:
        fd = self._fh.fileno()
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in _HELD:
                raise Held from exc
            # a file system without locks: read as before, unlocked
        self._locked = True
        if self._at == 0:
            return
        size = os.fstat(fd).st_size
        where = self._at - len(self._last)
        if size < self._at or os.pread(fd, len(self._last), where) != self._last:
            self.release()
            raise Changed
        self._fh.seek(self._at)  # what the buffer read ahead before may be stale
