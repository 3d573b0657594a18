"""A file as the kernel knows it: what tells a database file put back at its path (a
restore, a deleted data folder) from the one a connection opened. Shared by the
accepting writer (:mod:`store.accept.sqlite`) and the pool's connections
(:mod:`store.sqlite_file`); the standard library alone, for the light commands."""

from __future__ import annotations

import os


def file_identity(path: str) -> tuple[int, int] | None:
    """The file at ``path`` as (device, inode); None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)
