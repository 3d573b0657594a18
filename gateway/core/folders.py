"""Folders of ours, private whatever the umask, and so are the parents made for them.

``Path.mkdir(mode=0o700, parents=True)`` gives the mode to the last folder only:
the parents it makes on the way get ``0777 & ~umask`` (as ``mkdir -p`` does), so
under ``umask 000`` they are writable by every local user, who may then rename
the private folder away and put one of their own (with a secret they know) in
its place. Here every folder made is ``0700``, set again after ``mkdir`` because
a umask such as ``0277`` takes away bits we need. Folders that already exist are
left as they are: their mode is their owner's choice.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

PRIVATE_DIR = 0o700

# Why a folder cannot be made for this user: a lasting state of the disk to fix, not a
# value of the configuration (the database's folder is said as "cannot create", 73).
CANNOT_MAKE = frozenset(
    {
        errno.ENOTDIR,  # an ordinary file where a folder on the way must be
        errno.EACCES,  # a folder on the way this user may not write
        errno.EPERM,  # refused whatever the mode (immutable, a security module)
        errno.EROFS,  # read-only storage
    }
)


def private_folder(path: Path) -> Path:
    """Make ``path`` and the parents it lacks, each ``0700``; ``path`` itself when done.
    Raises ``OSError`` when it cannot (a file in the way, a folder we may not write)."""
    missing: list[Path] = []
    current = path
    while not os.path.lexists(current) and current.parent != current:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # made meanwhile by another process: theirs, as it is
            continue
        os.chmod(folder, PRIVATE_DIR)
    if not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    return path


def makeable(path: Path) -> bool:
    """``path`` is not there and :func:`private_folder` could make it: the nearest
    thing on its way that is there is a folder this user may write. A reader that
    must make nothing (a command run in the wrong folder) leaves such a folder unmade,
    and still tries, and says, one that cannot be."""
    if os.path.lexists(path):
        return False
    there = path.absolute().parent
    while not os.path.lexists(there) and there.parent != there:
        there = there.parent
    return there.is_dir() and os.access(there, os.W_OK | os.X_OK)


def sync_folder(folder: Path) -> None:
    """A folder's entries on disk (a name made, renamed or removed in it): without it a
    power cut may take back a mail sent, a backup's rename, or a copy erased."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
