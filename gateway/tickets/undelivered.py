"""A mail of the ticket that the relay refused for good, or that was given up on.

Its ``delivery-failed`` event keeps the relay's answer for the history; and the member
who has the ticket hears of it in their next notice, in their language
(:mod:`gateway.tickets.to_members`), once, in the transaction that marks the mail
failed: a member who answered believes the customer has the answer until told, and
nobody opens the history to learn otherwise. So when the mail carried another member's
words (an answer relayed from their reply, the CLI or Slack: the outbox row keeps its
author), that member is told too, once, in theirs; one who is both hears it once. A
mail to a member is not told by mail: the notice would go where the last one could
not, and its failure be told again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.core.i18n import N_, Msg
from gateway.tickets import changes, event_words
from gateway.tickets.conversation import Fact, note
from store.models import Ticket


def came_back(reason: str = "") -> Msg:
    """Why a mail the relay took is undelivered after all: a bounce on its ticket names
    it (told once, by whoever notices first: gateway.tickets.returned_mail). ``reason``:
    what the receiving server said, as the bounce reports it
    (:func:`gateway.pipeline.bounced.reason`), which tells a mistyped address from a
    full mailbox; "" when it reports nothing we read."""
    if reason:
        return N_("it was sent, then came back as undeliverable: {reason}", reason=reason)
    return N_("it was sent, then came back as undeliverable")


def failed(
    session: Session,
    ticket: Ticket,
    now: datetime,
    *,
    outbox_id: int | None,
    kind: str,
    message_id: str,
    recipients: tuple[str, ...],
    code: int,
    error: Msg | str,
    author: str | None = None,
    key: str | None = None,
) -> None:
    """The mail ``outbox_id`` of ``kind`` to ``recipients`` will never be delivered
    (None: it could not even be queued, an address we cannot write); ``author``: the
    member whose words it carried (None: the gateway's own); ``key``: the cause of a
    mail never queued, kept so that the same cause is not told twice."""
    changes.record(
        session,
        ticket,
        "delivery-failed",
        now,
        actor="gateway",
        channel="system",
        new=kind,
        detail={
            "outbox_id": outbox_id,
            "message_id": message_id,
            "recipients": list(recipients),
            "code": code,
            "error": str(error),  # in English: --json, scripts
            **event_words.said(error),  # … said in each reader's language
            **({"author": author} if author else {}),  # whose answer did not arrive
            **({"key": key} if key else {}),  # the answer never queued: told once
        },
    )
    fact = Fact(
        ticket,
        "undelivered",
        now,
        "gateway",
        new=", ".join(recipients),
        name=kind,
        text=str(error),  # a reader's language has only this for an error kept as text
        cause=error if isinstance(error, Msg) else None,
        recipients=recipients,
        author=author or "",
    )
    note(session, fact)
