"""Room on the disks the gateway writes to, for ``status``.

When the disk under the embedded SQLite database fills up, every door refuses for now
(SMTP ``451``, ``ingest`` exit 75, the IMAP message left on the server) and the mail
waits at its senders: nothing is lost, but nothing comes in either, and the database
cannot even hold a health problem, nor the outbox an alert mail. So ``status``, which a
monitoring system calls, looks at the disks itself, and says so while there is still
room for some mail: less than the room two of the largest accepted mails take (the
write-ahead log, then the database file at its checkpoint) is a problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gateway.config.settings import Settings
from gateway.core.i18n import N_
from gateway.core.sqlite_url import sqlite_path
from gateway.scheduling.health import HealthProblem

COPIES = 2  # of [smtp] max_message_size that must fit: the WAL's, then the file's


@dataclass(frozen=True, slots=True)
class Room:
    folder: Path  # the first of the gateway's folders on this file system
    free: int  # bytes this process may still write there


def folders(settings: Settings) -> list[Path]:
    """Where the gateway writes, in the order they are named: one problem per disk."""
    found: list[Path] = []
    path = sqlite_path(str(settings.database.url))
    if path is not None:  # every mail is committed here before it is acknowledged
        found.append(Path(path).absolute().parent)
    # lock files, the drain's log and (by default) the outbound maildir
    found.append(settings.gateway.data_dir.absolute())
    if settings.outbound.mode == "maildir":  # every outgoing mail is written here
        found.append(settings.outbound.maildir.absolute())
    return found


def rooms(settings: Settings) -> list[Room]:
    """The free room on each file system of :func:`folders` (a folder not made yet is
    judged by the nearest one that is)."""
    seen: set[int] = set()
    out: list[Room] = []
    for folder in folders(settings):
        there = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if there is None:
            continue
        try:
            stat = os.statvfs(there)
            device = os.stat(there).st_dev
        except OSError:  # not ours to look at: the command that writes there will say so
            continue
        if device not in seen:
            seen.add(device)
            out.append(Room(folder, stat.f_bavail * stat.f_frsize))
    return out


def disk_problems(settings: Settings) -> tuple[HealthProblem, ...]:
    """A problem per disk with less room than :data:`COPIES` of the largest mail."""
    need = COPIES * settings.smtp.max_message_size
    return tuple(
        HealthProblem(
            f"disk:{room.folder}",
            N_(
                "the disk holding {folder} has {free} bytes free, less than {copies} times "
                "[smtp] max_message_size ({size} bytes): mail that does not fit is refused "
                "for now (SMTP 451, ingest exit 75, left on the IMAP server) and waits at its "
                "senders; make room on that disk",
                folder=str(room.folder),
                free=room.free,
                copies=COPIES,
                size=settings.smtp.max_message_size,
            ),
        )
        for room in rooms(settings)
        if room.free < need
    )
