"""A member's words for the requester: which of the lines they wrote go, and the relay.

What they wrote, without the lines of our mail they answered under one by one (but
with the customer's lines they answered inline), with the comments they marked in the
old mail as Outlook marks them; then relayed to the requester and the others on the
ticket, from the team address, threaded. Kept apart from :mod:`gateway.runner.ops`,
which decides whether the words go at all (a ``/note``, a refused ``/answer``).
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.config.settings import Member
from gateway.pipeline.parse import quotes
from gateway.pipeline.parse.inline_answers import answers_shown
from gateway.pipeline.parse.inline_comments import comment_names
from gateway.runner import comments
from gateway.runner.arrival import Arrival
from gateway.runner.proof import CHANNEL
from gateway.runner.relay_files import member_files
from gateway.tickets.relay import relay_answer
from store import conversation
from store.models import Ticket


def answers(a: Arrival, ticket: Ticket, text: str) -> str:
    """The member's words for the requester: above an answer given inline, the lines it
    answers that a customer wrote or was sent (never our notice's own lines, its notes);
    no other quoted line (:func:`gateway.pipeline.parse.inline_answers.answers_shown`)."""
    if ">" not in text and "＞" not in text and "|" not in text and "｜" not in text:
        return quotes.without_quoted_lines(text, a.msg.text)  # no quote: no query
    return answers_shown(text, a.msg.text, _customers_read(a, ticket))


def inline_comments(a: Arrival, ticket: Ticket, member: Member) -> str:
    """The member's comments in the old mail they answer, marked with their name as
    Outlook marks them (:mod:`gateway.runner.comments`), each under the lines it answers
    that a customer wrote or was sent; not one the ticket sent already."""
    shown = a.msg.from_.name if a.msg.from_ else ""
    names = comment_names(shown, a.sender) | comment_names(member.name, member.email)
    return comments.comments_of(a, ticket, names, shown=_customers_read(a, ticket))


def _customers_read(a: Arrival, ticket: Ticket) -> Callable[[str], bool]:
    """Whether a line is one a customer of ``ticket`` wrote or was sent; the ticket's
    mails are read at the first line asked about, not for every member's reply (most
    have no comment and no inline answer to show a question for)."""
    seen: frozenset[str] | None = None

    def shown(line: str) -> bool:
        nonlocal seen
        if seen is None:
            members = frozenset(e.lower() for e in a.settings.team)
            seen = conversation.customer_lines(a.session, ticket.id, members)
        return line in seen

    return shown


def relay(
    a: Arrival,
    ticket: Ticket,
    member: Member,
    text: str,
    *,
    relay_files: bool,
    audience: set[str] | None = None,
) -> int:
    """The member's answer to the requester and every non-member participant (of
    ``audience`` only, when given), with the files of their mail (``relay_files``)
    when the words are an answer."""
    return relay_answer(
        a.session,
        a.settings,
        ticket,
        member,
        text,
        key=f"ops:{a.row.id}",
        now=a.now,
        channel=CHANNEL,
        files=member_files(a) if relay_files and text.strip() else (),
        audience=audience,
    )
