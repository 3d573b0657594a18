"""What ``ingest`` says of a reply or an ignored mail to the person who ran it.

The row's reason (``appended (via tag, commands: 1 applied)``) is the English record
the inbox, ``inbox list`` and the log keep, and scripts read; a Japanese line showed
it whole inside its Japanese words. These are the same facts as sentences of the
catalogs (:mod:`gateway.runner.new_said` says a new ticket's), made from the data the
stages hand back (:class:`~gateway.runner.commands_ran.Ran`), never from the record
read back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway.core.i18n import N_, NP_, Msg
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.thread import ThreadVia
from gateway.runner.commands_ran import Ran

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


def via(how: str) -> Msg:
    return VIA.get(how, VIA[ThreadVia.NONE])


def proof(how: str) -> Msg | str:
    return PROOF.get(how, how)


def machine(kind: str) -> Msg:
    return MACHINE.get(kind, MACHINE[LoopVerdict.AUTOMATED])


def ran_clauses(ran: Ran) -> list[Msg]:
    """What a reply's commands, relay and bounce notice did (:mod:`gateway.runner.ops`),
    clause by clause, from the same value the row's English record is written from."""
    clauses: list[Msg] = []
    if ran.told:
        clauses.append(
            NP_(
                "the member told of {count} undelivered mail",
                "the member told of {count} undelivered mails",
                ran.told,
                count=ran.told,
            )
        )
    if ran.unverified:
        clauses.append(N_("its commands ignored: the sender was not verified"))
    if ran.refused_unproven:
        clauses.append(N_("the member's commands refused: the mail did not prove the member"))
    clauses += [_COMMANDS[kind](count) for kind, count in ran.counted.items()]
    if ran.relayed:
        n = ran.relayed
        clauses.append(NP_("relayed to {count} person", "relayed to {count} people", n, count=n))
    return clauses


# a kind of command outcome → how many of them, said
_COMMANDS: dict[str, Callable[[int], Msg]] = {
    "applied": lambda n: NP_("{count} command applied", "{count} commands applied", n, count=n),
    "refused": lambda n: NP_("{count} command refused", "{count} commands refused", n, count=n),
    "ignored": lambda n: NP_("{count} command ignored", "{count} commands ignored", n, count=n),
}


def joined(said: Msg, clauses: Sequence[Msg]) -> Msg:
    """``said`` and each clause after it, as the catalogs join clauses."""
    for clause in clauses:
        said = N_("{said}, {more}", said=said, more=clause)
    return said
