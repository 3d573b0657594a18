"""How processing one inbox row ends: typed verdicts, and the one map to dispositions.

Every stage of the chain (:mod:`gateway.runner.chain`) either hands the message
on or ends it with a verdict; exceptions end it too. :data:`DISPOSITIONS` and
:func:`for_exception` are DESIGN.md's outcome table, and the only place that
turns either into an inbox state; beside them, what ``ingest`` says of a row an
exception ended (:func:`deferred_said`, :func:`shunted_said`).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.core.errors import TransientError
from gateway.core.i18n import N_, Msg
from gateway.core.model import InboxState


@dataclass(frozen=True, slots=True)
class Done:
    """The ticket changed: a new ticket, a message appended, a command applied."""

    ticket_id: int
    summary: str  # "new ticket, filed under vpn", "appended (via headers)", …
    # the summary as a person reads it in their language (ingest's line); None: a
    # summary no stage says so yet, shown as recorded
    said: Msg | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    """Nothing to do with this message. Only stages that have written nothing yet
    return it (parse, loops, dedupe, thread), so there is nothing to undo; but for
    "about no ticket", whose one write (a notice to the member, through the outbox)
    commits with the disposition."""

    reason: str
    said: Msg | None = None  # the reason in the reader's language (as Done.said)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A refused change (a member's mail that proves nothing). What the stage wrote
    (the security event, the notice to the member) commits with the disposition."""

    ticket_id: int
    reason: str
    said: Msg | None = None  # the reason in the reader's language (as Done.said)


Verdict = Done | Ignored | Rejected

# verdict → inbox state (DESIGN.md's outcome table)
DISPOSITIONS: dict[type[Verdict], InboxState] = {
    # processed: new ticket, appended, reopened, command applied; mails via the outbox
    Done: InboxState.DONE,
    # not mail, our own mail back, a duplicate, a bounce or auto-reply for no ticket,
    # a member's reply to a mail of ours about no ticket (a digest, a summary)
    Ignored: InboxState.IGNORED,
    # refused change: one templated reason went to the member's configured address
    Rejected: InboxState.REJECTED,
}


def disposition(verdict: Verdict) -> InboxState:
    return DISPOSITIONS[type(verdict)]


def for_exception(exc: BaseException) -> InboxState | None:
    """None: transient (database locked or gone), the row stays pending and is retried
    with backoff; anything else is our bug, or a row that overran its processing
    budget (BudgetExceeded, issue #14): the row is shunted, the reason and traceback kept."""
    return None if isinstance(exc, TransientError) else InboxState.SHUNTED


def deferred_said(exc: BaseException) -> Msg:
    """Why a row stays pending, for ``ingest``'s line: an outage, retried later; why in
    the reader's words where the cause is known (``gateway.core.db_errors``), else our
    own English text quoted as a detail (the record keeps ``transient: …``)."""
    if isinstance(exc, TransientError) and exc.reason is not None:
        return N_("a temporary failure, retried later: {why}", why=exc.reason)
    return N_("a temporary failure, retried later (“{error}”)", error=str(exc))


def shunted_said(error: str) -> Msg:
    """Why a row was shunted, for ``ingest``'s line: a failure of ours, the row kept for
    ``inbox retry`` after the fix; the error (``RuntimeError: …``) quoted as a detail."""
    return N_("a failure of ours, the mail kept to retry after the fix (“{error}”)", error=error)


def reason_of(verdict: Verdict) -> str:
    return verdict.summary if isinstance(verdict, Done) else verdict.reason


def said_of(verdict: Verdict) -> Msg | None:
    return verdict.said


def ticket_of(verdict: Verdict) -> int | None:
    return None if isinstance(verdict, Ignored) else verdict.ticket_id
