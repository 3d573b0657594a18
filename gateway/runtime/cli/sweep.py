"""``ticket-gateway sweep``: the daemon's pass by hand, or from cron at a site without
the daemon. Its exit status is what cron sees: 0 when every ticket went through, 75
(retry later) when one failed and was left for the next sweep."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING

from gateway.core.i18n import N_, NP_
from gateway.runtime.cli.common import EX_OK, EX_TEMPFAIL, Speaker, opened

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from gateway.config.settings import Settings
    from gateway.scheduling.context import JobContext, SweepReport


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    """The sweeps, and the weekly digest when it is due and unsent, as the daemon's pass
    runs them: a site without the daemon runs this from cron, and the digest has no
    other scheduled caller there (``digest`` sends a week's by hand, due or not)."""
    from gateway.runtime.cli.schedule import _print_raw
    from gateway.scheduling import left_work, retention, scheduler, sent_bytes
    from gateway.scheduling.sweeps import run_sweeps
    from store import outbox
    from store.db import transaction

    said = Speaker(settings)
    with opened(settings) as app:
        ctx, now = scheduler.context(app), app.clock.now()
        if args.dry_run:  # the real pass in a transaction that is rolled back
            with app.sessions() as s:
                report = run_sweeps(s, ctx, now)
                left_work.tell(s, ctx, now, report)  # the file's team: see left_work
                report.outbox += _digest_due(s, ctx, now, report)
                raws = [row.raw for row in outbox.rows(s) if row.id in report.outbox]
                s.rollback()
            for raw in raws:  # printed once the locks are given back (see cmd_digest)
                _print_raw(raw)
            for job, ids in sorted(report.tickets.items()):  # the changes, which no mail
                if ids:  # may show (a close whose requester is told nothing)
                    numbers = ", ".join(f"#{i}" for i in sorted(set(ids)))
                    said.say(N_("{job}: {tickets}", job=job, tickets=numbers))
            _say_sent_bytes(said, sent_bytes.due(app.sessions, settings.outbound, now), True)
            due = retention.due(app.sessions, settings, now)
            if due:
                said.say(
                    NP_(
                        "{n} closed ticket would be erased ([retention])",
                        "{n} closed tickets would be erased ([retention])",
                        len(due),
                        n=len(due),
                    )
                )
            said.say(N_("dry run: {summary} (nothing written)", summary=report.message()))
            return _failed(said, report)
        with transaction(app.sessions) as s:
            report = run_sweeps(s, ctx, now)
        with transaction(app.sessions) as s:  # the file's team, read now: see left_work
            left_work.tell(s, ctx, now, report)
        with transaction(app.sessions) as s:  # its own, as the pass's: a sweep that
            report.outbox += _digest_due(s, ctx, now, report)  # fails holds nothing back
        dropped = sent_bytes.drop_old(app.sessions, settings.outbound, now)  # cron's site too
        erased = retention.drop_closed(app.sessions, settings, now)
    said.say(report.message())
    _say_sent_bytes(said, dropped, False)
    if erased:
        said.say(
            NP_(
                "{n} closed ticket erased ([retention])",
                "{n} closed tickets erased ([retention])",
                erased,
                n=erased,
            )
        )
    return _failed(said, report)


def _say_sent_bytes(said: Speaker, n: int, dry: bool) -> None:
    """The sent mails whose bytes were (or, in a dry run, would be) emptied: the dry run
    lists everything the real sweep does, and this is a change no mail shows."""
    if not n:
        return
    if dry:
        said.say(
            NP_(
                "the bytes of {n} sent mail would be emptied ([outbound] keep_sent)",
                "the bytes of {n} sent mails would be emptied ([outbound] keep_sent)",
                n,
                n=n,
            )
        )
        return
    said.say(
        NP_(
            "the bytes of {n} sent mail emptied ([outbound] keep_sent)",
            "the bytes of {n} sent mails emptied ([outbound] keep_sent)",
            n,
            n=n,
        )
    )


def _failed(said: Speaker, report: SweepReport) -> int:
    """75 and a line on stderr when a ticket failed in the pass: its error is in the log
    and the others went through, but cron sees only the exit status and stderr. The
    README's "retry later": the next sweep tries the ticket again."""
    if not report.failed:
        return EX_OK
    numbers = ", ".join(f"#{i}" for i in sorted(set(report.failed)))
    said.warn(
        NP_(
            "ticket {tickets} failed in this sweep and was left as it was (the log says "
            "why); the next sweep tries it again",
            "tickets {tickets} failed in this sweep and were left as they were (the log "
            "says why); the next sweep tries them again",
            len(set(report.failed)),
            tickets=numbers,
        )
    )
    return EX_TEMPFAIL


def _digest_due(session: Session, ctx: JobContext, now: datetime, report: SweepReport) -> list[int]:
    """The scheduled digest's mails if it is due now (:func:`gateway.scheduling.digest.send_due`,
    claimed once), counted in ``report`` as the daemon's pass counts them."""
    from gateway.scheduling import digest
    from gateway.scheduling.rules import Job

    sent = digest.send_due(session, ctx, now)
    if sent:
        report.done[Job.DIGEST] += 1
    return sent
