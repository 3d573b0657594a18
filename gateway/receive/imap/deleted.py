"""A message flagged ``\\Deleted`` and not yet expunged is not filed, and not touched.

Another client deleted it: a person in a mail client that marks first and expunges
later (Thunderbird's "mark as deleted", a client that expunges at exit), or a rule.
The poller used to fetch and file it, then move or flag it, as any other; Zammad and
Thunderbird skip such messages, and so does the poller now. It is left where it is
(not moved, not flagged, no keyword of ours) and said once at INFO per message, not at
every pass: the SEARCH finds it again at each pass while it waits above the bookmark.

The mail after it moves the bookmark past it, so what is skipped is remembered, for the
folder's UIDVALIDITY, in the database with what the acknowledgements hold (``held``;
written as soon as one is skipped, so a restart knows it too): a person who takes the
``\\Deleted`` back (undo) gets it read at the next pass, and until then it is never moved
or flagged as "stored, not yet acknowledged" (``folder.unacknowledged`` leaves out every
``\\Deleted`` message but those the poller copied itself, on a server without MOVE).

One flagged ``\\Deleted`` after its FETCH and before its move is stored already: it is
moved or flagged as any other stored message, and never fetched again (the bookmark is
past it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from imapclient import IMAPClient

from gateway.receive.imap import left as said
from gateway.receive.imap.refused import Acknowledgements

log = logging.getLogger("gateway.imap")


@dataclass
class Deleted:
    """Skips what is flagged ``\\Deleted``; the UIDs skipped (and said) in this UIDVALIDITY
    are the acknowledgements' ``deleted``, which they reset at a new one and take up after
    a restart."""

    key: str
    acks: Acknowledgements
    noted: Callable[[], None]  # writes the record (``held``) when one more is skipped

    @property
    def skipped(self) -> set[int]:
        return self.acks.deleted

    def taken_back(self, client: IMAPClient) -> list[int]:
        """At the start of a pass (after ``acks.begin``): those skipped whose
        ``\\Deleted`` a person took back, to be read now (they stay skipped until the
        poller has stored them: a pass cut short reads them at the next). Those expunged
        since are forgotten. Two SEARCHes, made only while one is remembered."""
        if not self.skipped:
            return []
        spec = ",".join(map(str, sorted(self.skipped)))
        there = set(client.search(["UID", spec])) & self.skipped
        still = set(client.search(["UID", spec, "DELETED"])) & there
        back = sorted(there - still)
        self.acks.deleted = there
        if back:
            log.info(
                "imap %s: uid %s no longer flagged \\Deleted (taken back by a person): read now",
                self.key,
                said.uid_list(back),
            )
        return back

    def skip(self, client: IMAPClient, uids: list[int]) -> list[int]:
        """``uids`` (new, oldest first) without those flagged ``\\Deleted``; each said
        the first time it is skipped."""
        if not uids:
            return uids
        deleted = set(client.search(["UID", f"{uids[0]}:{uids[-1]}", "DELETED"])) & set(uids)
        # but what this poller copied and flagged itself (no MOVE), read again above a gap
        deleted -= self.acks.copies.copied | self.acks.copies.unsure
        for uid in sorted(deleted - self.skipped):
            log.info(
                "imap %s: uid %s is flagged \\Deleted (deleted by another client, not yet "
                "expunged): not filed, left where it is; read if the flag is taken back",
                self.key,
                uid,
            )
        if deleted - self.skipped:
            self.acks.deleted |= deleted
            self.noted()  # before the bookmark passes it: a restart must know it
        return [uid for uid in uids if uid not in deleted]
