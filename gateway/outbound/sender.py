"""Drain the outbox: claim due rows, hand them to the transport, record the answer.

Nothing is sent inside a database transaction: rows are claimed (leased) in
one, sent, and the result recorded in another. The three answers:

* delivered → ``sent``; a later pass never touches the row again;
* temporary (4xx, relay down, timeout) → retried with exponential backoff on
  the injected clock, until ``give_up_after`` makes it permanent;
* permanent (5xx) → ``failed`` plus a ``delivery-failed`` event on the ticket.

A crash between the relay's ``250`` and the ``sent`` update leaves the lease to
expire and the mail is sent again, with the same bytes and Message-ID:
delivery is at-least-once, and a duplicate is recognisable as one.

The lease is kept while the batch is sent: several instances' senders share one
PostgreSQL outbox, and a batch that a slow relay made outlast its lease was taken
whole by the other instance's sender, and every mail of it sent twice, while this
one went on sending the rest (:mod:`store.leases`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from gateway.config.settings import OutboundSettings, Settings
from gateway.core.backoff import doubling
from gateway.core.clock import Clock
from gateway.core.counted import counted
from gateway.core.i18n import Msg
from gateway.notify.views import TO_MEMBERS
from gateway.outbound import failures
from gateway.outbound.transport import (
    PermanentFailure,
    RelayDown,
    TemporaryFailure,
    Transport,
    transport_for,
)
from gateway.tickets import undelivered
from store import messages, outbox, outbox_team, tickets
from store.db import transaction
from store.leases import Lease
from store.models import OutboxRow
from store.outbox import DueMail

log = logging.getLogger("gateway.sender")

BATCH = 20


@dataclass(slots=True)
class SendReport:
    sent: list[int] = field(default_factory=list)  # outbox ids
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def backoff(settings: OutboundSettings, attempts: int) -> timedelta:
    """retry_initial, doubled per failed attempt, capped at retry_max."""
    return doubling(attempts + 1, settings.retry_initial, settings.retry_max)


@dataclass
class Sender:
    settings: OutboundSettings
    clock: Clock
    sessions: sessionmaker[Session]
    transport_factory: Callable[[], Transport]
    # the addresses of [[members]] (None: no team configured, nothing checked): mail
    # only members get, still queued for someone no longer among them, is never sent
    team: frozenset[str] | None = None
    _team_checked: bool = field(default=False, init=False)

    @classmethod
    def configured(
        cls,
        settings: OutboundSettings,
        clock: Clock,
        sessions: sessionmaker[Session],
        team: frozenset[str] | None = None,
    ) -> Sender:
        """The sender of ``[outbound]``, as the daemon, the drainer and ``send`` use it:
        a transport made for each drain; ``team``: :func:`team_of` the settings."""
        return cls(settings, clock, sessions, lambda: transport_for(settings), team)

    def drain(self, should_stop: Callable[[], bool] = lambda: False) -> SendReport:
        """Send everything due now; returns what happened (for logs and tests)."""
        report = SendReport()
        self._check_team()
        transport = self.transport_factory()
        try:
            while not should_stop():
                now = self.clock.now()
                with transaction(self.sessions) as s:
                    due = outbox.claim_due(s, now, BATCH)
                if not due:
                    break
                lease = Lease.claimed(now, outbox.LEASE, (m.id for m in due))
                if not self._send_batch(transport, due, report, should_stop, lease):
                    break  # the relay is down (the rest waits for its backoff), or stop
        finally:
            transport.close()
        return report

    def _check_team(self) -> None:
        """Once, at the first drain (the team changes only with a restart): the mail
        for members queued before it (a notice held to be coalesced, a reminder waiting
        for the relay) to someone it no longer lists is taken back, not sent to an
        address that is no longer the team's; the manager hears of their tickets now
        (Settings.responsible)."""
        if self.team is None or self._team_checked:
            return
        with transaction(self.sessions) as s:
            gone = outbox_team.withdraw_unless_to(s, TO_MEMBERS, self.team, self.clock.now())
            messages.drop_outgoing(s, gone)  # a ticket lists the mails that went out
        self._team_checked = True
        if gone:
            log.info(
                "outbox: %s for people no longer members taken back", counted(len(gone), "mail")
            )

    def _send_batch(
        self,
        transport: Transport,
        due: list[DueMail],
        report: SendReport,
        should_stop: Callable[[], bool],
        lease: Lease,
    ) -> bool:
        """Send ``due`` in order; the ones sent are marked in one transaction at the end
        (also when the relay goes down half-way, or something raises): one wait for
        the database's write lock per batch, not one per mail, while the runner
        holds it for its groups (issue #18). A crash before that commit sends the
        batch's mails again, with the same Message-IDs: at least once, as always.
        A stop asked for ends the batch after the mail in hand (the daemon waits for
        this thread only so long: a slow relay's batch of 20 outlived it, and the
        mails it had sent went again after the restart); the rest is due at once.
        Half-way through the lease, the mails sent so far are marked and the lease of
        the rest renewed (:meth:`_keep`)."""
        sent: list[DueMail] = []
        try:
            for i, mail in enumerate(due):
                if i and should_stop():
                    with transaction(self.sessions) as s:
                        outbox.release(s, [m.id for m in due[i:] if m.id in lease.held])
                    return False
                if i and lease.half_spent(self.clock.now()):
                    self._mark_sent(sent, report)
                    sent.clear()
                    self._keep(lease, [m.id for m in due[i:]])
                if mail.id not in lease.held:
                    continue  # its lease ran out and another instance's sender has it
                try:
                    transport.send(mail)
                except PermanentFailure as exc:
                    self._failed(mail, exc.code, exc.said)
                    report.failed.append(mail.id)
                except RelayDown as exc:
                    log.warning(
                        "outbound %s unavailable, %s waiting: %s",
                        "maildir" if self.settings.mode == "maildir" else "relay",
                        counted(len(due) - i, "mail"),
                        exc,
                    )
                    for later in due[i:]:
                        if later.id in lease.held:
                            self._retry(later, exc.said, report)
                    return False
                except TemporaryFailure as exc:
                    self._retry(mail, exc.said, report)
                else:
                    sent.append(mail)
            return True
        finally:
            self._mark_sent(sent, report)

    def _keep(self, lease: Lease, ids: list[int]) -> None:
        """Renew the lease of the batch's rows still to send, as far as they are still
        this sender's (one that ran out may have been taken by another instance)."""
        with transaction(self.sessions) as s:
            lost = lease.renew(s, OutboxRow, ids, self.clock.now())
        if lost:
            log.warning("outbox=%s: the lease ran out, another sender has them", sorted(lost))

    def _mark_sent(self, sent: list[DueMail], report: SendReport) -> None:
        if not sent:
            return
        now = self.clock.now()
        with transaction(self.sessions) as s:
            for mail in sent:
                outbox.mark_sent(s, mail.id, now)
        for mail in sent:
            report.sent.append(mail.id)
            log.info(
                "sent outbox=%s ticket=%s kind=%s message_id=%s",
                mail.id,
                mail.ticket_id,
                mail.kind,
                mail.message_id,
            )

    def _retry(self, mail: DueMail, error: Msg | str, report: SendReport) -> None:
        now = self.clock.now()
        if now - mail.created_at >= self.settings.give_up_after:
            self._failed(mail, 0, failures.gave_up(self.settings.give_up_after, error))
            report.failed.append(mail.id)
            return
        next_at = now + backoff(self.settings, mail.attempts)
        with transaction(self.sessions) as s:
            outbox.mark_retry(s, mail.id, error, next_at)
        report.retried.append(mail.id)
        log.info("outbox=%s retry at %s: %s", mail.id, _iso(next_at), error)

    def _failed(self, mail: DueMail, code: int, error: Msg | str) -> None:
        now = self.clock.now()
        with transaction(self.sessions) as s:
            outbox.mark_failed(s, mail.id, error, now)
            ticket = tickets.get(s, mail.ticket_id) if mail.ticket_id is not None else None
            if ticket is not None:
                undelivered.failed(
                    s,
                    ticket,
                    now,
                    outbox_id=mail.id,
                    kind=mail.kind,
                    message_id=mail.message_id,
                    recipients=mail.recipients,
                    code=code,
                    error=error,
                    author=mail.author,
                )
        log.error(
            "outbox=%s ticket=%s not delivered to %s: %s",
            mail.id,
            mail.ticket_id,
            ", ".join(mail.recipients),
            error,
        )


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def team_of(settings: Settings) -> frozenset[str] | None:
    """The addresses of ``[[members]]`` the sender checks its member mail against; None
    while none are configured (then anyone holds a ticket: Settings.on_team)."""
    return frozenset(settings.team) if settings.members else None
