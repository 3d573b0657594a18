"""A member's mail that came back: their address is broken, or their mailbox gone.

A weekly digest (or a stale list, an alert, a sign-in link) to a member belongs to no
ticket, so its bounce is kept as an ignored inbox row (``gateway.runner.early``) and
was said nowhere else: the member missed their digests for months and nobody looked
at ``inbox list``. ``status`` warns of each member whose mail of ours came back within
:data:`WINDOW` (``member_mail_bounced``); a warning, not a problem: nobody on call can
fix a member's mailbox at night. It ends once the address in ``[[members]]`` is
corrected (only members' addresses are judged), or a week and a day after the bounce,
once the next weekly digest has gone out and not come back.

Read from the bounce's own bytes (the Message-IDs it returns, matched against the
outbox), not from the row's reason, which is words for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gateway.config.settings import Member
from gateway.core.i18n import N_, Msg
from gateway.core.returned import returned_message_ids
from gateway.notify import labels
from gateway.scheduling.health_report import iso
from store import outbox_delivery

WINDOW = timedelta(days=8)  # a weekly digest's week, and a day for it to come back


@dataclass(frozen=True, slots=True)
class BouncedMember:
    email: str  # the member's address, as [[members]] writes it
    kind: str  # the outbox kind of our mail that came back: weekly_digest …
    inbox_id: int  # the bounce, as inbox list shows it
    at: datetime  # when the bounce was processed

    def message(self) -> Msg:
        return N_(
            "mail to the member {email} came back ({mail}, bounce inbox #{inbox} at {at}): "
            "their address in [[members]] may be wrong or their mailbox gone; they get no "
            "digest or notice",
            email=self.email,
            mail=labels.NO_TICKET_MAILS.get(self.kind, labels.SOME_MAIL),
            inbox=self.inbox_id,
            at=iso(self.at),  # UTC: said in the team's zone to people (health.in_zone)
        )


def bounced_members(
    session: Session, members: Sequence[Member], now: datetime
) -> tuple[BouncedMember, ...]:
    """The newest bounce of a mail of ours about no ticket for each member, within
    :data:`WINDOW` of ``now``."""
    emails = {m.email.lower(): m.email for m in members}
    found: dict[str, BouncedMember] = {}
    for inbox_id, at, raw in outbox_delivery.ticketless_bounces(session, now - WINDOW):
        ids = returned_message_ids(raw)
        for mail in outbox_delivery.deliveries(session, ids):
            if mail.ticket_id is not None:
                continue
            for rcpt in mail.recipients:
                email = emails.get(rcpt.lower())
                if email is not None and email not in found:  # rows come newest first
                    found[email] = BouncedMember(email, mail.kind, inbox_id, at)
    return tuple(found.values())
