"""What ``ingest`` says of a reply or an ignored mail to the person who ran it.

The row's reason (``appended (via tag, commands: 1 applied)``) is the English record
the inbox, ``inbox list`` and the log keep, and scripts read; a Japanese line showed
it whole inside its Japanese words. These are the same facts as sentences of the
catalogs (:mod:`gateway.runner.new_said` says a new ticket's).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gateway.core.i18n import N_, NP_, Msg
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.thread import ThreadVia

# how a mail found its ticket → the clause that says so
VIA: dict[str, Msg] = {
    ThreadVia.TOKEN: N_("found by its reply address"),  # a reply address we issued
    ThreadVia.HEADERS: N_("found by its In-Reply-To or References"),  # a Message-ID of ours
    ThreadVia.TAG: N_("found by the ticket number in its subject"),  # the [#n] tag
    ThreadVia.NONE: N_("found by no reference"),  # never on a reply; said, not raised
}

# what kind of machine mail it is → its name in a sentence
MACHINE: dict[str, Msg] = {
    LoopVerdict.BOUNCE: N_("a bounce"),  # a delivery status notification
    LoopVerdict.AUTO_REPLY: N_("an auto-reply"),  # vacation, out-of-office
    LoopVerdict.REPORT: N_("a read receipt or report"),  # MDN, ARF
    LoopVerdict.LIST: N_("list mail"),  # mailing-list or bulk mail
    LoopVerdict.AUTOMATED: N_("machine mail"),  # alerts and the like
    LoopVerdict.HUMAN: N_("a person's mail"),  # not machine mail at all
    LoopVerdict.OWN: N_("our own mail"),  # came back
}

# what proved a member's mail (authz.Verdict.via) → its name in a sentence
PROOF: dict[str, Msg] = {
    "token": N_("the reply address issued to them"),  # a reply address we issued
    "dkim": N_("a trusted DKIM signature"),  # a DKIM pass the server vouched for
    "dmarc": N_("a trusted DMARC pass"),  # a DMARC pass the server vouched for
}

# the English record of the commands a reply held (gateway.runner.command_said.summary)
_COUNTED = re.compile(r"(\d+) (applied|refused|ignored)")
_RELAYED = re.compile(r", relayed to (\d+)")
_TOLD = re.compile(r", undelivered mail told: (\d+)")


def via(how: str) -> Msg:
    return VIA.get(how, VIA[ThreadVia.NONE])


def proof(how: str) -> Msg | str:
    return PROOF.get(how, how)


def machine(kind: str) -> Msg:
    return MACHINE.get(kind, MACHINE[LoopVerdict.AUTOMATED])


def ran_clauses(ran: str) -> list[Msg]:
    """The clauses for the record ``ops`` returned of a reply's commands and relay
    (``, commands: 1 applied, 2 refused, relayed to 3``; "" for none)."""
    clauses: list[Msg] = []
    told = _TOLD.search(ran)
    if told:
        n = int(told[1])
        clauses.append(
            NP_(
                "the member told of {count} undelivered mail",
                "the member told of {count} undelivered mails",
                n,
                count=n,
            )
        )
    if ran.startswith(", commands not verified"):
        clauses.append(N_("its commands ignored: the sender was not verified"))
    elif ran.startswith(", commands refused"):
        clauses.append(N_("the member's commands refused: the mail did not prove the member"))
    if ", commands: " in ran:
        for count, kind in _COUNTED.findall(ran.split(", commands: ", 1)[1]):
            clauses.append(_COMMANDS[kind](int(count)))
    relayed = _RELAYED.search(ran)
    if relayed:
        n = int(relayed[1])
        clauses.append(NP_("relayed to {count} person", "relayed to {count} people", n, count=n))
    return clauses


# a kind of command outcome → how many of them, said
_COMMANDS = {
    "applied": lambda n: NP_("{count} command applied", "{count} commands applied", n, count=n),
    "refused": lambda n: NP_("{count} command refused", "{count} commands refused", n, count=n),
    "ignored": lambda n: NP_("{count} command ignored", "{count} commands ignored", n, count=n),
}


def joined(said: Msg, clauses: Sequence[Msg]) -> Msg:
    """``said`` and each clause after it, as the catalogs join clauses."""
    for clause in clauses:
        said = N_("{said}, {more}", said=said, more=clause)
    return said
