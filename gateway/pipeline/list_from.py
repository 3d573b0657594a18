"""Who wrote a mail a mailing list passed on with its From rewritten for DMARC.

A list cannot resend a mail under the From of a domain that publishes DMARC
``p=reject`` (its receivers would refuse it), so Mailman (``dmarc_mitigate_action:
munge_from``), Google Groups and others write their own address there, under the
name "Taro Yamada via support-list", and move the writer's address to Reply-To
(Mailman: to Cc when the list sets Reply-To to itself).
Read as written, the list was the requester: our acknowledgement and every answer
went to all its members, and the writer's own reply through the list was a stranger's.

Reply-To is taken for the writer only when the mail says, in the list's own words,
that this is what happened; an ordinary Reply-To (a person asking answers to go to
their team's mailbox, a shop's no-reply mail) never changes who wrote a mail:

* the From's name is "<name> via <list>" (Mailman, Google Groups: ``'Taro' via …``);
* Reply-To holds exactly one address, another than the From's; or, when Reply-To is
  the list's own (Mailman's ``reply_goes_to_list``) or absent, Cc holds one address
  the list named (below), where Mailman puts the writer then;
* the list named that address's owner: ``<name>`` is its name, or for a From without
  a name its local part, the address, or (Mailman 2.1) the address with " at " for "@".

Nothing here proves the writer; it says who the mail is *about*. A reply's proof is
still the reply address issued to them, which the list's copy carries in its To
(:func:`gateway.pipeline.authz.verify_sender` accepts the list's From beside it); the
list's DKIM signature is the list's, never the writer's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace

from gateway.core.model import Address, ParsedMessage

# "Taro Yamada via support-list", "'Taro Yamada' via Support" (Google Groups)
_VIA = re.compile(r"^\s*['\"]?(?P<name>.+?)['\"]?\s+via\s+\S.*$", re.IGNORECASE)


def writer_behind_list(msg: ParsedMessage) -> Address | None:
    """The writer's address when a list rewrote ``msg``'s From (the rules above)."""
    sender = msg.from_
    match = _VIA.match(sender.name) if sender is not None and sender.email else None
    if sender is None or match is None:
        return None
    named = _folded(match.group("name"))
    others = [r for r in msg.reply_to if r.email != sender.email]
    if others:  # Reply-To: the writer, alone
        places: tuple[Address, ...] = msg.reply_to if len(msg.reply_to) == 1 else ()
    else:  # the list's own Reply-To, or none: Mailman put the writer in Cc
        places = msg.cc
    found = [a for a in places if a.email and _named(a, named)]
    return found[0] if len(found) == 1 else None


def _named(address: Address, named: str) -> bool:
    """Whether the list's "<name> via" names ``address``'s owner, one of the ways a list
    writes a From (``_NAMINGS``)."""
    return named in {_folded(naming(address)) for naming in _NAMINGS}


# How a list names the writer before "via", one row each: what it had of their From.
_NAMINGS: tuple[Callable[[Address], str], ...] = (
    lambda a: a.name,  # their name: "Taro Yamada via it-users"
    lambda a: a.email.rsplit("@", 1)[0],  # the local part, for a From without a name
    lambda a: a.email,  # the whole address, for a From without a name
    # Mailman 2.1, for a From without a name: the address, "@" as " at " so that it
    # reads as no address ("taro at customer.test via it-users")
    lambda a: a.email.replace("@", " at ", 1),
)


def as_its_writer(msg: ParsedMessage, writer: Address) -> ParsedMessage:
    """``msg`` with ``writer`` as its From, the list's From kept beside it."""
    return replace(msg, from_=writer, list_from=msg.from_)


def _folded(name: str) -> str:
    """A name as compared: widths, case and spacing aside, no quotes around it."""
    return " ".join(unicodedata.normalize("NFKC", name).strip("'\" ").casefold().split())
