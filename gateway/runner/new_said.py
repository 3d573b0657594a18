"""What ``ingest`` says of a new ticket to the person who ran it, in their language.

The row's reason (``new ticket, filed under pc, asked for 3 fields``) is the English
record the inbox, ``inbox list`` and the log keep, and scripts read; a Japanese line
showed it whole inside its Japanese words. These are the same facts as sentences of the
catalogs, put together one clause at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.core.i18n import N_, NP_, Msg
from gateway.notify import labels
from gateway.runner.commands_ran import NOTHING, Ran


def filed_clauses(entry_id: str, level: str, acked: bool, asked: int) -> list[Msg]:
    """The clauses after "new ticket": where it was filed, a priority other than normal,
    that no acknowledgement went, the fields the acknowledgement asked for."""
    clauses = [N_("filed under the entry {entry}", entry=entry_id)]
    if level != "normal":
        clauses.append(N_("priority {level}", level=labels.PRIORITIES.get(level, level)))
    if not acked:
        clauses.append(N_("not acknowledged"))
    elif asked:
        clauses.append(
            NP_("asked for {count} field", "asked for {count} fields", asked, count=asked)
        )
    return clauses


def new_ticket(
    linked: int | None,
    forwarded_by: str | None,
    clauses: Sequence[Msg],
    commands: Ran,
) -> Msg:
    """The whole: ``commands`` is what a member's commands above the mail did (nothing
    for none), said here only as run or refused."""
    said = N_("new ticket opened")
    more = list(clauses)
    if forwarded_by is not None:
        more.insert(0, N_("forwarded by {sender}", sender=forwarded_by))
    if linked is not None:  # the ticket its subject's tag named, or answered too late
        more.insert(0, N_("linked to #{id}", id=linked))
    if commands.refused_unproven:
        more.append(N_("the member's commands refused: the mail did not prove the member"))
    elif commands != NOTHING:
        more.append(N_("the member's commands run"))
    for clause in more:
        said = N_("{said}, {more}", said=said, more=clause)
    return said
