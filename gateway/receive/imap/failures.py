"""What a poller does when its account fails: say it once, note it, wait, try again.

A server down, a network cut, a login refused or the database out are retried by the
poller's thread with exponential backoff and jitter (``core.backoff``), so many
accounts that fail together do not come back together. Each problem is logged once,
not at every retry, and written to ``source_state`` for ``status`` (but a database
outage, which the database cannot hold); when a pass works again, that is said once.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field

from imapclient.exceptions import IMAPClientError
from sqlalchemy.orm import Session, sessionmaker

from gateway.config.settings import ImapSettings
from gateway.core.backoff import backoff_delay
from gateway.core.clock import Clock
from gateway.core.counted import counted
from gateway.core.errors import GatewayError, TransientError
from gateway.core.i18n import Msg
from gateway.receive.imap.errors import describe
from store import sources
from store.db import transaction

log = logging.getLogger("gateway.imap")


@dataclass
class PollerStatus:
    """What the poller is doing, for ``status`` and for tests; written by its thread only."""

    connect_attempts: int = 0
    failures: int = 0  # in a row; back to 0 after a successful pass
    idles: int = 0  # IDLE commands issued
    connected: bool = False
    last_problem: Msg | None = None  # said in the reader's language; str() for the log


@dataclass
class Failures:
    """The failures of one account's poller, counted in its ``status``."""

    account: ImapSettings
    sessions: sessionmaker[Session]
    clock: Clock
    status: PollerStatus = field(default_factory=PollerStatus)

    def failed(self, exc: Exception) -> float:
        """Log a problem once (not at every retry), note it, and say how long to wait."""
        key, status = self.account.key, self.status
        status.failures += 1
        problem = describe(exc, self.account)
        delay = backoff_delay(
            status.failures, self.account.retry_initial, self.account.retry_max, random.random()
        )
        if problem != status.last_problem:
            log.error(
                "imap %s: %s; retrying with backoff (next try in %.1fs)",
                key,
                problem,
                delay,
                exc_info=not isinstance(exc, OSError | GatewayError | IMAPClientError),
            )
            status.last_problem = problem
            if not isinstance(exc, TransientError):  # the database cannot hold its own outage
                self._record(problem)
        else:
            log.debug("imap %s: still failing (%d in a row): %s", key, status.failures, problem)
        return delay

    def recovered(self) -> None:
        """A pass worked: the failures in a row are over (said once, if there were any)."""
        if self.status.last_problem:
            log.info(
                "imap %s: working again after %s",
                self.account.key,
                counted(self.status.failures, "failed attempt"),
            )
        self.status.failures, self.status.last_problem = 0, None

    def _record(self, problem: Msg) -> None:
        try:
            with transaction(self.sessions) as s:
                sources.record_error(s, self.account.source, problem, now=self.clock.now())
        except TransientError:
            log.debug("imap %s: could not record the error in the database", self.account.key)
