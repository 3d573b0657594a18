"""IMAP poller: a mailbox that is read once, completely, and never twice.

One poller per ``[[imap]]`` account. The UID high-water mark in ``source_state``
decides what is new, never ``\\Seen`` or any other flag, so people reading the
mailbox in their own client change nothing. A message is fetched with
``BODY.PEEK[]``, committed to the inbox together with the new bookmark, and only
then moved to ``processed_folder`` (or flagged). A crash between the commit and
the move leaves a message at or below the bookmark, which the next pass only
moves; a changed UIDVALIDITY makes the next pass a rescan in which the content
hash, and a Message-ID with the same sender and subject, keep what was stored from
being stored again (``accept``: a reused Message-ID alone does not). A move or
flag the server refuses for one message is tried again later and then left alone
(``refused``), a health problem until a person acts (``left``): it never holds back
the mail after it. One the server answers OK to and keeps in the folder (Gmail's All
Mail) is remembered and acknowledged once, not at every pass (``refused``).

Failures (server down, network cut, login refused, database unavailable) are
logged once, retried with exponential backoff and jitter, and stay inside this
account's thread (``failures``). What the acknowledgements hold is written down
beside the bookmark (``held``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.config.settings import ImapSettings, Settings
from gateway.core.clock import Clock
from gateway.receive.imap import folder as box
from gateway.receive.imap import left as said
from gateway.receive.imap import oversize
from gateway.receive.imap.batches import by_bytes, each, learn, sizes
from gateway.receive.imap.commit import Pass, bookmark, commit
from gateway.receive.imap.connect import connect, shutdown
from gateway.receive.imap.damaged import Damage, contents
from gateway.receive.imap.errors import ImapError, describe
from gateway.receive.imap.failures import Failures
from gateway.receive.imap.held import HeldRecord
from gateway.receive.imap.refused_login import RefusedLogin
from store import sources
from store.db import transaction

log = logging.getLogger("gateway.imap")

# Servers may drop an IDLE after 29 minutes (RFC 2177), and one that misses a notice
# (seen with Dovecot when an APPEND races the start of IDLE) only tells at the next
# command: renewing bounds how late such mail can be.
IDLE_RENEW = timedelta(minutes=5)
IDLE_CHECK_SECONDS = 1.0  # how long `run` can take to notice its stop event


class ImapPoller:
    def __init__(
        self,
        account: ImapSettings,
        settings: Settings,
        sessions: sessionmaker[Session],
        clock: Clock,
        on_stored: Callable[[], None] = lambda: None,
        *,
        idle_renew: timedelta = IDLE_RENEW,
        gate: Callable[[], None] = lambda: None,
    ) -> None:
        """``gate``: asked before each batch is fetched; raises TransientError when
        nothing may be stored (another release changed the schema): the messages stay
        on the server, unmoved."""
        self.account, self.settings, self.sessions, self.clock = account, settings, sessions, clock
        self._gate = gate
        self.on_stored = on_stored
        self.key = account.key
        self._failures = Failures(account, sessions, clock)  # logged once, retried, noted
        self.status = self._failures.status
        self._source = account.source
        self._idle_renew = idle_renew
        self._client: IMAPClient | None = None
        self._damage = Damage()  # a message the server cannot hand out is stepped over
        self._held = HeldRecord(account, sessions, clock)  # written when it changes
        self._acks = self._held.acks  # one the server will not let go is left
        self._rescan = (0, 0)  # a rescan's UIDVALIDITY, and the UID it has read up to
        self._stop = threading.Event()  # run()'s: heard between batches and passes
        self._news = box.News()  # an EXISTS heard since the SEARCH: another pass, or not
        self._refused_login = RefusedLogin()  # a refused secret is not sent again at once

    # -- the two ways in -------------------------------------------------------------

    def poll_once(self) -> int:
        """Connect if needed, store every new message, move or flag it; how many were new.

        Connection and protocol failures come out as :class:`ImapError` with a
        message for the operator, a database outage as ``TransientError``; in both
        cases nothing unstored has been moved.
        """
        try:
            return self._sync(self._ensure_connected())
        except (OSError, IMAPClientError) as exc:
            self._drop()
            raise ImapError(describe(exc, self.account)) from exc
        except ImapError:  # the folder refused (read-only): imaplib refuses all after it
            self._drop()
            raise

    def run(self, stop: threading.Event) -> None:
        """Serve this account until ``stop`` is set; never raises, never spins."""
        log.info("imap %s: starting (%s, then %s)", self.key, self.account.tls, self.account.after)
        self._stop = stop
        while not stop.is_set():
            try:
                self._serve(stop)
            except Exception as exc:  # noqa: BLE001 - an account's failure must not end its thread
                self._drop()
                stop.wait(self._failures.failed(exc))
        self._stop = threading.Event()  # poll_once() on its own reads a folder whole
        self.close()
        log.info("imap %s: stopped", self.key)

    def __enter__(self) -> ImapPoller:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out; poll_once() keeps its connection open for the next call until this."""
        client, self._client = self._client, None
        self.status.connected = False
        if client is not None:
            try:
                client.logout()
            except (OSError, IMAPClientError):
                shutdown(client)

    # -- connection ------------------------------------------------------------------

    def _ensure_connected(self) -> IMAPClient:
        """The open connection if it still answers, else a new one."""
        if self._client is not None:
            try:
                self._client.noop()
                return self._client
            except (OSError, IMAPClientError):
                self._drop()
        return self._connect()

    def _connect(self) -> IMAPClient:
        self.status.connect_attempts += 1
        client = connect(self.account, self._refused_login, self.clock.now())
        self._client, self.status.connected = client, True
        return client

    def _drop(self) -> None:
        """Forget a connection that failed; a logout would only wait for a dead peer."""
        client, self._client = self._client, None
        self.status.connected = False
        if client is not None:
            shutdown(client)

    # -- one pass over the folder ----------------------------------------------------

    def _sync(self, client: IMAPClient) -> int:
        uidvalidity = box.select_to_read(client, self.account)  # read-only, no keyword kept: raises
        with transaction(self.sessions) as s:
            mark = sources.bookmark(s, self._source)
            # what an earlier run left or copied: taken up at the first pass after a start
            kept = self._held.taken_up(s)
        rescan = mark.uidvalidity is not None and mark.uidvalidity != uidvalidity
        self._acks.begin(uidvalidity, self.clock.now(), kept)
        self._acks.forget_gone_unreadable(client)  # moved or deleted by a person
        back = self._held.deleted.taken_back(client)  # its \\Deleted taken back: read now
        # a rescan goes on after what it stored so far (of the new UIDVALIDITY: it is
        # finished like what the bookmark covers)
        last_uid = self._rescan_from(mark.uidvalidity, uidvalidity) if rescan else mark.last_uid
        if last_uid:  # stored, not yet moved or flagged (a crash, a cut, a refusal)
            self._acks.finish_interrupted(client, last_uid, self.clock.now())
        else:  # a rescan from the start (a restart in it) reads a copied message again
            self._acks.look_for_copies(client)
        box.forget_news(client)
        # the first pass over a folder (or a rescan) stores what was there already: an
        # import, whose old or undated mail is filed but not answered (gateway.pipeline.archive)
        sweep = Pass(uidvalidity, rescan, bulk=rescan or mark.uidvalidity is None, read=last_uid)
        uids = sorted(u for u in client.search(["UID", f"{last_uid + 1}:*"]) if u > last_uid)
        uids = sorted({*back, *self._held.deleted.skip(client, uids)})  # not \\Deleted ones
        damaged = self._damage.before_pass(client, uids, self.key)
        if damaged is not None:
            self._held.step_over({damaged})
            self._read_up_to(sweep, damaged)
            uids = uids[1:]
        stored, whole = self._store_all(client, uids, sweep)
        ended = rescan and whole and not sweep.hole  # a rescan stopped half-way goes on
        if ended:
            self._rescan = (0, 0)  # ends here: the bookmark takes the new UIDVALIDITY
        if ended or not uids:  # a rescan's end, an empty pass: noted
            with transaction(self.sessions) as s:
                bookmark(s, self._source, sweep, self.clock.now())
        self._acks.end_pass(client, self.clock.now())
        self._held.write()  # what is left for a person: ``status`` and the alert say it
        return stored

    def _store_all(self, client: IMAPClient, uids: list[int], sweep: Pass) -> tuple[int, bool]:
        """How many of ``uids`` were new, and whether all were read: a stop is heard
        between batches (a daemon that stops, or lost its mailbox lock to another)."""
        stored, most = 0, self.settings.smtp.max_message_size
        for batch in self._damage.batches(uids, self.account.batch_size):
            size = self._sizes(client, batch)
            while batch:  # cut again after each part: a size that lied is learnt
                if self._stop.is_set():
                    return stored, False
                part = by_bytes(batch, size, most=most)[0]
                if size.get(part[0], 0) > most:
                    self._too_big(client, part[0], size[part[0]], sweep)
                    batch = batch[1:]
                    continue
                new, done = self._store_batch(client, part, sweep, size)
                stored, batch = stored + new, batch[done:]
        return stored, True

    def _too_big(self, client: IMAPClient, uid: int, size: int, sweep: Pass) -> None:
        """Over ``[smtp] max_message_size``: left unfetched, stepped over (``oversize``)."""
        if uid not in self._acks.unreadable:  # said once, not at every pass
            oversize.leave(client, self.key, uid, size, self.settings.smtp.max_message_size)
            self._held.step_over({uid})
        if not sweep.hole:
            self._read_up_to(sweep, uid)

    def _rescan_from(self, before: int | None, uidvalidity: int) -> int:
        """Where a rescan of ``uidvalidity`` goes on: after what it stored in an earlier
        pass (one that failed, or met a message without content), else from the start."""
        if self._rescan[0] == uidvalidity:
            return self._rescan[1]
        log.warning(
            "imap %s: UIDVALIDITY changed from %s to %s: rescanning the folder; "
            "what was stored before is recognised and skipped",
            self.key,
            before,
            uidvalidity,
        )
        self._rescan, self._damage = (uidvalidity, 0), Damage()  # the old UIDs mean nothing
        return 0

    def _read_up_to(self, sweep: Pass, uid: int) -> None:
        """Everything up to ``uid`` is stored or stepped over: the bookmark (a rescan's
        moves to the new UIDVALIDITY only at its end, so it is kept here till then)."""
        sweep.read = max(sweep.read, uid)
        if sweep.rescan:
            self._rescan = (sweep.uidvalidity, sweep.read)
            return
        with transaction(self.sessions) as s:
            bookmark(s, self._source, sweep, self.clock.now())

    def _sizes(self, client: IMAPClient, uids: list[int]) -> dict[int, int]:
        """Each message's size, to cut the batch where it would hold more than
        FETCH_BYTES and to leave one over the size limit (see ``batches``)."""
        try:
            return sizes(client, uids)
        except (OSError, IMAPClientError):
            self._damage.failed(uids)  # as a failed FETCH of the batch: one at a time next
            raise

    def _store_batch(
        self, client: IMAPClient, uids: list[int], sweep: Pass, size: dict[int, int]
    ) -> tuple[int, int]:
        """Fetch, commit rows and bookmark together, then move: the order is the guarantee.
        How many were new, and how many of ``uids`` are done with.

        A message that comes without content is neither stored nor acknowledged, and
        the bookmark stops before it (see ``damaged``). One bigger than its share of the
        fetch (``batches.learn``) is fetched again, and the mail after it."""
        self._gate()
        most = self.settings.smtp.max_message_size
        asked = each(uids, size, most)
        try:
            found = contents(client.fetch(uids, [oversize.first(asked)]), uids)
        except (OSError, IMAPClientError):
            self._damage.failed(uids)
            raise
        if (again_from := learn(found, asked, most, size)) is not None:
            uids = [uid for uid in uids if uid < again_from]
            found = {uid: raw for uid, raw in found.items() if uid < again_from}
            if not uids:
                return 0, 0
        self._damage.got_content(list(found))  # over ``most`` bytes (a size lied): left
        over = oversize.cut(client, self.key, found, most, self._acks.unreadable)
        self._held.step_over(over)
        missing = [uid for uid in uids if uid not in found and uid not in over]
        if missing:
            given_up = self._damage.given_up(client, missing, self.key)
            self._held.step_over(given_up)
            missing = sorted(set(missing) - given_up)
        if not sweep.hole:  # max: one read again below it (``deleted``) moves it not back
            sweep.read = max(sweep.read, missing[0] - 1 if missing else uids[-1])
            sweep.hole = bool(missing)
        try:
            new, again = self._commit(found, sweep)
        except IntegrityError:  # the same bytes committed meanwhile: by another poller
            new, again = self._commit(found, sweep)  # now found stored
            if met := said.uid_list(sorted(set(found) - set(new))):
                log.warning(
                    "imap %s: uid %s: stored meanwhile by another poller of this folder "
                    "(is another instance polling it?); recognised as stored",
                    self.key,
                    met,
                )
        self._acks.came_back(again, self.clock.now())  # put back under a new UID: bounded
        self._acks.deleted -= set(found)  # stored: its \\Deleted taken back (``deleted``)
        if sweep.rescan:
            self._rescan = (sweep.uidvalidity, sweep.read)
        if new:
            self.on_stored()
        self._acks.acknowledge(client, self._acks.due(list(found), self.clock.now()))
        return len(new), len(uids)

    def _commit(self, found: dict[int, bytes], sweep: Pass) -> tuple[list[int], dict[int, bytes]]:
        """The rows and the bookmark in one transaction (``commit``)."""
        return commit(self.sessions, self.clock, self.key, self._source, found, sweep)

    # -- waiting for mail ------------------------------------------------------------

    def _serve(self, stop: threading.Event) -> None:
        """Connect, catch up, then wait for news (IDLE or polling) until stopped."""
        self._catch_up()
        self._failures.recovered()
        while not stop.is_set():
            client = self._client
            if client is not None and self.account.idle and client.has_capability("IDLE"):
                self._idle(client, stop)
            else:
                stop.wait(self.account.poll_interval.total_seconds())
            if not stop.is_set():
                self._catch_up()

    def _catch_up(self) -> None:
        """Pass until a pass finds nothing, so the last command before IDLE is a SEARCH.

        Mail that arrives while a command runs is announced (``* n EXISTS``) in that
        command's answer, where imapclient drops it; IDLE would then wait for the
        *next* mail. So each pass forgets old announcements just before its SEARCH,
        and one heard during or after the SEARCH means another pass (``News``).
        """
        self._news.quiet = None  # heard before this wake (an EXPUNGE in IDLE may be missed)
        while not self._stop.is_set() and self._news.another_pass(self.poll_once(), self._client):
            pass

    def _idle(self, client: IMAPClient, stop: threading.Event) -> None:
        """Wait in IDLE, in short checks so a stop is seen; renewed long before 29 minutes."""
        client.idle()
        box.read_ahead(client)  # mail announced with ``+ idling`` (an EXISTS heard: news)
        self.status.idles += 1
        deadline = time.monotonic() + self._idle_renew.total_seconds()
        while not stop.is_set() and not self._news.heard(client):
            left = deadline - time.monotonic()
            if left <= 0 or box.heard_in_idle(client, min(IDLE_CHECK_SECONDS, left)):
                break
            if box.hung_up(client):  # idle_check swallows EOF: look, or we would spin
                break
        client.idle_done()  # raises when the server has gone: run() reconnects
