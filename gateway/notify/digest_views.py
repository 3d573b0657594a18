"""The views of the weekly mails: each member's digest and the managers' summary; and
of the notice that a member's reply to a mail like them opened no ticket
(see :mod:`gateway.notify.views`)."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.core.i18n import Msg
from gateway.notify.view_parts import (
    NamedCount,
    Person,
    SlaCount,
    StateCount,
    Team,
    Text,
    TicketRef,
)


@dataclass(frozen=True, slots=True)
class WeeklyDigest:
    team: Team
    recipient: Person  # a member
    period: Text  # "2026-W10 (2026-03-02 – 2026-03-08)", in the reader's language (core.weeks)
    assigned: tuple[TicketRef, ...]  # open tickets of this member (the first DIGEST_LISTED)
    unassigned: tuple[TicketRef, ...]  # open tickets nobody has (likewise)
    commands: Text = ""  # the reply commands this member may use, one per line or two
    # the open tickets of each section past gateway.scheduling.digest.DIGEST_LISTED, not
    # listed, and the page that lists them all ("" when the pages are off)
    more_assigned: int = 0
    more_unassigned: int = 0
    assigned_link: str = ""
    unassigned_link: str = ""
    # the days alone, for the subject ("Feb 23 – Mar 1", 「2月23日〜3月1日」: core.weeks
    # .span_days); None: the subject says the period
    days: Text | None = None

    @property
    def assigned_count(self) -> int:
        """Every open ticket of this member, listed or not."""
        return len(self.assigned) + self.more_assigned

    @property
    def unassigned_count(self) -> int:
        return len(self.unassigned) + self.more_unassigned


@dataclass(frozen=True, slots=True)
class WeeklySummary:
    team: Team
    recipient: Person  # a manager
    period: Text  # as the digest's
    opened: int
    closed: int
    by_state: tuple[StateCount, ...]  # open tickets now
    oldest: tuple[TicketRef, ...]
    shunted: int  # inbox rows waiting for a human
    by_entry: tuple[NamedCount, ...] = ()  # open tickets per catalog entry
    by_assignee: tuple[NamedCount, ...] = ()  # open tickets per member ("" nobody)
    force_closed: tuple[NamedCount, ...] = ()  # inventory closes this period, per member
    candidates: tuple[NamedCount, ...] = ()  # recurring terms in fallback tickets…
    candidates_days: int = 30  # … opened in this many days (the board's window)
    # open tickets under entries the catalog no longer has, and the command to refile them
    outside_catalog: Msg | None = None
    # open tickets past an SLA deadline or due soon (the digest's marks), per member and entry
    sla_by_assignee: tuple[SlaCount, ...] = ()
    sla_by_entry: tuple[SlaCount, ...] = ()
    # tickets resolved this period (not spam, duplicates, …) and their median time to resolve
    resolved: int = 0
    median_resolve: Text | None = None
    days: Text | None = None  # as the digest's


@dataclass(frozen=True, slots=True)
class TicketlessReply:
    """To a member whose reply to a mail of ours about no ticket (a digest, a summary,
    an alert) looked like a request: it opened nothing, and this says how to open one."""

    team: Team
    recipient: Person  # the member, at their configured address
    answered: Text  # what they answered: "the weekly digest", in the reader's language
    subject: str  # their mail's subject
