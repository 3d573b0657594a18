"""The drain lock, and how a pipe makes sure a drainer will process its message.

``ingest -`` without a running daemon stores its message and exits; a detached
drainer (:mod:`gateway.runtime.drain`) processes it. This module is the pipe's
side of that hand-off and the lock both sides share: ``<data_dir>/drain.lock``,
taken with ``flock`` by whoever drains. The race itself (why no message is left
without a drainer) is argued in :mod:`gateway.runtime.drain`.

The pipe hands its *locked* file to the drainer it starts (the same open file,
inherited): ``flock`` locks belong to the open file, so the lock passes from
pipe to drainer without a moment in which it is free, and a second pipe of a
burst cannot start a second drainer meanwhile. The pipe then closes its copy,
which releases nothing while the drainer holds the other.

Stdlib only, and ``subprocess`` only when a drainer is actually started: this
runs in every piped delivery, after the commit that acknowledges it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from gateway.core.flocks import try_lock as try_lock  # the drainer asks it of this module
from gateway.core.folders import private_folder
from gateway.core.i18n import Msg
from gateway.core.os_errors import os_error
from gateway.core.resources import module_command

LOCK_NAME = "drain.lock"
LOG_NAME = "drain.log"  # the drainers' stderr: their log lines, and a traceback if one dies
LOG_KEEP = 1 << 20  # bytes; a bigger log is moved to drain.log.1 when a drainer starts
PRIVATE = 0o600  # they sit beside the database, in a folder that is private too


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


def log_path(data_dir: Path) -> Path:
    return data_dir / LOG_NAME


def open_private(path: Path, flags: int) -> int:
    """``path`` opened (created if missing) as a file only its owner may read, whatever
    the umask: 0600 is what ``open`` asks for, and a umask could take more away."""
    private_folder(path.parent)
    fd = os.open(path, flags | os.O_CREAT | os.O_CLOEXEC, PRIVATE)
    try:
        if os.fstat(fd).st_mode & 0o777 != PRIVATE:
            os.fchmod(fd, PRIVATE)
    except OSError:
        os.close(fd)
        raise
    return fd


def open_lock(data_dir: Path) -> int:
    return open_private(lock_path(data_dir), os.O_RDWR)


def unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)


def drain_running(data_dir: Path) -> bool:
    """True while some process holds the drain lock in ``data_dir``. For observers
    only: a pipe must not ask and then act (the answer may be stale at once);
    :func:`ensure_drainer` takes the lock instead."""
    if not lock_path(data_dir).exists():
        return False
    fd = open_lock(data_dir)
    try:
        if not try_lock(fd):
            return True
        unlock(fd)
        return False
    finally:
        os.close(fd)


def ensure_drainer(data_dir: Path, config: Path | None) -> Msg | None:
    """After a pipe's commit: make sure a drainer will see the new row.

    The lock is free: nobody drains, so start a drainer and hand it the lock.
    The lock is held: a drainer (or a pipe starting one) holds it, and will
    process the row (see :mod:`gateway.runtime.drain` for why, even at its exit).
    Returns None when one of these holds, else why no drainer could be started;
    the row then stays pending for the next piped message's drainer or ``run``.
    """
    try:
        fd = open_lock(data_dir)
    except OSError as exc:
        return os_error(exc)
    try:
        if not try_lock(fd):
            return None
        start_drainer(data_dir, config, fd)
        return None
    except OSError as exc:  # cannot fork, exec, or open the log: our close frees the lock
        return os_error(exc)
    finally:
        os.close(fd)  # the drainer's inherited copy keeps the lock held


def start_drainer(data_dir: Path, config: Path | None, lock_fd: int) -> None:
    """A drainer in a session of its own, so that neither the MTA (which may kill the
    pipe's process group at a timeout) nor the pipe's exit takes it along. Its
    standard input and output are /dev/null and its stderr is ``drain.log``: an MTA
    reads a pipe command's output until end of file, so nothing the drainer keeps
    open may be one of the MTA's pipes."""
    import subprocess

    command = [*module_command("gateway.runtime.drain"), "--lock-fd", str(lock_fd)]
    if config is not None:
        command += ["--config", str(config)]
    log = _open_log(data_dir)
    try:
        subprocess.Popen(  # our own interpreter and module; no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            pass_fds=(lock_fd,),
            start_new_session=True,
        )
    finally:
        os.close(log)


def _open_log(data_dir: Path) -> int:
    """``drain.log`` for appending; moved to ``drain.log.1`` first once it is big. Only
    the lock holder starts a drainer, so no other starter rotates it meanwhile."""
    path = log_path(data_dir)
    try:
        if path.stat().st_size > LOG_KEEP:
            path.replace(path.with_name(LOG_NAME + ".1"))
    except FileNotFoundError:
        pass
    return open_private(path, os.O_WRONLY | os.O_APPEND)
