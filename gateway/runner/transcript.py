"""The transcript: one mail to the writer of a reply's commands, saying what each did.

Every mail with commands gets exactly one, listing each command as applied, refused
(with the reason) or ignored, said in the recipient's language when the mail is
rendered; after a refusal, the commands the writer may give. Kept apart from
:mod:`gateway.runner.ops`, which decides who is told and in which language.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.core.i18n import Msg
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
from gateway.pipeline import commands
from gateway.pipeline.commands import Applied, CommandOutcome, Refused, Role, repeated
from gateway.runner.arrival import Arrival
from gateway.runner.unsent_files import not_sent
from store.models import Ticket


def send_transcript(
    a: Arrival,
    ticket: Ticket,
    to: views.Person,
    outcomes: Sequence[CommandOutcome],
    locale: str,
    *,
    customer: Role | None = None,
) -> None:
    """What each command did; after a refusal, the commands the writer may give
    (``customer``: a customer's role, whose few commands are all they are shown)."""
    lines = tuple(views.CommandLine(o.line, *_result(o)) for o in outcomes)
    trouble = any(not isinstance(o, Applied) and not (repeated(o) or not_sent(o)) for o in outcomes)
    grammar = commands.grammar_for(customer)
    view = views.CommandResult(
        team=team(a.settings),
        recipient=to,
        ticket=ticket_ref(ticket, a.settings, a.now, a.catalog),
        commands=lines,
        help_text=grammar if trouble else "",
        customer=customer is not None,
    )
    queue_ticket_mail(
        a.session,
        a.settings,
        ticket,
        view,
        key=f"cmd:{a.row.id}",
        now=a.now,
        in_reply_to=a.answer_to,
        locale=locale,
    )


def _result(o: CommandOutcome) -> tuple[Msg, str]:
    """(what happened in words, and which: applied, refused or ignored)."""
    if isinstance(o, Applied):
        return o.summary, "applied"
    if isinstance(o, Refused):
        return o.why, "refused"
    return o.why, "ignored"
