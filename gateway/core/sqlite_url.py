"""Which file an SQLite database URL names: the settings anchor a relative one to the
config's folder, and the pipe, the drainer and the inbox writer open it directly. One
reading of the URL for all of them, so they never disagree about where the data is.
Standard library only: the MTA pipe imports it on its cold start."""

from __future__ import annotations

PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")  # the forms SQLAlchemy reads as a file


def sqlite_path(url: str) -> str | None:
    """The file of an SQLite URL as written (relative or absolute), or None for another
    database or an in-memory one."""
    for prefix in PREFIXES:
        if url.startswith(prefix):
            path = url.removeprefix(prefix).split("?", 1)[0]
            return path if path and path != ":memory:" else None
    return None
