"""The copies a server without MOVE holds of stored messages still in the folder.

Without MOVE a stored message is copied to ``processed_folder``, then flagged
``\\Deleted`` and expunged (``folder.acknowledge``). Between the COPY and the
EXPUNGE the message is in both folders, and copying it again would put a second copy
in the processed folder. So what is copied is remembered by UID and written to the
database at once (``noted``, one UPDATE once a COPY command is answered, not at the end
of the pass): a cut line or a stop after the COPY never copies again, by this poller or
after a restart.

A COPY whose answer never came (the line cut while it ran, the process killed
before it read it) may or may not have made its copies (RFC 3501 makes a COPY whole
or nothing, but says nothing of a lost answer). Those UIDs are *unsure*, and they are
written down as such *before* the COPY is sent (``intended``): a process killed while
it waits for the answer has saved that much. Before they are copied again (at the
start of the next pass, by this poller or after a restart, in a rescan too), the
processed folder is searched for each one's Message-ID (``UID SEARCH HEADER
Message-ID``): one found is taken as copied, one not found is copied. What an admin
expects: no copy lost, no second copy where it can be told. The Message-ID is read
then from the message itself, which is still in the folder (it leaves only after its
COPY was answered); one that has left needs no copy.

The UIDs name messages of one UIDVALIDITY only: ``refused.Acknowledgements`` forgets
them all when it changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from gateway.config.settings import ImapSettings
from gateway.receive.imap import left as said

log = logging.getLogger("gateway.imap")


def _nothing() -> None:
    pass


@dataclass
class Copies:
    copied: set[int] = field(default_factory=set)  # in the processed folder, not removed
    unsure: set[int] = field(default_factory=set)  # their COPY's answer was lost (or is due)
    noted: Callable[[], None] = _nothing  # writes both down (set by the poller)
    # writes both down before a COPY; raises if it cannot, and the COPY is not sent
    intended: Callable[[], None] = _nothing

    def copy(self, client: IMAPClient, folder: str, uids: list[int]) -> None:
        """COPY ``uids`` but those copied already: written down as unsure before the
        COPY is sent, and as copied (or not) once it is answered."""
        to_copy = [uid for uid in uids if uid not in self.copied]
        if not to_copy:
            return
        self.unsure.update(to_copy)
        try:
            self.intended()
        except BaseException:  # not written (the database is out): not copied either
            self.unsure.difference_update(to_copy)
            raise
        try:
            client.copy(to_copy, folder)
        except (IMAPClientAbortError, OSError):  # no answer: made, or not; unsure, as written
            raise
        except IMAPClientError:  # a refusal (NO): a COPY is whole or nothing, nothing made
            self.unsure.difference_update(to_copy)
            self.noted()
            raise
        self.copied.update(to_copy)
        self.unsure.difference_update(to_copy)
        self.noted()

    def done(self, uids: Collection[int]) -> None:
        """``uids`` have left the folder: no copy to remember."""
        self.copied.difference_update(uids)
        self.unsure.difference_update(uids)

    def keep_only(self, uids: Collection[int], up_to: int) -> None:
        """What is gone from the folder (expunged, moved by a person) is forgotten:
        ``uids`` are the messages up to ``up_to`` still there; those above it are kept
        (stored after a message without content, they are read and acknowledged again)."""
        kept = set(uids)
        self.copied = {uid for uid in self.copied if uid in kept or uid > up_to}
        self.unsure = {uid for uid in self.unsure if uid in kept or uid > up_to}

    def forget(self) -> None:
        """A new UIDVALIDITY, or the processed folder deleted by a person."""
        self.copied.clear()
        self.unsure.clear()

    def look_for_unsure(self, client: IMAPClient, account: ImapSettings, uidvalidity: int) -> None:
        """Settle the unsure copies: found in the processed folder by Message-ID, copied;
        otherwise to be copied. Leaves ``account.folder`` selected again, as it was; a
        dropped connection raises (an outage), and they stay unsure."""
        uids = sorted(self.unsure - self.copied)
        if not uids:
            self.unsure.clear()
            return
        # A message without a Message-ID (or with one a SEARCH cannot carry) cannot be
        # told in the processed folder from another: it is copied again, and a second
        # copy there is possible. Removing its only copy would be worse.
        ids = {
            uid: message_id
            for uid, (_, message_id) in said.headers(client, uids).items()
            if message_id and message_id.isascii() and message_id.isprintable()
        }
        found = self._search(client, account, ids, uidvalidity) if ids else set()
        if found:
            log.info(
                "imap %s: uid %s: copied to %r already by a COPY whose answer was lost; "
                "not copied again",
                account.key,
                said.uid_list(sorted(found)),
                account.processed_folder,
            )
        if again := [uid for uid in uids if uid not in found]:
            log.info(
                "imap %s: uid %s: not found in %r after a COPY whose answer was lost; "
                "copying again%s",
                account.key,
                said.uid_list(again),
                account.processed_folder,
                "" if set(again) <= set(ids) else " (one without Message-ID may be there twice)",
            )
        self.copied |= found
        self.unsure.clear()
        self.noted()

    @staticmethod
    def _search(
        client: IMAPClient, account: ImapSettings, ids: dict[int, str], uidvalidity: int
    ) -> set[int]:
        found: set[int] = set()
        try:
            client.select_folder(account.processed_folder, readonly=True)
            found = {
                uid for uid, mid in ids.items() if client.search(["HEADER", "Message-ID", mid])
            }
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:  # no such folder, a SEARCH refused: not found
            log.info("imap %s: could not search %r: %s", account.key, account.processed_folder, exc)
        again = int(client.select_folder(account.folder)[b"UIDVALIDITY"])
        if again != uidvalidity:  # the UIDs in hand name other messages now: start over
            raise IMAPClientAbortError(
                f"UIDVALIDITY of {account.folder} changed from {uidvalidity} to {again}"
            )
        return found
