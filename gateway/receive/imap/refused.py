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
   or IDLE renewal), each message on its own time; a pass that met refusals says so
   in one line for the account, with their count (an account that refuses every
   move, an unwritable folder or a full quota, is not a line per message);
4. after :data:`TRIES` tries it is left where it is for a person: an error says so,
   and as long as it stays in the folder it is a health problem (``status`` exits 1,
   the managers are mailed) that names it and says what to do (``left``).

On a server without MOVE a message is copied, flagged ``\\Deleted`` and expunged: one
whose flag or expunge is refused (or cut short) is remembered as copied, and only
those are tried again, so the processed folder never holds it twice (``copies``).

A server may also answer OK and keep the message where it was: Gmail's All Mail (a
MOVE removes a label, the message stays, with its UID), a server that ignores the
``\\Deleted`` of one without MOVE (then every try made one more copy in the processed
folder), one that forgets a flag. The bookmark keeps it from being read again, but the
next pass found it still there and acknowledged it again, at every pass. So what the
server answered OK to is looked for at the next pass (in the SEARCH that pass makes
anyway): one still there is *kept*, never moved or flagged again, and said once in a
warning and in ``status``. In flag mode a person may have cleared the flag: it is put
back once, and only found kept if it is gone again at the pass after.
One the server puts back under a new UID after its move, found stored again, is
moved a few more times and then kept as well (``returns``), and ``status`` counts it
apart from what the server keeps (``copied_back``).

What is left alone, what is copied and what is kept is kept in the database with the bookmark
(``store.sources.Held``; the copies written before and after each COPY, the rest at
the end of a pass): ``status`` reads it, and after a restart a message left
alone is tried once more at the first pass (the quota may have been raised, the lock
released), and left again at once if the server still refuses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from gateway.config.settings import ImapSettings
from gateway.core.backoff import doubling
from gateway.core.counted import counted
from gateway.receive.imap import left as said
from gateway.receive.imap.connect import ensure_folder
from gateway.receive.imap.copies import Copies
from gateway.receive.imap.errors import server_text
from gateway.receive.imap.folder import acknowledge, unacknowledged
from gateway.receive.imap.returns import Returns
from store.sources import Held, LeftMessage

log = logging.getLogger("gateway.imap")

RETRY_FIRST = timedelta(minutes=1)  # the wait before the second try of a refused one
RETRY_MAX = timedelta(minutes=30)
TRIES = 5  # tries of a refused acknowledgement, in passes that worked, before it is left


@dataclass
class _Refusal:
    tries: int = 0
    due: datetime | None = None  # the next try, at the first pass from then on
    server: str = ""  # what the server answered the last try
    subject: str = ""  # read from the server when it is left
    message_id: str = ""


@dataclass
class Acknowledgements:
    """Moves or flags what is stored, and keeps count of what the server refuses."""

    account: ImapSettings
    uidvalidity: int | None = None  # the UIDs below are of this UIDVALIDITY
    refused: dict[int, _Refusal] = field(default_factory=dict)  # tried again when due
    left: dict[int, _Refusal] = field(default_factory=dict)  # left alone, for a person
    this_pass: dict[int, str] = field(default_factory=dict)  # UID: the server's answer
    copies: Copies = field(default_factory=Copies)  # without MOVE: copied, not removed
    # stepped over unstored (``damaged``): never acknowledged, whatever the keyword says
    unreadable: set[int] = field(default_factory=set)
    unreadable_at: dict[int, datetime] = field(default_factory=dict)  # when stepped over
    # the server answered OK to acknowledging them, not yet looked for since (in memory)
    acked: set[int] = field(default_factory=set)
    kept: set[int] = field(default_factory=set)  # answered OK, yet still there: never again
    put_back: set[int] = field(default_factory=set)  # flag mode: flagged again once
    told: bool = False  # the warning that the server keeps them was logged
    returns: Returns = field(default_factory=Returns)  # stored, put back under a new UID
    copied_back: set[int] = field(default_factory=set)  # of ``kept``: came back too often
    # skipped for \\Deleted and not stored (``deleted``): never to be acknowledged
    deleted: set[int] = field(default_factory=set)
    held: Held | None = None  # what the database holds (``unsaved``, ``saved``)

    def begin(self, uidvalidity: int, now: datetime, kept: Held | None = None) -> None:
        """A pass begins: what an earlier pass refused before failing is no try.
        ``kept``: what the database holds, taken up at the first pass after a start."""
        first = self.uidvalidity is None
        if uidvalidity != self.uidvalidity:  # the old UIDs name other messages now
            self.uidvalidity, self.refused, self.left = uidvalidity, {}, {}
            self.unreadable, self.acked, self.kept, self.put_back = set(), set(), set(), set()
            self.copied_back, self.deleted = set(), set()
            self.unreadable_at, self.returns = {}, Returns()
            self.copies.forget()
            if first and kept is not None and kept.uidvalidity == uidvalidity:
                self._take_up(kept, now)
        if first:
            self.held = kept
        self.this_pass.clear()

    def _take_up(self, kept: Held, now: datetime) -> None:
        """After a restart: what was copied is not copied again (what may have been is
        looked for first); what was left is tried once more at once, and left again if
        it is refused again."""
        self.copies.copied, self.copies.unsure = set(kept.copied), set(kept.unsure)
        self.unreadable, self.kept = set(kept.unreadable), set(kept.kept)
        self.copied_back = set(kept.copied_back) & self.kept
        self.deleted = set(kept.deleted)
        # stepped over before the times were written: counted from now, for ``status``
        self.unreadable_at = {uid: now for uid in self.unreadable} | dict(kept.unreadable_at)
        for m in kept.left:
            self.refused[m.uid] = _Refusal(TRIES - 1, None, m.server, m.subject, m.message_id)

    def step_over(self, uids: set[int], now: datetime) -> None:
        """``uids`` are stepped over unstored (``damaged``): never to be acknowledged."""
        self.unreadable |= uids
        for uid in uids:
            self.unreadable_at.setdefault(uid, now)

    def forget_gone_unreadable(self, client: IMAPClient) -> None:
        """What was stepped over and has left the folder since (a person moved or
        deleted it) is forgotten, as ``status`` stops naming it: one SEARCH, made only
        while something is remembered. UIDs are never given twice in a UIDVALIDITY."""
        if not self.unreadable:
            return
        there = set(client.search(["UID", ",".join(map(str, sorted(self.unreadable)))]))
        gone = self.unreadable - there
        if gone:
            log.info(
                "imap %s: uid %s, stepped over unread, left the folder (moved or deleted "
                "by a person): forgotten",
                self.account.key,
                said.uid_list(sorted(gone)),
            )
        self.unreadable &= there
        self.unreadable_at = {u: at for u, at in self.unreadable_at.items() if u in there}

    def came_back(self, again: dict[int, bytes], now: datetime) -> None:
        """``again`` were found stored already: one that keeps coming back under a new
        UID is kept in the folder rather than moved once more (``returns``)."""
        back = self.returns.back(self.account.key, again, now)
        self.kept |= back
        self.copied_back |= back  # ``status`` counts them apart from the server's keeping

    def look_for_copies(self, client: IMAPClient) -> None:
        """A COPY whose answer was lost (or never read: the process killed) is looked for
        in the processed folder before this pass copies anything: when it finishes what
        was interrupted, or before a rescan from the start reads the message again."""
        if self.copies.unsure:
            self.copies.look_for_unsure(client, self.account, self.uidvalidity or 0)

    def finish_interrupted(self, client: IMAPClient, last_uid: int, now: datetime) -> None:
        """Stored but not yet moved or flagged (a crash, a cut line, a refusal): finish
        that, except what waits for its next try or is left alone, and what was skipped
        for its ``\\Deleted`` (``deleted``), even if the flag was taken back since."""
        ours = self.copies.copied | self.copies.unsure  # flagged \Deleted by us
        found = unacknowledged(client, self.account, last_uid, ours)
        # not what was stepped over unstored: its keyword may have been refused or lost
        leftovers = set(found) - self.unreadable - self.deleted
        # answered OK and still there: the server keeps it (``kept``), never again; a flag
        # may have been cleared by a person, though: put back once before that
        stayed = leftovers & self.acked
        once = stayed - self.put_back if self.account.after == "flag" else set()
        self._keeps(stayed - once)
        self.acked = {uid for uid in self.acked if uid > last_uid}  # not searched yet
        self.kept &= leftovers  # gone from the folder since: forgotten
        self.copied_back &= self.kept
        leftovers -= self.kept
        self.put_back = (self.put_back | once) & leftovers
        # gone from the folder: nothing to do; above the bookmark (stored after a message
        # without content, which it stays before) is not searched, and read again
        for known in (self.refused, self.left):
            for uid in set(known) - leftovers:
                if uid <= last_uid:
                    del known[uid]
        self.copies.keep_only(leftovers, last_uid)
        self.look_for_copies(client)  # before copying again
        due = self.due(sorted(leftovers), now)
        fresh = [uid for uid in due if uid not in self.refused and uid not in once]
        if once:
            log.info(
                "imap %s: uid %s found without %s (cleared by a person?); flagged again",
                self.account.key,
                said.uid_list(sorted(once)),
                self.account.processed_flag,
            )
        if fresh:
            log.info(
                "imap %s: %s stored before an interruption; completing the %s",
                self.account.key,
                counted(len(fresh), "message was", "messages were"),
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
            ensure_folder(client, self.account)  # a person deleted it
            self.copies.forget()  # and the copies in it
            if (answer := self._try(client, uids)) is None:
                return
        if len(uids) == 1:
            self.this_pass[uids[0]] = answer
            return
        for uid in uids:  # the refusal of one message refuses the whole command
            if (alone := self._try(client, [uid])) is not None:
                self.this_pass[uid] = alone

    def end_pass(self, client: IMAPClient, now: datetime) -> None:
        """The pass worked: each refusal in it is a try; said in one line."""
        answers = sorted(self.this_pass.items())
        if not answers:
            return
        last = [u for u, _ in answers if self.refused.get(u, _Refusal()).tries + 1 >= TRIES]
        unknown = [u for u in last if not self._about(u)]
        about = said.headers(client, unknown)  # before any change: it may be an outage
        waits: list[timedelta] = []
        for uid, answer in answers:
            refusal = self.refused.pop(uid, None) or _Refusal()
            refusal.tries, refusal.server = refusal.tries + 1, answer
            if uid in about:
                refusal.subject, refusal.message_id = about[uid]
            if refusal.tries >= TRIES:
                self.left[uid] = refusal
                continue
            wait = doubling(refusal.tries, RETRY_FIRST, RETRY_MAX)
            refusal.due, self.refused[uid] = now + wait, refusal
            waits.append(wait)
        self.this_pass.clear()
        self._say(answers, last, waits)

    def unsaved(self) -> Held | None:
        """What the database is to hold, if it holds something else (then ``saved``)."""
        if self.uidvalidity is None:
            return None
        left = tuple(
            LeftMessage(uid, r.server, r.subject, r.message_id)
            for uid, r in sorted(self.left.items())
        )
        copied, unsure = tuple(sorted(self.copies.copied)), tuple(sorted(self.copies.unsure))
        problem = said.problem(self.account, left, copied, TRIES) if left else None
        unreadable, kept = tuple(sorted(self.unreadable)), tuple(sorted(self.kept))
        times = tuple(sorted(self.unreadable_at.items()))
        back = tuple(sorted(self.copied_back))
        state = Held(self.uidvalidity, left, problem, copied, unsure, unreadable, kept, times, back)
        state = replace(state, deleted=tuple(sorted(self.deleted)))
        unchanged = state == self.held or (state.empty and self.held is None)
        return None if unchanged else state

    def saved(self, state: Held) -> None:
        self.held = state

    def _keeps(self, stayed: set[int]) -> None:
        """``stayed``, answered OK, are in the folder still: the server keeps them (as
        Gmail's All Mail keeps a message whose label a MOVE removed, or a server that
        ignores the ``\\Deleted`` or forgets the flag). Said once; never again acked."""
        if not stayed:
            return
        self.kept |= stayed
        uids = said.uid_list(sorted(stayed))
        if self.told:
            log.info("imap %s: uid %s also kept in the folder", self.account.key, uids)
            return
        self.told = True
        log.warning(
            "imap %s: the server answered OK when the stored uid %s %s, but they were kept "
            "in the folder (as Gmail's All Mail keeps a message whose label is removed): "
            "they are stored, the gateway remembers them and does not try again, and "
            "status counts them (to have them leave the folder, poll one the server "
            "removes mail from: in Gmail INBOX, not All Mail)",
            self.account.key,
            uids,
            f"were {self._what()}",
        )

    def _about(self, uid: int) -> bool:
        refusal = self.refused.get(uid)
        return refusal is not None and bool(refusal.subject or refusal.message_id)

    def _say(self, answers: list[tuple[int, str]], last: list[int], waits: list[timedelta]) -> None:
        """One line for the pass's refusals: how many, which, what the server answered."""
        others = len({answer for _, answer in answers}) - 1
        server = answers[0][1] + (f" (and {counted(others, 'other answer')})" if others else "")
        uids = said.uid_list([uid for uid, _ in answers])
        if last:
            log.error(
                "imap %s: %s could not be %s (uid %s; the server answered: "
                "%s); uid %s left in the folder for a person after %d tries (status names "
                "them; a restart tries them again)%s, and the mail after them is read on",
                self.account.key,
                counted(len(answers), "stored message"),
                self._what(),
                uids,
                server,
                said.uid_list(last),
                TRIES,
                "; the others are tried again later" if waits else "",
            )
            return
        log.warning(
            "imap %s: %s could not be %s (uid %s; the server answered: %s); "
            "they stay in the folder, the mail after them is read on, and each is tried "
            "again later (the next in %s, up to %d tries)",
            self.account.key,
            counted(len(answers), "stored message"),
            self._what(),
            uids,
            server,
            min(waits),
            TRIES,
        )

    def _try(self, client: IMAPClient, uids: list[int]) -> str | None:
        """None if the server acknowledged ``uids``, else its answer."""
        try:
            acknowledge(client, self.account, uids, self.copies)
        except IMAPClientAbortError:  # the connection is gone: an outage, not a refusal
            raise
        except IMAPClientError as exc:
            return server_text(exc)
        for uid in uids:
            self.refused.pop(uid, None)
        self.copies.done(uids)
        self.acked.update(uids)  # looked for at the next pass: gone, or kept (``_keeps``)
        return None

    def due(self, uids: list[int], now: datetime) -> list[int]:
        """Those of the stored ``uids`` to move or flag now: not one left for a person,
        nor a refused one whose next try is later. A pass reads the stored messages
        above one that came without content again (the bookmark stays before that one):
        their acknowledgement waits for its turn as it does below the bookmark."""
        return [
            uid
            for uid in uids
            if uid not in self.left and uid not in self.kept and self._due(uid, now)
        ]

    def _due(self, uid: int, now: datetime) -> bool:
        refusal = self.refused.get(uid)
        return refusal is None or refusal.due is None or refusal.due <= now

    def _what(self) -> str:
        if self.account.after == "flag":
            return f"flagged {self.account.processed_flag}"
        return f"moved to {self.account.processed_folder!r}"
