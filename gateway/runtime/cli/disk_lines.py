"""The disks' room as ``status`` says it to people: in MB and GB, one decimal.

A monitoring script reads ``status --json``, where the figures stay exact bytes (the
problem's and the warning's English text, as the daemon logs them); a person reading
``80000000 bytes free of 20000000000`` has to count the digits. Units are decimal
(1 MB = 1,000,000 bytes), as the thresholds are written (100 MB) and as disk makers
and ``df -H`` count them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.core.i18n import N_, Msg

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.runtime.disk_space import Room

MB, GB = 1_000_000, 1_000_000_000


def amount(count: int) -> Msg:
    """``count`` bytes in MB below 1 GB, else in GB, with one decimal."""
    figure = f"{count / (MB if count < GB else GB):.1f}"  # assigned first: babel skips f-strings
    return N_("{amount} MB", amount=figure) if count < GB else N_("{amount} GB", amount=figure)


def crowded(room: Room) -> Msg:
    """:func:`gateway.runtime.disk_space.nearly_full`, in MB and GB."""
    return N_(
        "the disk holding {folder} is nearly full: {free} free of {size} (less than "
        "100 MB or 1%); make room on that disk before mail has to be refused",
        folder=str(room.folder),
        free=amount(room.free),
        size=amount(room.size),
    )


def short_of_room(settings: Settings) -> dict[str, Msg]:
    """:func:`gateway.runtime.disk_space.disk_problems` in MB and GB, by problem key."""
    from gateway.runtime.disk_space import COPIES, short_rooms

    return {
        f"disk:{room.folder}": N_(
            "the disk holding {folder} has {free} free, less than {copies} times [smtp] "
            "max_message_size ({size}): outgoing mail waits in the outbox (retried) until "
            "it fits; mail still comes in; make room on that disk",
            folder=str(room.folder),
            free=amount(room.free),
            copies=COPIES,
            size=amount(settings.smtp.max_message_size),
        )
        if room.outgoing_only
        else N_(
            "the disk holding {folder} has {free} free, less than {copies} times [smtp] "
            "max_message_size ({size}): mail that does not fit is refused for now (SMTP "
            "451, ingest exit 75, left on the IMAP server) and waits at its senders; make "
            "room on that disk",
            folder=str(room.folder),
            free=amount(room.free),
            copies=COPIES,
            size=amount(settings.smtp.max_message_size),
        )
        for room in short_rooms(settings)
    }
