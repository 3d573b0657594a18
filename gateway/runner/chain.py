"""The runner's stages as one declared sequence (Mailman's chain tables are the model).

Each stage takes the :class:`~gateway.runner.arrival.Arrival` and either hands
it on (a copy with what it found) or ends processing with a verdict
(:mod:`gateway.runner.verdicts`). Order is policy: read-only stages first, so
an ignored message has written nothing; a stage that does not apply to the
message hands it on unchanged. The last stage always ends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.runner import early, new_request, replies, ticketless, wordless
from gateway.runner.arrival import Arrival
from gateway.runner.budget import Deadline
from gateway.runner.verdicts import Verdict

Stage = Callable[[Arrival], Arrival | Verdict]


@dataclass(frozen=True, slots=True)
class Link:
    name: str
    run: Stage


CHAIN: tuple[Link, ...] = (
    # bytes → ParsedMessage (or parsed ahead); input that is not mail at all: ignored
    Link("parse", early.parse),
    # only to postmaster (RFC 5321 4.5.1): kept for the administrator, never a ticket;
    # our own mail back: ignored; bounces, auto-replies, lists, alerts are marked
    Link("loops", early.classify_loop),
    # a Message-ID already on a ticket (the same mail by SMTP and IMAP): ignored
    Link("dedupe", early.dedupe),
    # reply token → In-Reply-To/References → subject tag; a stray bounce: ignored
    Link("thread", early.find_thread),
    # a member's reply to a mail of ours about no ticket (a digest, a summary, an alert),
    # by its headers alone: kept, no ticket; told how to open one if it looks like a request
    Link("about no ticket", ticketless.reply_to_ticketless),
    # a mail with no words, only an invite, an attached mail, S/MIME or PGP/MIME: its text
    # (a member's: only what their ticket shows, never read as their commands)
    Link("no words", wordless.fill_in),
    # no ticket yet: open, file under the catalog, read the sheet, answer, notify
    Link("new request", new_request.new_request),
    # a member's reply: proven (token, trusted DKIM/DMARC) → commands and relay; else rejected
    Link("member reply", replies.member_reply),
    # anyone else's reply: state by the state machine, fields, a requester's /close
    Link("requester reply", replies.requester_reply),
)


class ChainEnded(RuntimeError):
    """The last stage handed the message on: a bug in the table (the row is shunted)."""


def run_chain(
    a: Arrival, chain: tuple[Link, ...] = CHAIN, deadline: Deadline | None = None
) -> tuple[Verdict, str]:
    """The verdict and the name of the stage that gave it. Before each stage but the
    first the row's budget is checked (:mod:`gateway.runner.budget`): a row past it
    raises BudgetExceeded, and the runner shunts it with that reason."""
    done = ""
    for link in chain:
        if deadline is not None and done:
            deadline.check(done, link.name)
        result = link.run(a)
        if not isinstance(result, Arrival):
            return result, link.name
        a, done = result, link.name
    raise ChainEnded("no stage ended the message")
