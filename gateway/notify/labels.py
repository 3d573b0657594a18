"""Names of the gateway's own values as people read them, in their language.

The values themselves (``open``, ``no-response``, ``first_response`` …) stay
English: they are stored, typed in commands and printed by ``--json``. What a
mail (or a line of the CLI) shows is the label, a msgid of the gettext
catalogs, translated when it is said. Templates reach the tables through
filters (``{{ ticket.state|state }}``, ``{{ c.status|outcome }}`` …) that
:func:`filters` builds for one language; code that puts a value into a
:class:`~gateway.core.i18n.Msg` passes the label Msg as a parameter, so it is
translated with the sentence around it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gateway.core.i18n import N_, Msg, translate

# a mail of ours about no ticket → how a notice names it ("Your mail answered the weekly
# digest"): the kinds gateway.notify.queue.queue_member_mail sends (gateway.runner.ticketless)
NO_TICKET_MAILS: dict[str, Msg] = {
    "weekly_digest": N_("the weekly digest"),
    "weekly_summary": N_("the weekly summary"),
    "stale_reminder": N_("a stale reminder"),
    "sla_overdue_list": N_("a list of overdue tickets"),
    "health_alert": N_("a health alert"),
    "sign_in": N_("a sign-in link"),
    "ticketless_reply": N_("our notice that a reply opened no ticket"),
    "left_work": N_("the open tickets of someone who left the team"),  # to a manager
}
SOME_MAIL = N_("a mail of ours")  # a kind added later, not named above yet

# an event's actor when no person acted → who did it, where a line or a cell starts with
# it (a chat thread's line, the history on a ticket's page); a person is their address
SYSTEM_ACTORS: Mapping[str, Msg] = {
    "schedule": N_("The scheduler"),  # the pending close (gateway.scheduling.sweeps)
    "schedule:inventory": N_("The inventory"),  # an inventory's force-close
    "gateway": N_("The gateway"),  # a catalog action's result, the filing's assignment
}

# the same actors inside a sentence or after a time (a member's notice: "… the gateway gave
# this ticket to …"; the history of ``tickets show``)
SYSTEM_ACTORS_IN_TEXT: Mapping[str, Msg] = {
    "schedule": N_("the scheduler"),  # the pending close (gateway.scheduling.sweeps)
    "schedule:inventory": N_("the inventory"),  # an inventory force-close
    "gateway": N_("the gateway"),  # a catalog action, filing
}

# ticket state → its name, as members read it in every door (mails, pages, chat, the
# CLI's lines; the README's "Japanese wording"; see gateway/tickets/states.py)
STATES: Mapping[str, Msg] = {
    "new": N_("new"),  # received, nobody has worked on it yet
    "open": N_("in progress"),  # someone works on it
    "pending": N_("waiting for reply"),  # the team waits for the requester
    "closed": N_("closed"),  # done; the close reason says how
}

# ticket state → its name in a mail to the requester (a status mail, a saved answer):
# the team waits for *them*, which a member's plain 返信待ち does not say
CUSTOMER_STATES: Mapping[str, Msg] = {
    **STATES,
    "pending": N_("waiting for your reply"),  # the team waits for the reader
}

# close reason → its name (CloseReason values, also the words /close takes)
CLOSE_REASONS: Mapping[str, Msg] = {
    "resolved": N_("resolved"),  # the default: the problem was solved
    "stale": N_("no recent activity"),  # nobody touched it for too long (the inventory)
    "duplicate": N_("duplicate"),  # the same request is another ticket
    "spam": N_("spam"),  # not a request at all
    "no-response": N_("no response"),  # pending, and the requester never answered
}

# what became of one command line of a reply (the transcript's verdicts)
OUTCOMES: Mapping[str, Msg] = {
    "applied": N_("applied"),  # carried out
    "refused": N_("refused"),  # not allowed or not understood; the reason follows
    "ignored": N_("ignored"),  # below the command-line limit: not read at all
}

# an action run's state → its name (store.action_runs.STATES; the words --state takes)
RUN_STATES: Mapping[str, Msg] = {
    "awaiting_approval": N_("awaiting approval"),  # a manager must approve it first
    "pending": N_("waiting to run"),  # due now, or at its next try
    "running": N_("running"),
    "succeeded": N_("succeeded"),
    "failed": N_("failed"),  # for good: ticket-gateway actions retry runs it again
}

# SLA deadline → its name (gateway.scheduling.rules targets)
SLA_TARGETS: Mapping[str, Msg] = {
    "first_response": N_("first response"),  # a person first answered the requester
    "resolve": N_("resolution"),  # the ticket was closed
}

# priority → its name (gateway.core.priority values, also the words /priority takes)
PRIORITIES: Mapping[str, Msg] = {
    "low": N_("low"),  # whenever there is time
    "normal": N_("normal"),  # the default
    "high": N_("high"),  # before the normal ones
    "urgent": N_("urgent"),  # drop everything
}


def field_cleared(name: object, old: object) -> Msg:
    """A sheet field's value removed, as every door says it (the notice's words): an
    event keeps ``old`` and no ``new``, which read "Plan: pro → " as a change to nothing."""
    return N_("cleared {name} (it was {old})", name=name, old=old)


def file_size(size: int) -> Msg:
    """A file's size as people read it: bytes under 1 KB, then KB, then MB (1024s)."""
    if size < 1024:
        return N_("{n} bytes", n=size)
    if size < 1024 * 1024:
        return N_("{n} KB", n=round(size / 1024))
    return N_("{n} MB", n=round(size / 1024 / 1024, 1))


def _label(table: Mapping[str, Msg]) -> Callable[[str], Msg | str]:
    """A value's label; an unknown value (a newer state, data) is shown as it is."""
    return lambda value: table.get(value, value)


state = _label(STATES)
customer_state = _label(CUSTOMER_STATES)
close_reason = _label(CLOSE_REASONS)
outcome = _label(OUTCOMES)
sla_target = _label(SLA_TARGETS)
priority = _label(PRIORITIES)
run_state = _label(RUN_STATES)

# filter name in templates → the label it shows
_FILTERS: Mapping[str, Callable[[str], Msg | str]] = {
    "state": state,
    "customer_state": customer_state,
    "close_reason": close_reason,
    "outcome": outcome,
    "sla_target": sla_target,
    "priority": priority,
}


def filters(locale: str) -> dict[str, Callable[[Any], str]]:
    """The label tables (and a file's size, ``|size``) as Jinja filters that answer
    in ``locale``."""

    def said(label: Callable[[str], Msg | str]) -> Callable[[Any], str]:
        return lambda value: translate(label(value), locale)

    found = {name: said(label) for name, label in _FILTERS.items()}
    found["size"] = lambda value: translate(file_size(int(value)), locale)
    return found
