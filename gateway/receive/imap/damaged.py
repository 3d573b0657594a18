"""A message the server cannot hand out must not hold back the mail after it.

A damaged message on the server (a file its IMAP server cannot read, a broken
index entry) fails every FETCH that names it, and Dovecot even drops the
connection. The poller fetches in batches and keeps its bookmark at the last
message it stored, so without this module it would fetch the same batch for ever
and store nothing after the damaged message.

What is damaged is found one step at a time, each step after the poller's usual
reconnect and backoff, so a network cut is never taken for damage:

1. a batch fails: the messages up to its last one are fetched one at a time;
2. one message fails alone: it is a *suspect*;
3. on the next pass the newest message of the folder is read first (the server
   works) and the suspect is fetched again: if it fails once more it is *damaged*;
4. on the next pass it gets the keyword :data:`UNREADABLE` and the bookmark steps
   over it. It stays in the folder (never moved to ``processed_folder``, never
   flagged processed: :func:`gateway.receive.imap.folder.unacknowledged` skips it)
   for a person to see, and the error is logged and shown by ``status``.

A suspect that is read after all is stored as any other message. The state lives
in the poller: after a restart the steps begin again, and end the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from imapclient import IMAPClient

from gateway.receive.imap.folder import UNREADABLE

log = logging.getLogger("gateway.imap")


@dataclass
class Damage:
    """What the poller has learnt about messages that fail to be fetched."""

    single_until: int = 0  # a batch up to this UID failed: fetch one at a time up to here
    suspect: int | None = None  # this UID failed alone
    probed: bool = False  # the newest message was read in this pass, after the suspect failed
    damaged: int | None = None  # failed alone again right after another message was read

    def batches(self, uids: list[int], size: int) -> list[list[int]]:
        """``uids`` in fetches: one at a time up to ``single_until``, then ``size`` each."""
        singles = [[uid] for uid in uids if uid <= self.single_until]
        rest = [uid for uid in uids if uid > self.single_until]
        return singles + [rest[i : i + size] for i in range(0, len(rest), size)]

    def failed(self, uids: list[int]) -> None:
        """A FETCH of ``uids`` failed: the next step (see the module's docstring)."""
        if len(uids) > 1:
            self.single_until = max(self.single_until, uids[-1])
        elif self.probed and uids[0] == self.suspect:
            self.damaged = uids[0]
        else:
            self.suspect, self.probed = uids[0], False

    def before_pass(self, client: IMAPClient, uids: list[int], key: str) -> int | None:
        """At the start of a pass over ``uids`` (not stored yet, oldest first): the damaged
        UID, now marked, which the bookmark is to step over; else None. May read the
        newest message as a probe (its failure is the server's: it raises)."""
        first = uids[0] if uids else None
        if self.damaged is not None and first == self.damaged:
            client.add_flags([first], [UNREADABLE], silent=True)
            log.error(
                "imap %s: uid %s cannot be read from the server (it failed alone twice, "
                "while other messages could be read); it stays in the folder with the "
                "keyword %s, and the mail after it is read on",
                key,
                first,
                UNREADABLE,
            )
            self.suspect, self.probed, self.damaged = None, False, None
            return first
        self.damaged = None
        if self.suspect is None or first != self.suspect:
            self.suspect, self.probed = None, False  # read after all, or gone
        elif len(uids) > 1:
            client.fetch([uids[-1]], ["BODY.PEEK[]"])
            self.probed = True
        return None
