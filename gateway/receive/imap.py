"""IMAP poller: a mailbox that is read once, completely, and never twice.

One poller per ``[[imap]]`` account. The UID high-water mark in ``source_state``
decides what is new, never ``\\Seen`` or any other flag, so people reading the
mailbox in their own client change nothing. A message is fetched with
``BODY.PEEK[]``, committed to the inbox together with the new bookmark, and only
then moved to ``processed_folder`` (or flagged). A crash between the commit and
the move leaves a message at or below the bookmark, which the next pass only
moves; a changed UIDVALIDITY makes the next pass a rescan in which the content
hash and the Message-ID keep what was stored from being stored again.

Failures (server down, network cut, login refused, database unavailable) are
logged once, retried with exponential backoff and jitter, and stay inside this
account's thread.
"""

from __future__ import annotations

import logging
import random
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import (
    CapabilityError,
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
)
from sqlalchemy.orm import Session, sessionmaker

from gateway.config.settings import ImapSettings, Settings
from gateway.core.backoff import backoff_delay
from gateway.core.clock import Clock
from gateway.core.errors import GatewayError, TransientError
from gateway.core.sniff import header_message_id
from gateway.receive.imap_auth import load_credentials
from store import inbox, sources
from store.db import transaction

log = logging.getLogger("gateway.imap")

# Servers may drop an IDLE after 29 minutes (RFC 2177), and one that misses a notice
# (seen with Dovecot when an APPEND races the start of IDLE) only tells at the next
# command: renewing bounds how late such mail can be.
IDLE_RENEW = timedelta(minutes=5)
IDLE_CHECK_SECONDS = 1.0  # how long `run` can take to notice its stop event
BODY = b"BODY[]"  # the key BODY.PEEK[] comes back under
_NOT_FLAG_SEARCH = {"\\Seen": "UNSEEN", "\\Flagged": "UNFLAGGED", "\\Answered": "UNANSWERED"}


class ImapError(GatewayError):
    """A mailbox problem, worded for the operator: TLS, login, network, protocol."""


@dataclass
class PollerStatus:
    """What the poller is doing, for ``status`` and for tests; written by its thread only."""

    connect_attempts: int = 0
    failures: int = 0  # in a row; back to 0 after a successful pass
    idles: int = 0  # IDLE commands issued
    connected: bool = False
    last_problem: str = ""


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verifying, always: ``ca_file`` replaces the system CAs, nothing turns checks off."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


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
    ) -> None:
        self.account, self.settings, self.sessions, self.clock = account, settings, sessions, clock
        self.on_stored = on_stored
        self.key = account.key
        self.status = PollerStatus()
        self._source = account.source
        self._idle_renew = idle_renew
        self._client: IMAPClient | None = None

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

    def run(self, stop: threading.Event) -> None:
        """Serve this account until ``stop`` is set; never raises, never spins."""
        log.info("imap %s: starting (%s, then %s)", self.key, self.account.tls, self.account.after)
        while not stop.is_set():
            try:
                self._serve(stop)
            except Exception as exc:  # noqa: BLE001 - an account's failure must not end its thread
                self._drop()
                stop.wait(self._failed(exc))
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
                _shutdown(client)

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
        credentials = load_credentials(self.account)  # before the socket: nothing to leak
        client = self._open()
        try:
            if credentials.mechanism == "xoauth2":
                client.oauth2_login(credentials.username, credentials.secret)
            else:
                client.login(credentials.username, credentials.secret)
            if self.account.after == "move":
                self._ensure_folder(client, self.account.processed_folder)
        except BaseException:
            _shutdown(client)
            raise
        self._client, self.status.connected = client, True
        return client

    def _open(self) -> IMAPClient:
        a, context = self.account, tls_context(self.account.ca_file)
        timeout = a.timeout.total_seconds()
        if a.tls == "implicit":
            return IMAPClient(a.host, a.port, ssl=True, ssl_context=context, timeout=timeout)
        client = IMAPClient(a.host, a.port, ssl=False, timeout=timeout)
        try:
            client.starttls(context)  # no STARTTLS offered: CapabilityError, never plain text
        except BaseException:
            _shutdown(client)
            raise
        return client

    def _ensure_folder(self, client: IMAPClient, name: str) -> None:
        if client.folder_exists(name):
            return
        try:
            client.create_folder(name)
        except IMAPClientError:
            if not client.folder_exists(name):  # else: another client was quicker
                raise
            return
        log.info("imap %s: created folder %r for processed messages", self.key, name)
        with suppress(IMAPClientError):
            client.subscribe_folder(name)  # so people see it in their own client

    def _drop(self) -> None:
        """Forget a connection that failed; a logout would only wait for a dead peer."""
        client, self._client = self._client, None
        self.status.connected = False
        if client is not None:
            _shutdown(client)

    # -- one pass over the folder ----------------------------------------------------

    def _sync(self, client: IMAPClient) -> int:
        uidvalidity = int(client.select_folder(self.account.folder)[b"UIDVALIDITY"])
        with transaction(self.sessions) as s:
            mark = sources.bookmark(s, self._source)
        rescan = mark.uidvalidity is not None and mark.uidvalidity != uidvalidity
        last_uid = 0 if rescan else mark.last_uid
        if rescan:
            log.warning(
                "imap %s: UIDVALIDITY changed from %s to %s: rescanning the folder; "
                "what was stored before is recognised and skipped",
                self.key,
                mark.uidvalidity,
                uidvalidity,
            )
        elif last_uid:
            self._finish_interrupted(client, last_uid)
        _forget_news(client)
        uids = sorted(u for u in client.search(["UID", f"{last_uid + 1}:*"]) if u > last_uid)
        size = self.account.batch_size
        stored = sum(
            self._store_batch(client, uids[i : i + size], uidvalidity, rescan)
            for i in range(0, len(uids), size)
        )
        if rescan or not uids:  # record the UIDVALIDITY and the success of an empty pass
            with transaction(self.sessions) as s:
                sources.advance(
                    s,
                    self._source,
                    uidvalidity=uidvalidity,
                    last_uid=max(uids, default=last_uid),
                    now=self.clock.now(),
                )
        return stored

    def _finish_interrupted(self, client: IMAPClient, last_uid: int) -> None:
        """Stored but not yet moved or flagged (a crash, a cut line): finish only that."""
        criteria: list[Any] = ["UID", f"1:{last_uid}"]
        if self.account.after == "flag":
            flag = self.account.processed_flag
            criteria += (
                [_NOT_FLAG_SEARCH[flag]] if flag in _NOT_FLAG_SEARCH else ["UNKEYWORD", flag]
            )
        leftovers = sorted(client.search(criteria))
        if leftovers:
            log.info(
                "imap %s: %d message(s) were stored before an interruption; completing the %s",
                self.key,
                len(leftovers),
                self.account.after,
            )
            for i in range(0, len(leftovers), self.account.batch_size):
                self._acknowledge(client, leftovers[i : i + self.account.batch_size])

    def _store_batch(
        self, client: IMAPClient, uids: list[int], uidvalidity: int, rescan: bool
    ) -> int:
        """Fetch, commit rows and bookmark together, then move: the order is the guarantee."""
        fetched = client.fetch(uids, ["BODY.PEEK[]"])
        found = [(uid, bytes(fetched[uid][BODY])) for uid in uids if BODY in fetched.get(uid, {})]
        with transaction(self.sessions) as s:
            now = self.clock.now()
            new = sum(self._accept(s, uid, uidvalidity, raw, rescan, now) for uid, raw in found)
            if rescan:  # the bookmark moves to the new UIDVALIDITY once the rescan is complete
                sources.touch(s, self._source, now=now)
            else:
                sources.advance(
                    s, self._source, uidvalidity=uidvalidity, last_uid=uids[-1], now=now
                )
        if new:
            self.on_stored()
        self._acknowledge(client, [uid for uid, _ in found])
        return new

    def _accept(
        self, s: Session, uid: int, uidvalidity: int, raw: bytes, rescan: bool, now: datetime
    ) -> int:
        """1 if a new inbox row was written; identical bytes are recognised by accept()."""
        message_id = header_message_id(raw) if rescan else None
        if message_id and sources.stored_message_id(s, f"{self.key}/", message_id):
            log.info(
                "imap %s: uid %s skipped in rescan: Message-ID <%s> already stored",
                self.key,
                uid,
                message_id,
            )
            return 0
        accepted = inbox.accept(
            s, raw, source="imap", now=now, source_ref=f"{self.key}/{uidvalidity}/{uid}"
        )
        return 0 if accepted.duplicate else 1

    def _acknowledge(self, client: IMAPClient, uids: list[int]) -> None:
        """Move (or flag) what is safely stored, with the fallbacks old servers need."""
        if not uids:
            return
        a = self.account
        if a.after == "flag":
            client.add_flags(uids, [a.processed_flag], silent=True)
        elif client.has_capability("MOVE"):
            client.move(uids, a.processed_folder)
        else:
            client.copy(uids, a.processed_folder)
            client.add_flags(uids, [DELETED], silent=True)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(uids)
            else:  # also removes what others marked \Deleted: the only way without UIDPLUS
                client.expunge()

    # -- waiting for mail ------------------------------------------------------------

    def _serve(self, stop: threading.Event) -> None:
        """Connect, catch up, then wait for news (IDLE or polling) until stopped."""
        self._catch_up()
        self._recovered()
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
        and one heard during or after the SEARCH means another pass.
        """
        while self.poll_once() or (self._client and _heard_of_new_mail(self._client)):
            pass

    def _idle(self, client: IMAPClient, stop: threading.Event) -> None:
        """Wait in IDLE, in short checks so a stop is seen; renewed long before 29 minutes."""
        client.idle()
        self.status.idles += 1
        deadline = time.monotonic() + self._idle_renew.total_seconds()
        while not stop.is_set() and not _heard_of_new_mail(client):
            left = deadline - time.monotonic()
            if left <= 0 or client.idle_check(timeout=min(IDLE_CHECK_SECONDS, left)):
                break
            if _hung_up(client):  # idle_check swallows EOF: look, or we would spin
                break
        client.idle_done()  # raises when the server has gone: run() reconnects

    # -- failures --------------------------------------------------------------------

    def _failed(self, exc: Exception) -> float:
        """Log a problem once (not at every retry), note it, and say how long to wait."""
        self.status.failures += 1
        problem = describe(exc, self.account)
        delay = backoff_delay(
            self.status.failures,
            self.account.retry_initial,
            self.account.retry_max,
            random.random(),
        )
        if problem != self.status.last_problem:
            log.error(
                "imap %s: %s; retrying with backoff (next try in %.1fs)",
                self.key,
                problem,
                delay,
                exc_info=not isinstance(exc, OSError | GatewayError | IMAPClientError),
            )
            self.status.last_problem = problem
            if not isinstance(exc, TransientError):  # the database cannot hold its own outage
                self._record_error(problem)
        else:
            log.debug(
                "imap %s: still failing (%d in a row): %s", self.key, self.status.failures, problem
            )
        return delay

    def _recovered(self) -> None:
        if self.status.last_problem:
            log.info(
                "imap %s: working again after %d failed attempt(s)", self.key, self.status.failures
            )
        self.status.failures, self.status.last_problem = 0, ""

    def _record_error(self, problem: str) -> None:
        try:
            with transaction(self.sessions) as s:
                sources.record_error(s, self._source, problem, now=self.clock.now())
        except TransientError:
            log.debug("imap %s: could not record the error in the database", self.key)


def describe(exc: BaseException, account: ImapSettings) -> str:
    """One line an operator can act on, for every way a mailbox session fails."""
    where = f"{account.host}:{account.port}"
    if isinstance(exc, GatewayError):
        suffix = "; messages stay on the server" if isinstance(exc, TransientError) else ""
        return f"{exc}{suffix}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate of {where} is not trusted ({exc.verify_message}); "
            "set ca_file to the CA that signed it"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot connect to {where}: connection refused (is the server down?)"
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer within {account.timeout.total_seconds():g}s"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve {account.host}: {exc.strerror}"
    if isinstance(exc, OSError):
        return f"network error with {where}: {exc.strerror or exc}"
    if isinstance(exc, LoginError):
        return f"login as {account.username!r} refused by {where}: {_server_text(exc)}"
    if isinstance(exc, CapabilityError):
        return f"{where} lacks a required capability: {exc}"
    if isinstance(exc, IMAPClientAbortError):
        return f"connection to {where} lost: {_server_text(exc)}"
    if isinstance(exc, IMAPClientError):
        return f"{where} refused a command: {_server_text(exc)}"
    return f"unexpected {type(exc).__name__}: {exc}"


def _server_text(exc: BaseException) -> str:
    """imaplib puts bytes reprs into messages: b'[AUTHENTICATIONFAILED] ...'."""
    text = str(exc)
    for quote in ("'", '"'):
        if text.startswith(f"b{quote}") and text.endswith(quote):
            return text[2:-1]
    return text


def _hung_up(client: IMAPClient) -> bool:
    """Readable right after idle_check drained every line means end of file."""
    poller = select.poll()
    poller.register(client.socket().fileno(), select.POLLIN)
    return bool(poller.poll(0))


def _shutdown(client: IMAPClient) -> None:
    with suppress(OSError, IMAPClientError):
        client.shutdown()


def _forget_news(client: IMAPClient) -> None:
    """Drop ``* n EXISTS`` lines heard so far: the SEARCH that follows covers them."""
    pending = client._imap.untagged_responses  # imaplib files them here; no public hook
    pending.pop("EXISTS", None)
    pending.pop("RECENT", None)


def _heard_of_new_mail(client: IMAPClient) -> bool:
    """An EXISTS heard since the last SEARCH: answers to commands, or the lines a
    server sends just before its ``+ idling``, which ``idle_check`` never sees."""
    return bool(client._imap.untagged_responses.get("EXISTS"))
