"""Why an automatic mail was not sent: the reasons a ticket's history keeps.

:func:`gateway.tickets.changes.no_auto_answer` records one of these on the ticket (the
Msg dumped, its English text beside it for ``--json`` and the log), and ``tickets
show`` and the ticket page say it in their reader's language. Each English text is
the one recorded before the reasons were Msgs, so older events read the same. The
values in them (an address, a mail kind as ``[mail] off`` takes it, a count, a date)
are parameters. Pure: no I/O.
"""

from __future__ import annotations

from datetime import date

from gateway.core.i18n import N_, Msg

# the loop verdict of a message no person wrote (gateway.pipeline.loops.LoopVerdict)
NOT_A_PERSON: dict[str, Msg] = {
    "own": N_("own message"),  # our own mail came back
    "bounce": N_("bounce message"),  # a delivery status notification
    "auto-reply": N_("auto-reply message"),  # vacation, out-of-office
    "report": N_("report message"),  # a read receipt or a spam complaint
    "list": N_("list message"),  # mailing-list or bulk mail
    "automated": N_("automated message"),  # other machine mail (an alert)
}

# the rules of gateway.pipeline.loops.NO_ANSWER_RULES, one reason each
GATEWAY_MAIL = N_("mail of a ticket gateway")
OWN_ADDRESS = N_("sent from our own address")
AUTO_SUBMITTED = N_("Auto-Submitted is set")
BULK = N_("Precedence bulk/junk/list")
LIST = N_("list message")
NULL_SENDER = N_("empty return path")
NEVER_READS = N_("sender never reads answers")
MACHINE_REPORT = N_("machine report")
X_LOOP = N_("X-Loop is set")
AUTO_SUBJECT = N_("subject of an auto-reply")
NO_ADDRESS = N_("no sender address")
UNWRITABLE = N_("address not in ASCII (it needs SMTPUTF8)")
# x@[10.0.0.5], root@localhost, x@10.0.0.5, x@a.internal: our relay would go inside
NO_MAIL_DOMAIN = N_(
    "address on no mail domain of the internet (an IP address, no dot, or a private network's name)"
)
SUPPRESSED = N_("X-Auto-Response-Suppress asks for no automatic replies")
SPAM = N_("marked as spam by our mail server")

# a message of a bulk import with no Date we can read: nothing says it is recent
# (gateway.pipeline.archive), so it is quiet as an old archive's is
UNDATED = N_("an imported message with no usable date, not answered")
UNDATED_TO_ACT = N_("an imported message with no usable date, not acted on")


def not_a_person(verdict: str) -> Msg | str:
    """A message a machine wrote (``verdict``: its LoopVerdict's value)."""
    return NOT_A_PERSON.get(verdict, f"{verdict} message")  # a newer verdict: as it is


def answers_ours(ticket_id: int) -> Msg:
    """A stranger's mail whose subject repeats an automatic mail of ours on the ticket
    its tag names (:mod:`gateway.pipeline.said_back`): another system's answer to ours."""
    return N_("it answers an automatic mail of ours on ticket #{ticket}", ticket=ticket_id)


def turned_off(kind: str) -> Msg:
    """The team does not send mails of ``kind`` (``[mail] off``)."""
    return N_("{kind} is turned off ([mail] off)", kind=kind)


def turned_off_for(kind: str, entry: Msg | str) -> Msg:
    """The catalog entry does not send mails of ``kind`` (its ``mails_off``); ``entry``
    by its name and the id it is written under (:meth:`Entry.said_with_id`)."""
    return N_("{kind} is turned off for the entry {entry} by its mails_off", kind=kind, entry=entry)


def rate_limited(address: str, recent: int) -> Msg:
    """The hourly brake on automatic mail to one address."""
    return N_(
        "rate limit: {recent} automatic mails to {address} in the last hour",
        recent=recent,
        address=address,
    )


def too_old(dated: date) -> Msg:
    """A message of an imported archive: answering it years later would confuse."""
    return N_(
        "an imported message dated {date}, too old to answer", date=dated.strftime("%Y-%m-%d")
    )


def too_old_to_act(dated: date) -> Msg:
    """A message of an imported archive completed a sheet: its action is not started
    (an ``action-held`` event), as creating an account years later would confuse."""
    return N_(
        "an imported message dated {date}, too old to act on", date=dated.strftime("%Y-%m-%d")
    )


def nobody_to_tell(email: str) -> Msg:
    """A failed action's mail has no member to go to (``email``: the one named, not a
    member now; "" when nobody has the ticket and the entry names no manager)."""
    if not email:
        return N_("no member to tell (unassigned)")
    return N_("no member to tell ({email})", email=email)


def notices_limited(caused: int, sender: str, limit: int) -> Msg:
    """The team not told of a request (a stranger's mail, an unverified one): ``sender``
    caused ``caused`` notices in the last hour, more than ``[limits] ops_notices_per_hour``."""
    return N_(
        "{count} notices caused by {sender} in the last hour (limit {limit})",
        count=caused,
        sender=sender,
        limit=limit,
    )
