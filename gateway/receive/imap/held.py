"""What the poller holds about stored messages still in its folder, written down.

The acknowledgements (``refused``) keep in memory which UIDs are left for a person,
copied by a server without MOVE (or maybe copied), kept in the folder by the server,
or stepped over unstored. This record writes that to the database beside the bookmark
(``store.sources.Held``) whenever it changed, one UPDATE: ``status`` and the managers'
alert read it there, and the first pass after a restart takes it up again.

It is written when it must not be lost: before and after each COPY of a server
without MOVE (``copies``: a cut line must never copy twice), before the bookmark
steps over a message stored never (its keyword on the server may be refused or
lost), and at the end of each pass (what is left for a person).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from gateway.config.settings import ImapSettings
from gateway.core.clock import Clock
from gateway.core.errors import TransientError
from gateway.receive.imap.deleted import Deleted
from gateway.receive.imap.refused import Acknowledgements
from store import sources
from store.db import transaction

log = logging.getLogger("gateway.imap")


class HeldRecord:
    """The account's acknowledgements, and their record in the database."""

    def __init__(
        self, account: ImapSettings, sessions: sessionmaker[Session], clock: Clock
    ) -> None:
        self.key, self._source = account.key, account.source
        self.sessions, self.clock = sessions, clock
        self.acks = Acknowledgements(account)  # one the server will not let go is left
        self.acks.copies.intended = self.write  # without MOVE: before each COPY
        self.acks.copies.noted = self._note_copies  # and after it
        self.deleted = Deleted(self.key, self.acks, self.write)  # skipped for \\Deleted

    def taken_up(self, s: Session) -> sources.Held | None:
        """What an earlier run left or copied: read at the first pass after a start."""
        return sources.held(s, self._source) if self.acks.uidvalidity is None else None

    def step_over(self, uids: set[int]) -> None:
        """Remember ``uids``, not stored, as never to be acknowledged: written before the
        bookmark steps over them (the keyword on the server may be refused or lost)."""
        if uids:
            self.acks.step_over(uids, self.clock.now())
            self.write()

    def write(self) -> None:
        """Write what the acknowledgements hold, if it changed (one UPDATE)."""
        held = self.acks.unsaved()
        if held is not None:
            with transaction(self.sessions) as s:
                sources.keep_held(s, self._source, held, now=self.clock.now())
            self.acks.saved(held)

    def _note_copies(self) -> None:
        """Right after a COPY, before a STORE that may be cut short (``copies``). With the
        database out the pass goes on: the EXPUNGE leaves nothing to copy again."""
        try:
            self.write()
        except TransientError as exc:
            log.warning("imap %s: could not note the copies made now: %s", self.key, exc)
