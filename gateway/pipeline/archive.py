"""Live mail or an archive? Decided by how a mail arrived, and how old it was then.

An archive being imported must stay quiet: answering years-old requests (or
running their catalog actions) today helps nobody. But a ``Date`` header alone
proves nothing about that: a sender's clock may be wrong, a relay may have held
the mail for days, and that person is waiting for an answer now. So the doors
say how a mail arrived (``inbox.bulk``), and only mail that came in bulk can be
an archive, when its ``Date`` lies well before the moment it arrived, or when it has
no ``Date`` we can read (none, or an unreadable one): an import holds mail of any age,
and nothing says that one is recent. Live mail without a ``Date`` is answered: its
sender is waiting now. Pure: the facts in, a verdict out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

ARCHIVE_AGE = timedelta(days=2)  # bulk mail dated this long before its arrival is an archive

# inbox.source → how its mail arrives (the README's table says the same)
ARRIVALS: dict[str, str] = {
    # delivered to our listener by an MTA just now: live
    "smtp": "live",
    "lmtp": "live",
    # a new message in a watched folder: live; what the first pass over a folder (or a
    # rescan after UIDVALIDITY changed) finds there already: bulk
    "imap": "live, or bulk on the first pass",
    # `ingest -` (an MTA's pipe): live; `ingest FILE|FOLDER|MBOX`: bulk (an import)
    "ingest": "live from standard input, else bulk",
    # a person pressed submit: live
    "web": "live",
    "slack": "live",
}


def is_archive(bulk: bool, date: datetime | None, arrived: datetime | None) -> bool:
    """Filed but not answered: it came in bulk, dated ARCHIVE_AGE or more before it
    arrived, or with no usable date (``date`` None)."""
    if not bulk:
        return False
    if date is None:
        return True
    return arrived is not None and arrived - date > ARCHIVE_AGE
