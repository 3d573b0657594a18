"""A line in a ticket's Slack thread about what just happened to it, in the channel's
language. Pure, as :mod:`gateway.chat.render`, whose card and facts it shares.

Slack reads a line as mrkdwn: what came from people (an address, a mail's words) is
made literal (:func:`~gateway.chat.markup.literal_slack`). Who did it is said as the
members' mails say it: a person by their address (with the honorific Japanese gives a
person, さん), the gateway's own changes (an event's actor ``schedule``, ``gateway``)
by what made them, in words of the reader's language, never as an internal name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.chat.markup import escape, literal_slack
from gateway.chat.render import TicketFacts, state_name
from gateway.core.domains import readable_address
from gateway.core.i18n import N_, Msg, translate
from gateway.notify.labels import SYSTEM_ACTORS


def line(facts: Mapping[str, str], t: TicketFacts, locale: str) -> dict[str, Any]:
    """A line in the ticket's thread about what just happened."""
    event, actor = facts.get("event", ""), _actor(facts.get("actor", ""))
    if event == "state":
        msg = N_(
            "{actor} changed the state: {old} → {new}",
            actor=actor,
            old=state_name(facts.get("old", ""), locale),
            new=state_name(facts.get("new", ""), locale),
        )
    elif event == "assign" and not facts.get("new"):  # tickets assign ID -
        msg = N_("{actor} took the ticket from its assignee; nobody has it now", actor=actor)
    elif event == "assign":
        msg = N_(
            "{actor} assigned the ticket to {new}",
            actor=actor,
            new=literal_slack(readable_address(facts["new"])),
        )
    elif event == "approved":
        msg = N_("{actor} approved the catalog action", actor=actor)
    elif event == "reply":
        head = translate(N_("{actor} answered by mail:", actor=actor), locale)
        said = literal_slack(facts.get("text", ""))  # a mail's words: no emoji, no ping
        quoted = "\n".join(f"> {x}" for x in said.splitlines())
        return {"text": f"{head}\n{quoted}"}
    else:
        msg = N_("{tag} changed", tag=escape(t.tag))
    return {"text": translate(msg, locale)}


def _actor(actor: str) -> Msg:
    """Who did it, as a thread line says it: the gateway's own part (an event's actor
    ``schedule``, ``gateway``) in the reader's words, a person by their address with
    the honorific their language gives a person (ja: さん)."""
    person = literal_slack(readable_address(actor))  # stored as xn--…, read in Unicode
    return SYSTEM_ACTORS.get(actor) or N_("{person} (a person)", person=person)
