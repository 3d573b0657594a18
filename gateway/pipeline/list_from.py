"""Who wrote a mail a mailing list passed on with its From rewritten for DMARC.

A list cannot resend a mail under the From of a domain that publishes DMARC
``p=reject`` (its receivers would refuse it), so Mailman (``dmarc_mitigate_action:
munge_from``), Google Groups and others write their own address there, under the
name "Taro Yamada via support-list", and move the writer's address to Reply-To
(Mailman: to Cc when the list already sets Reply-To; that mail keeps the list's From).
Read as written, the list was the requester: our acknowledgement and every answer
went to all its members, and the writer's own reply through the list was a stranger's.

Reply-To is taken for the writer only when the mail says, in the list's own words,
that this is what happened; an ordinary Reply-To (a person asking answers to go to
their team's mailbox, a shop's no-reply mail) never changes who wrote a mail:

* the From's name is "<name> via <list>" (Mailman, Google Groups: ``'Taro' via …``);
* Reply-To holds exactly one address, another than the From's;
* the list named that address's owner: ``<name>`` is the Reply-To's name, or its
  local part (what Mailman writes for a From without a name).

Nothing here proves the writer; it says who the mail is *about*. A reply's proof is
still the reply address issued to them, which the list's copy carries in its To
(:func:`gateway.pipeline.authz.verify_sender` accepts the list's From beside it); the
list's DKIM signature is the list's, never the writer's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from gateway.core.model import Address, ParsedMessage

# "Taro Yamada via support-list", "'Taro Yamada' via Support" (Google Groups)
_VIA = re.compile(r"^\s*['\"]?(?P<name>.+?)['\"]?\s+via\s+\S.*$", re.IGNORECASE)


def writer_behind_list(msg: ParsedMessage) -> Address | None:
    """The writer's address when a list rewrote ``msg``'s From (the rules above)."""
    sender = msg.from_
    if sender is None or not sender.email or len(msg.reply_to) != 1:
        return None
    match = _VIA.match(sender.name)
    writer = msg.reply_to[0]
    if match is None or not writer.email or writer.email == sender.email:
        return None
    named = _folded(match.group("name"))
    local = writer.email.rsplit("@", 1)[0]
    if named not in (_folded(writer.name), _folded(local)):
        return None
    return writer


def as_its_writer(msg: ParsedMessage, writer: Address) -> ParsedMessage:
    """``msg`` with ``writer`` as its From, the list's From kept beside it."""
    return replace(msg, from_=writer, list_from=msg.from_)


def _folded(name: str) -> str:
    """A name as compared: widths, case and spacing aside, no quotes around it."""
    return " ".join(unicodedata.normalize("NFKC", name).strip("'\" ").casefold().split())
