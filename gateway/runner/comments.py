"""Comments a writer marked with their name inside the old mail they answer (Outlook's
"Mark my comments with"), for the ticket and the requester.

Outlook copies the old mail unmarked under its header block, so the quote cutter takes
all of it for the old mail and the answers given in it were lost: a member's were read
(and relayed) from the plain part only, a requester's never. Here, for either: the
marked lines of the mail right under the header (:func:`.quotes.first_old_mail`), from
the plain text, or from the HTML when the mail has no plain part (new Outlook, Outlook
on the web), each under the lines it answers; not one a mail of the ticket holds
already (an earlier answer, shown again in the mail answered now).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from gateway.pipeline.parse import quotes
from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.inline_comments import (
    comment_names,
    marked_comments,
    may_hold_marks,
    with_questions,
)
from gateway.runner.arrival import Arrival
from store import conversation
from store.models import Ticket

__all__ = ["MAX_COMMENTS", "comments_of", "with_requester_comments"]

MAX_COMMENTS = 100  # comment lines read from the old mail: asked in one statement


def comments_of(
    a: Arrival,
    ticket: Ticket,
    names: frozenset[str],
    *,
    shown: Callable[[str], bool] | None = None,
    directions: tuple[str, ...] = ("out",),
) -> str:
    """The comments marked with one of ``names``, each under the old mail's lines it
    answers (those ``shown`` allows), "" when none; not one a mail of ``directions``
    on the ticket holds already."""
    if not may_hold_marks(a.msg.text):  # the HTML's marks are in its rendered text too
        return ""
    old = quotes.first_old_mail(a.msg.text)
    if not old and a.msg.html and ("[" in a.msg.text or "［" in a.msg.text):
        # HTML alone: its separator's rest was rendered quoted (rendered again only when
        # the text holds a bracket a mark may start with)
        old = quotes.first_old_mail(html_to_text(a.msg.html, separators=False))
    found = marked_comments(old, names)[:MAX_COMMENTS]
    if not found:
        return ""
    again = conversation.sent_before(a.session, ticket.id, [c.line for c in found], directions)
    return with_questions([c for c in found if c.line not in again], shown)


def with_requester_comments(a: Arrival, ticket: Ticket) -> Arrival:
    """``a`` with the customer's own comments in the old mail after their new text (what
    the ticket stores and shows): marked with the name their From shows or the
    address's local part; not one the ticket holds already (their earlier answer)."""
    if a.automated or not a.msg.text:
        return a
    shown_name = a.msg.from_.name if a.msg.from_ else ""
    found = comments_of(a, ticket, comment_names(shown_name, a.sender), directions=("in", "out"))
    if not found:
        return a
    text = "\n\n".join(t for t in (a.msg.new_text, found) if t)
    return replace(a, parsed=replace(a.msg, new_text=text))
