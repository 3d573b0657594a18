"""What ``status`` says of the mail an IMAP poller stepped over without storing it.

A message the server cannot hand out (``gateway.receive.imap.damaged``: damaged, or
without content pass after pass) is stepped over so the mail after it is read, and
left in the folder with a keyword: it never became a ticket, and only a person can
find out what it was. The error is logged once, and the next good pass clears the
mailbox's error, so ``status`` names it for as long as it stays in the folder.

It is a warning at first, not a problem: a person may well be reading it already,
and the error logged when it was stepped over went where the log goes. Left longer
than its mailbox's ``max_stepped_over_age`` (a day, :data:`GRACE`, unless set) it is a
health problem (``status`` exits 1, the managers get the alert), as a helpdesk's
monitor flags mail it could not turn into a ticket: nobody looked. A message stepped
over before its time was noted (an older row) is named but never a problem.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from gateway.core.i18n import N_, NP_, Msg
from gateway.core.spans import as_set
from store.sources import SteppedOver

if TYPE_CHECKING:
    from gateway.config.settings import Settings

GRACE = timedelta(days=1)  # stepped over longer ago than this: a health problem (default)
SHOWN = 10  # UIDs named, the oldest first; the count says how many more
KEY = "unread:"  # the problem's key, before the account (one per mailbox)


def limits(settings: Settings) -> tuple[timedelta, ...]:
    """Each account's ``max_stepped_over_age``, in the order of its ``[[imap]]`` table."""
    return tuple(a.max_stepped_over_age for a in settings.imap)


def uids(stepped: SteppedOver) -> str:
    """The first :data:`SHOWN` UIDs, ``…`` after them if there are more."""
    shown = ",".join(map(str, stepped.uids[:SHOWN]))
    return shown + (",…" if len(stepped.uids) > SHOWN else "")


def said(account: str, stepped: SteppedOver) -> Msg:
    """The line under the mailbox, and the problem's text once it is late."""
    return NP_(
        "mailbox {account}: {count} message could not be read from the server and was "
        "stepped over (UID {uids}); it is not a ticket and stays in the folder with the "
        "keyword $GatewayUnreadable: open it in a mail client and forward it, or move it "
        "out of the folder",
        "mailbox {account}: {count} messages could not be read from the server and were "
        "stepped over (UID {uids}); they are not tickets and stay in the folder with the "
        "keyword $GatewayUnreadable: open each in a mail client and forward it, or move it "
        "out of the folder",
        len(stepped.uids),
        account=account,
        count=len(stepped.uids),
        uids=uids(stepped),
    )


def late(account: str, stepped: SteppedOver, now: datetime, limit: timedelta = GRACE) -> Msg | None:
    """The health problem: the oldest stepped over longer ago than ``limit`` (the
    mailbox's ``max_stepped_over_age``), which the problem names with its value."""
    if stepped.since is None or now - stepped.since <= limit:
        return None
    return N_(
        "{said} (the oldest since {since}, longer ago than imap.max_stepped_over_age = {limit})",
        said=said(account, stepped),
        since=stepped.since.isoformat(timespec="seconds"),
        limit=as_set(limit),
    )


def as_dict(stepped: SteppedOver) -> dict[str, Any]:
    """Under each mailbox in ``status --json``."""
    since = stepped.since.isoformat(timespec="seconds") if stepped.since else None
    return {"count": len(stepped.uids), "uids": list(stepped.uids[:SHOWN]), "since": since}
