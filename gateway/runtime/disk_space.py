"""Room on the disks the gateway writes to, for ``status``.

When the disk under the embedded SQLite database fills up, every door refuses for now
(SMTP ``451``, ``ingest`` exit 75, the IMAP message left on the server) and the mail
waits at its senders: nothing is lost, but nothing comes in either, and the database
cannot even hold a health problem, nor the outbox an alert mail. So ``status``, which a
monitoring system calls, looks at the disks itself, and says so while there is still
room for some mail: less than the room two of the largest accepted mails take (the
write-ahead log, then the database file at its checkpoint) is a problem. Before that, a
disk nearly full (less than 100 MB, or less than 1 % of it, free) is a warning: mail
still comes in, and someone has time to make room. The daemon says both at its start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from gateway.config.settings import Settings
from gateway.core.i18n import N_, Msg
from gateway.core.sqlite_url import sqlite_path
from gateway.scheduling.health_report import HealthProblem

COPIES = 2  # of [smtp] max_message_size that must fit: the WAL's, then the file's
# nearly full, a warning, below either (a small disk by the first, a big one by the second)
NEARLY_FULL_BYTES = 100_000_000  # 100 MB: four mails of the default 25 MB limit
NEARLY_FULL_SHARE = 100  # 1 % of the file system: what monitoring calls full (99 % used)


@dataclass(frozen=True, slots=True)
class Space:
    device: int  # st_dev: folders on one file system are said once
    free: int  # bytes this process may still write there
    size: int  # bytes of the whole file system


@dataclass(frozen=True, slots=True)
class Room:
    folder: Path  # the first of the gateway's folders on this file system
    free: int  # bytes this process may still write there
    size: int  # of the whole file system
    # only the outbound maildir is on it: mail still comes in, outgoing mail waits
    outgoing_only: bool = False


def read_space(folder: Path) -> Space:
    """The file system under ``folder`` (the edge: tests give their own figures here,
    since a disk is not filled to test what is said of it)."""
    stat = os.statvfs(folder)
    return Space(
        os.stat(folder).st_dev, stat.f_bavail * stat.f_frsize, stat.f_blocks * stat.f_frsize
    )


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
    found: dict[int, Room] = {}
    incoming: set[int] = set()  # the disks a door's commit writes to
    maildir = settings.outbound.maildir.absolute() if settings.outbound.mode == "maildir" else None
    for folder in folders(settings):
        there = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if there is None:
            continue
        try:
            space = read_space(there)
        except OSError:  # not ours to look at: the command that writes there will say so
            continue
        if folder != maildir:
            incoming.add(space.device)
        found.setdefault(space.device, Room(folder, space.free, space.size))
    return [
        room if device in incoming else replace(room, outgoing_only=True)
        for device, room in found.items()
    ]


def short_rooms(settings: Settings) -> list[Room]:
    """The disks with less room than :data:`COPIES` of the largest mail: a problem each."""
    need = needed(settings)
    return [room for room in rooms(settings) if room.free < need]


def crowded_rooms(settings: Settings) -> list[Room]:
    """The disks nearly full (under 100 MB or 1 % free) that are not yet short of room:
    a warning each (:func:`short_rooms` says the others, once)."""
    need = needed(settings)
    return [
        room
        for room in rooms(settings)
        if need <= room.free < max(NEARLY_FULL_BYTES, room.size // NEARLY_FULL_SHARE)
    ]


def disk_problems(settings: Settings) -> tuple[HealthProblem, ...]:
    """A problem per disk with less room than :data:`COPIES` of the largest mail, its
    figures in exact bytes (the log, ``status --json``; ``status`` says them to people
    in MB and GB itself)."""
    return tuple(
        HealthProblem(
            f"disk:{room.folder}",
            N_(
                "the disk holding {folder} has {free} bytes free, less than {copies} times "
                "[smtp] max_message_size ({size} bytes): outgoing mail waits in the outbox "
                "(retried) until it fits; mail still comes in; make room on that disk",
                folder=str(room.folder),
                free=room.free,
                copies=COPIES,
                size=settings.smtp.max_message_size,
            )
            if room.outgoing_only
            else N_(
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
        for room in short_rooms(settings)
    )


def disk_warnings(settings: Settings) -> list[Msg]:
    """A warning per disk nearly full (:func:`nearly_full`) that is not yet a problem
    (:func:`disk_problems` says that one, once), in exact bytes."""
    return [nearly_full(room) for room in crowded_rooms(settings)]


def nearly_full(room: Room) -> Msg:
    return N_(
        "the disk holding {folder} is nearly full: {free} bytes free of {size} (less than "
        "100 MB or 1%); make room on that disk before mail has to be refused",
        folder=str(room.folder),
        free=room.free,
        size=room.size,
    )


def needed(settings: Settings) -> int:
    """The room below which a disk is a problem: :data:`COPIES` of the largest mail."""
    return COPIES * settings.smtp.max_message_size
