"""Whether other users may change what is in the data folder.

What we make there is private whatever the umask (:mod:`gateway.core.folders`), but a
folder that already exists keeps the mode its owner gave it. One that others may write
(``chmod 777``, ``775`` for a group, a ``var`` made by hand under ``umask 000``) lets
them put files of their own where ours go: a ``secret`` before the first start (a key
they know, so they sign reply addresses, and the commands they carry), a database of
their own in place of ours, a link named like a lock. A folder another user owns is
theirs to do that with (they may ``chmod`` it). Reading is the admin's choice, as for
the credential files; writing is not. ``status`` warns of it, and the daemon says it
once at its start; a folder reached through a symbolic link is judged by where it leads.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gateway.core.i18n import N_, Msg

OPEN_TO_WRITE = stat.S_IWGRP | stat.S_IWOTH  # the group, or anyone, may add and replace files


def data_folder_exposure(data_dir: Path) -> Msg | None:
    """Why others may change the files in ``data_dir``, if they may; None for a folder
    only its owner (this user, or root) may write, or one not there yet (made 0700)."""
    try:
        found = data_dir.stat()  # through a link: the folder written to
    except OSError:
        return None
    if found.st_uid not in (os.geteuid(), 0):
        return N_(
            "the data folder {path} belongs to another user (uid {uid}), who may replace "
            "the reply-token key, the database or a lock in it; make it this user's "
            "(chown) with mode 700",
            path=str(data_dir),
            uid=found.st_uid,
        )
    mode = stat.S_IMODE(found.st_mode)
    if not mode & OPEN_TO_WRITE:
        return None
    return N_(
        "the data folder {path} can be written by other users (mode {mode}): they may put "
        "a reply-token key, a database or a lock of their own in it; run: chmod 700 {path}",
        path=str(data_dir),
        mode=format(mode, "04o"),
    )
