"""The claims that say a mail of ours came back and was told (``job_runs`` rows).

:mod:`gateway.tickets.returned_mail` takes them as it tells a bounce; the stale rule
(:mod:`gateway.scheduling.stale`) only reads them, for the board, the digest and
``status``. Apart, with nothing imported, so that reading which mails were told loads
none of the machinery that tells them (``tests/test_cli_light.py``).
"""

from __future__ import annotations

JOB = "mail-returned"  # one claim per outbox row (its id): the mail came back, told

# the outbox key of a pending reminder, before its period
# (gateway.scheduling.reminded.reminder_key)
REMINDER = "pending-reminder:"


def told_claims(ticket_id: int, outbox_id: int, key: str) -> list[tuple[str, str]]:
    """The claims (job, period) of which any says the mail of ``outbox_id`` (queued
    under ``key``) was told as come back: ours, and those an older release made for the
    same news under keys of its own (after an upgrade the sweeps read the same bounces
    again)."""
    # one per outbox row; an answer to a waiting requester that bounced: by ticket and
    # outbox row (older)
    claims = [(JOB, str(outbox_id)), ("answer-returned", f"{ticket_id}:{outbox_id}")]
    if key.startswith(REMINDER):  # a pending reminder that bounced: by its period (older)
        claims.append(("pending-returned", key.removeprefix(REMINDER)))
    return claims
