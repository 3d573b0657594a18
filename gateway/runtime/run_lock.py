"""``daemon.lock``, taken as soon as ``run`` has read its settings, and kept across the
lean re-exec (:mod:`gateway.runtime.cli.run`).

The daemon took its lock only once the re-executed interpreter had imported
everything, seconds after the start on a busy machine: a monitoring check run during
the deploy then found no daemon and no database, and said "no gateway database" (the
line for a command run in the wrong folder) while the daemon was about to make it. The
first process takes the lock and hands its descriptor on through the exec (a flock
belongs to the open file, which the exec keeps); the daemon adopts it, writing its own
word in it, and ``status`` sees a starting daemon from the first moment.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from typing import IO

from gateway.config.settings import Settings
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_
from gateway.core.os_errors import os_error
from gateway.receive import pipe

ENV_LOCK_FD = "TICKET_GATEWAY_DAEMON_LOCK_FD"  # the descriptor handed on through the exec


def take(settings: Settings) -> IO[str]:
    """The daemon lock, or the configuration error that says why not (exit 78)."""
    path = str(pipe.lock_path(settings.gateway.data_dir))
    try:
        return pipe.hold_daemon_lock(settings.gateway.data_dir)
    except BlockingIOError:  # flock's EWOULDBLOCK: held
        said = N_("another ticket-gateway run holds {path}", path=path)
        raise ConfigError(settings.source, "gateway.data_dir", said) from None
    except OSError as exc:  # a data folder this user may not write, read-only storage …
        said = N_("cannot write {path}: {error}", path=path, error=os_error(exc))
        raise ConfigError(settings.source, "gateway.data_dir", said) from None


def hand_on(lock: IO[str]) -> None:
    """A copy of ``lock``'s descriptor kept open through an exec, for :func:`adopt` on
    the other side (``lock`` itself closes at the exec; the copy holds the flock)."""
    fd = os.dup(lock.fileno())
    os.set_inheritable(fd, True)
    os.environ[ENV_LOCK_FD] = str(fd)


def take_back() -> None:
    """Close the copy :func:`hand_on` made if nobody adopted it (``run`` stopped before
    its daemon started, in a process that was not replaced)."""
    given = os.environ.pop(ENV_LOCK_FD, "")
    if given.isdigit():
        with contextlib.suppress(OSError):  # closed already: nothing to give back
            os.close(int(given))


def adopt(settings: Settings) -> IO[str] | None:
    """The lock :func:`hand_on` passed on, if it is this data folder's and holds its
    flock (its word made this process's, no longer inherited by children); None when
    none was, or the descriptor named is another (then :func:`take` decides)."""
    given = os.environ.pop(ENV_LOCK_FD, "")
    if not given.isdigit():
        return None
    fd = int(given)
    try:
        held, there = os.fstat(fd), os.stat(pipe.lock_path(settings.gateway.data_dir))
    except OSError:
        return None
    if (held.st_dev, held.st_ino) != (there.st_dev, there.st_ino):
        return None  # not our lock: leave that descriptor alone
    try:  # the environment is the caller's: the file open is not the lock held (a
        # shell's "exec 9>>daemon.lock" beside a running daemon); the handed-on copy
        # holds it already, and taking it again is then a no-op
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return None  # held by another open of it (take() says who), or no lock at all
    os.set_inheritable(fd, False)
    lock = os.fdopen(fd, "a+")
    pipe.note_holder(lock)
    return lock
