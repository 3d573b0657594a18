"""A stored message the server will not let the poller move or flag must not hold
back the mail after it.

Acknowledging (``folder.acknowledge``) comes after the commit, so a refused one loses
nothing: the message is stored and stays in the folder. But a pass used to fail at
it, and every pass begins by finishing the acknowledgements an earlier one left
(``unacknowledged``): one message the server keeps refusing (``NO [OVERQUOTA]`` for
its MOVE or COPY, ``NO`` for the STORE of a message another process has locked)
failed every pass before its SEARCH, and no new mail was ever read.

So a refused acknowledgement is taken apart here, and the pass goes on:

1. a refused batch is tried again (in move mode after making ``processed_folder``
   again, should a person have deleted it), then one message at a time, so the
   others are acknowledged;
2. a message refused alone is counted as one try only when the whole pass works
   (its SEARCH, its FETCHes): a server that answers nothing, or drops the connection
   at any command, the acknowledgement included, is an outage, which ``poller``
   retries with backoff, and which steps over nothing;
3. it is tried again at a pass after :data:`RETRY_FIRST`, doubling up to
   :data:`RETRY_MAX` (passes come at new mail and at least every ``poll_interval``
   or IDLE renewal), a warning each time;
4. after :data:`TRIES` tries an error names the mailbox and the UID, and it is left
   where it is for a person to look at; ``status`` shows it as the mailbox's last
   error for as long as it stays in the folder.

The state lives in the poller, as ``damaged``'s does: after a restart a message left
alone is tried again (the quota may have been raised, the lock released).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from gateway.config.settings import ImapSettings
from gateway.core.backoff import doubling
from gateway.core.i18n import N_, Msg
from gateway.receive.imap.connect import ensure_folder
from gateway.receive.imap.errors import server_text
from gateway.receive.imap.folder import acknowledge, unacknowledged

log = logging.getLogger("gateway.imap")

RETRY_FIRST = timedelta(minutes=1)  # the wait before the second try of a refused one
RETRY_MAX = timedelta(minutes=30)
TRIES = 5  # tries of a refused acknowledgement, in passes that worked, before it is left


@dataclass
class _Refusal:
    tries: int = 0
    due: datetime | None = None  # the next try, at the first pass from then on
    server: str = ""  # what the server answered the last try


@dataclass
class Acknowledgements:
    """Moves or flags what is stored, and keeps count of what the server refuses."""

    account: ImapSettings
    uidvalidity: int | None = None  # the UIDs below are of this UIDVALIDITY
    refused: dict[int, _Refusal] = field(default_factory=dict)  # tried again when due
    left: dict[int, _Refusal] = field(default_factory=dict)  # left alone, for a person
    this_pass: dict[int, str] = field(default_factory=dict)  # UID: the server's answer

    def begin(self, uidvalidity: int) -> None:
        """A pass begins: what an earlier pass refused before failing is no try."""
        if uidvalidity != self.uidvalidity:  # the old UIDs name other messages now
            self.uidvalidity, self.refused, self.left = uidvalidity, {}, {}
        self.this_pass.clear()

    def finish_interrupted(self, client: IMAPClient, last_uid: int, now: datetime) -> None:
        """Stored but not yet moved or flagged (a crash, a cut line, a refusal): finish
        that, except what waits for its next try or is left alone."""
        leftovers = set(unacknowledged(client, self.account, last_uid))
        for known in (self.refused, self.left):  # gone from the folder: nothing to do
            for uid in set(known) - leftovers:
                del known[uid]
        due = sorted(uid for uid in leftovers - set(self.left) if self._due(uid, now))
        fresh = [uid for uid in due if uid not in self.refused]
        if fresh:
            log.info(
                "imap %s: %d message(s) were stored before an interruption; completing the %s",
                self.account.key,
                len(fresh),
                self.account.after,
            )
        size = self.account.batch_size
        for i in range(0, len(due), size):
            self.acknowledge(client, due[i : i + size])

    def acknowledge(self, client: IMAPClient, uids: list[int]) -> None:
        """Move or flag ``uids``; what the server refuses is noted, one message at a
        time; a dropped connection raises (an outage)."""
        answer = self._try(client, uids) if uids else None
        if answer is None:
            return
        folder = self.account.processed_folder
        if self.account.after == "move" and not client.folder_exists(folder):
            ensure_folder(client, folder, self.account.key)  # a person deleted it
            if (answer := self._try(client, uids)) is None:
                return
        if len(uids) == 1:
            self.this_pass[uids[0]] = answer
            return
        for uid in uids:  # the refusal of one message refuses the whole command
            if (alone := self._try(client, [uid])) is not None:
                self.this_pass[uid] = alone

    def end_pass(self, now: datetime) -> Msg | None:
        """The pass worked: each refusal in it is a try. What is left alone, said for
        ``status`` (None: nothing)."""
        for uid, answer in sorted(self.this_pass.items()):
            refusal = self.refused.pop(uid, None) or _Refusal()
            refusal.tries, refusal.server = refusal.tries + 1, answer
            if refusal.tries >= TRIES:
                self.left[uid] = refusal
                log.error(
                    "imap %s: uid %s could not be %s %d times (the server answered: %s); "
                    "it is left in the folder for a person to look at (a restart tries it "
                    "again), and the mail after it is read on",
                    self.account.key,
                    uid,
                    self._what(),
                    refusal.tries,
                    answer,
                )
                continue
            wait = doubling(refusal.tries, RETRY_FIRST, RETRY_MAX)
            refusal.due, self.refused[uid] = now + wait, refusal
            log.warning(
                "imap %s: uid %s could not be %s (the server answered: %s); it stays in "
                "the folder, the mail after it is read on, and it is tried again in %s "
                "(%d of %d tries)",
                self.account.key,
                uid,
                self._what(),
                answer,
                wait,
                refusal.tries,
                TRIES,
            )
        self.this_pass.clear()
        return self._left_said()

    def _try(self, client: IMAPClient, uids: list[int]) -> str | None:
        """None if the server acknowledged ``uids``, else its answer."""
        try:
            acknowledge(client, self.account, uids)
        except IMAPClientAbortError:  # the connection is gone: an outage, not a refusal
            raise
        except IMAPClientError as exc:
            return server_text(exc)
        for uid in uids:
            self.refused.pop(uid, None)
        return None

    def _due(self, uid: int, now: datetime) -> bool:
        refusal = self.refused.get(uid)
        return refusal is None or refusal.due is None or refusal.due <= now

    def _what(self) -> str:
        if self.account.after == "flag":
            return f"flagged {self.account.processed_flag}"
        return f"moved to {self.account.processed_folder!r}"

    def _left_said(self) -> Msg | None:
        if not self.left:
            return None
        uids = ", ".join(str(uid) for uid in sorted(self.left))
        server = self.left[min(self.left)].server
        if self.account.after == "flag":
            return N_(
                "uid {uids} could not be flagged {flag} ({server}) after {tries} tries; "
                "left in the folder for a person to look at",
                uids=uids,
                flag=self.account.processed_flag,
                server=server,
                tries=TRIES,
            )
        return N_(
            "uid {uids} could not be moved to {folder} ({server}) after {tries} tries; "
            "left in the folder for a person to look at",
            uids=uids,
            folder=self.account.processed_folder,
            server=server,
            tries=TRIES,
        )
