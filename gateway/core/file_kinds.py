"""What a path names when it is not a regular file, said to a person.

A config or catalog key that wants a file (a TLS ``ca_file`` or certificate, a
holidays file) may be given a named pipe, a device, a socket or a folder: a typo,
or ``/dev/stdin`` from a shell habit. ``Path.is_file()`` is False for all of them
and the message used to be "no such file", which sends the operator looking for a
file that is there. The table below says what it is instead.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from gateway.core.i18n import N_, Msg
from gateway.core.os_errors import os_error

# stat's test of a mode -> what that kind of path is called. One row per kind.
KINDS: tuple[tuple[Callable[[int], bool], Msg], ...] = (
    (stat.S_ISDIR, N_("a folder")),  # a folder named where its file was meant
    (stat.S_ISFIFO, N_("a named pipe")),  # mkfifo, or /dev/stdin of a pipeline
    (stat.S_ISCHR, N_("a character device")),  # /dev/null, /dev/tty, /dev/stdin at a terminal
    (stat.S_ISBLK, N_("a block device")),  # a disk: reading it never ends
    (stat.S_ISSOCK, N_("a socket")),  # a daemon's control socket
)


def kind_of(mode: int) -> Msg | None:
    """What a path of ``mode`` (``st_mode``) is, or None for a regular file (or a kind
    no row names)."""
    return next((said for test, said in KINDS if test(mode)), None)


def not_a_file(path: Path) -> Msg | None:
    """Why ``path`` (a link followed) is no regular file this user may read, naming the
    path: missing, a pipe, a device, a socket or a folder, or refused; None when it is."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return N_("no such file: {path}", path=str(path))
    except OSError as exc:  # a name too long, a loop of links, a folder we may not enter
        return N_("cannot read {path}: {error}", path=str(path), error=os_error(exc))
    if stat.S_ISREG(mode):
        if os.access(path, os.R_OK):
            return None
        return N_("cannot read {path}: {error}", path=str(path), error=os_error(PermissionError()))
    kind = kind_of(mode)
    if kind is None:
        return N_("{path} is not a regular file", path=str(path))
    return N_("{path} is {kind}, not a file", path=str(path), kind=kind)
