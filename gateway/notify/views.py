"""What a template may see: frozen view models built from plain values.

Templates never get ORM objects (django-helpdesk's ``safe_template_context``
lesson): a template that can reach a session can reach anything, and a view
built from plain values can be rendered in a test without a database. Dates
arrive already formatted in the team's time zone, so templates hold no logic
beyond loops and conditionals.

Words the gateway itself says (a refusal's reason, a command's result, a health
problem) arrive as :class:`~gateway.core.i18n.Msg` — English msgid and
parameters — and are translated into the recipient's language when the
template prints them; plain strings are data (subjects, names, a member's
words) and are printed as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from gateway.core import spans
from gateway.core.business_hours import Wait
from gateway.core.i18n import Msg
from gateway.notify.digest_views import TicketlessReply as TicketlessReply
from gateway.notify.digest_views import WeeklyDigest as WeeklyDigest
from gateway.notify.digest_views import WeeklySummary as WeeklySummary
from gateway.notify.view_parts import CommandLine as CommandLine
from gateway.notify.view_parts import DeadlineLine as DeadlineLine
from gateway.notify.view_parts import FieldRequest as FieldRequest
from gateway.notify.view_parts import NamedCount as NamedCount
from gateway.notify.view_parts import NoticeItem as NoticeItem
from gateway.notify.view_parts import OverdueLine as OverdueLine
from gateway.notify.view_parts import OverdueTicket as OverdueTicket
from gateway.notify.view_parts import Person as Person
from gateway.notify.view_parts import RefusedValue as RefusedValue
from gateway.notify.view_parts import SheetLine as SheetLine
from gateway.notify.view_parts import SlaCount as SlaCount
from gateway.notify.view_parts import SlaOverdueList as SlaOverdueList
from gateway.notify.view_parts import StateCount as StateCount
from gateway.notify.view_parts import StatusLine as StatusLine
from gateway.notify.view_parts import Team as Team
from gateway.notify.view_parts import Text as Text
from gateway.notify.view_parts import TicketBrief as TicketBrief
from gateway.notify.view_parts import TicketRef as TicketRef

# One view per template kind. Every view has ``team`` and ``recipient``.


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The first answer to a new request: one mail, with the fields it left out."""

    team: Team
    recipient: Person
    ticket: TicketRef
    missing: tuple[FieldRequest, ...] = ()  # required fields of the sheet not given yet
    refused: tuple[RefusedValue, ...] = ()  # values given that could not be stored


@dataclass(frozen=True, slots=True)
class FieldsRefused:
    """The answer to a reply whose sheet values could not all be stored: without it the
    requester believes their correction was taken. Said as the acknowledgement says it."""

    team: Team
    recipient: Person  # who wrote the reply
    ticket: TicketRef
    refused: tuple[RefusedValue, ...]  # never empty: nothing refused, no mail
    # required fields the sheet still lacks after the reply: else the requester, having
    # corrected the refused value, believes the sheet is done
    missing: tuple[FieldRequest, ...] = ()


@dataclass(frozen=True, slots=True)
class NewTicket:
    team: Team
    recipient: Person  # the assignee
    ticket: TicketRef  # reply_to: the assignee's own reply address
    brief: TicketBrief


@dataclass(frozen=True, slots=True)
class OpsReply:
    """A member's words to the requester, as written (no greeting or signature added)."""

    team: Team
    recipient: Person  # the requester, or another non-member on the ticket
    ticket: TicketRef
    author: Person  # the ops member who wrote it
    text: str
    status: StatusLine | None = None  # the state the same reply changed: one mail, not two

    @property
    def watching(self) -> bool:
        """Not the requester: the new state is news of the requester's request."""
        return _not_the_requester(self.recipient, self.ticket)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """To the requester: a person or a rule closed, set pending or reopened the ticket.
    To a watcher too, said of the requester's request, not of theirs: a watcher is not
    the one asked to answer."""

    team: Team
    recipient: Person
    ticket: TicketRef
    status: StatusLine

    @property
    def watching(self) -> bool:
        """Not the requester: a watcher (or anyone else on the ticket)."""
        return _not_the_requester(self.recipient, self.ticket)


def _not_the_requester(recipient: Person, ticket: TicketRef) -> bool:
    return recipient.email.lower() != ticket.requester.email.lower()


@dataclass(frozen=True, slots=True)
class TicketNotice:
    """To a member: what happened to their ticket (several things within the coalescing
    window are one mail); ``brief`` when the ticket was just given to them."""

    team: Team
    recipient: Person  # a member
    ticket: TicketRef  # reply_to: the member's own reply address
    items: tuple[NoticeItem, ...]
    brief: TicketBrief | None = None


@dataclass(frozen=True, slots=True)
class StaleReminder:
    team: Team
    recipient: Person  # the assignee
    tickets: tuple[TicketRef, ...]
    stale_after: Wait  # the shortest stale_after of the tickets listed
    nobodys: frozenset[int] = frozenset()  # as SlaOverdueList's: answered for as a manager

    @property
    def untouched(self) -> Msg:
        """How long they went untouched, in words ("12 hours", "3 days", "2 working
        days")."""
        return spans.wait(self.stale_after)

    @property
    def stale_after_days(self) -> int:
        """In whole days (working days for ``"2bd"``), for a team's template written
        before :attr:`untouched`."""
        return self.stale_after.days


@dataclass(frozen=True, slots=True)
class PendingReminder:
    team: Team
    recipient: Person  # the requester
    ticket: TicketRef
    waiting: timedelta  # since we asked them
    close_in: timedelta | None  # until the no-response close; None: none planned

    @property
    def waited(self) -> Msg:
        return spans.period(self.waiting)

    @property
    def closes_in(self) -> Msg | None:
        return spans.period(self.close_in) if self.close_in is not None else None

    @property
    def waiting_days(self) -> int:  # for a team's template written before ``waited``
        return self.waiting.days

    @property
    def close_in_days(self) -> int:  # as ``waiting_days``; 0: no close planned
        return max(self.close_in.days, 1) if self.close_in is not None else 0


@dataclass(frozen=True, slots=True)
class SlaOverdue:
    team: Team
    recipient: Person  # the assignee
    ticket: TicketRef
    target: str  # "first_response" | "resolve"
    deadline: str  # formatted in the team's time zone


@dataclass(frozen=True, slots=True)
class CommandResult:
    team: Team
    recipient: Person  # the ops member who sent the commands
    ticket: TicketRef
    commands: tuple[CommandLine, ...]
    help_text: Text = ""  # the grammar, shown when a command was refused or ignored
    customer: bool = False  # to a requester (their /close): greeted as every customer mail


@dataclass(frozen=True, slots=True)
class CommandRefused:
    team: Team
    recipient: Person
    ticket: TicketRef
    command: Text  # the command lines as written, or a phrase when there were none
    reason: Text
    help_text: Text  # the reply-command grammar, the same text as in the README


@dataclass(frozen=True, slots=True)
class HealthAlert:
    """To the managers, once when a problem starts and once when it is over."""

    team: Team
    recipient: Person  # a manager
    problem: Text  # what is wrong, naming the threshold (gateway.scheduling.health)
    recovered: bool  # False: the alert; True: the all-clear
    since: str  # when the alert was raised, formatted in the team's time zone


@dataclass(frozen=True, slots=True)
class ActionReply:
    """The team's own mail to the requester when an action succeeded (``on_success.reply``):
    its templates are ``<template>.subject.j2`` and ``.txt.j2`` (``.html.j2`` optional)
    in the team's ``templates_dir``, per locale."""

    team: Team
    recipient: Person  # the requester
    ticket: TicketRef
    template: str  # the team's template kind, e.g. "account_created"
    fields: Mapping[str, str]  # the ticket's sheet, as validated
    result: Mapping[str, str | bool]  # what the action answered, when it was a JSON object


@dataclass(frozen=True, slots=True)
class ActionFailed:
    """To the assignee (or the entry's manager): an action failed for good."""

    team: Team
    recipient: Person
    ticket: TicketRef
    run_id: int
    entry: str  # the catalog entry whose action it is: its name in the reader's language
    action_type: Text  # webhook | command, said as the ticket page's runs say it
    target: str  # the URL or the program
    attempts: int
    # "HTTP 400", "exit 2" (said), or "" when no answer came: for a team's own template;
    # ours say it once, in ``error`` (failures.exit_code, http_status say the status)
    status: Text
    error: Msg | str  # what went wrong (gateway.actions.failures; the far end's words in it)
    output: str  # the first lines of what it said
    # bytes of it past those lines, not shown or not kept (-1: a webhook's answer not read
    # to its end): said after them in the reader's language
    output_cut: int = 0
    started: bool = True  # False: not run, its action left the catalog while queued


@dataclass(frozen=True, slots=True)
class SignIn:
    """To a member who asked to sign in to the pages: a link that works once."""

    team: Team
    recipient: Person  # a configured member
    link: str  # base_url + /sign-in/<token>
    valid_minutes: int


@dataclass(frozen=True, slots=True)
class OutsiderReply:
    """To the assignee: someone who is not on the ticket answered one of its mails
    (threaded by In-Reply-To/References alone). Their mail is on the ticket; they
    get nothing from it until a member adds them (issue #14)."""

    team: Team
    recipient: Person  # the assignee (else the entry's manager)
    ticket: TicketRef
    sender: Person  # who wrote
    excerpt: str  # the start of what they wrote
    add_command: str  # how a member adds them: the CLI line


View = (
    Acknowledgement
    | FieldsRefused
    | NewTicket
    | OpsReply
    | StatusChange
    | TicketNotice
    | StaleReminder
    | PendingReminder
    | WeeklyDigest
    | WeeklySummary
    | CommandResult
    | CommandRefused
    | SlaOverdue
    | SlaOverdueList
    | HealthAlert
    | ActionReply
    | ActionFailed
    | SignIn
    | OutsiderReply
    | TicketlessReply
)


@dataclass(frozen=True, slots=True)
class MailKind:
    """How the gateway treats one kind of mail it sends."""

    name: str  # names the template files, the outbox row and X-Ticket-Gateway
    auto_submitted: str  # RFC 3834: "auto-replied" answers a message, "auto-generated" not;
    # "": a person's words, no Auto-Submitted header at all
    rate_limited: bool  # counts against the per-recipient hourly brake (loop safety)
    # only ever to a member: one still queued for someone since taken out of [[members]]
    # is never sent (gateway.outbound.sender, at its first drain after the restart)
    to_members: bool = False


# The kinds of mail we send, one row per view. Policy, in one place.
MAIL_KINDS: dict[type[Any], MailKind] = {
    # the first answer to a new request
    Acknowledgement: MailKind("acknowledgement", "auto-replied", rate_limited=True),
    # to whoever replied with sheet values: the ones that could not be stored, and why
    FieldsRefused: MailKind("fields_refused", "auto-replied", rate_limited=True),
    # to the assignee: a new ticket of theirs
    NewTicket: MailKind("new_ticket", "auto-generated", rate_limited=False, to_members=True),
    # a member's words relayed to the requester and the others on the ticket: a
    # person's answer, so no Auto-Submitted (RFC 3834 is for machines' mail)
    OpsReply: MailKind("ops_reply", "", rate_limited=False),
    # to the requester: a person or a rule closed, set pending or reopened the ticket
    StatusChange: MailKind("status_change", "auto-generated", rate_limited=True),
    # to a member: replies, reopens, fields, reassignment (coalesced per ticket)
    TicketNotice: MailKind("ticket_notice", "auto-generated", rate_limited=False, to_members=True),
    # to an assignee: tickets nobody touched for their entry's stale_after
    StaleReminder: MailKind(
        "stale_reminder", "auto-generated", rate_limited=False, to_members=True
    ),
    # to a requester: we still wait for your answer
    PendingReminder: MailKind("pending_reminder", "auto-generated", rate_limited=False),
    # to each member, weekly
    WeeklyDigest: MailKind("weekly_digest", "auto-generated", rate_limited=False, to_members=True),
    # to the managers, weekly
    WeeklySummary: MailKind(
        "weekly_summary", "auto-generated", rate_limited=False, to_members=True
    ),
    # the transcript of a mail's commands
    CommandResult: MailKind("command_result", "auto-replied", rate_limited=True),
    # a member's mail that proved nothing: told at their configured address
    CommandRefused: MailKind("command_refused", "auto-replied", rate_limited=True, to_members=True),
    # to the assignee: an SLA deadline passed
    SlaOverdue: MailKind("sla_overdue", "auto-generated", rate_limited=False, to_members=True),
    # to a member: several deadlines passed in one pass, listed in one mail
    SlaOverdueList: MailKind(
        "sla_overdue_list", "auto-generated", rate_limited=False, to_members=True
    ),
    # to the managers: health went bad, or recovered
    HealthAlert: MailKind("health_alert", "auto-generated", rate_limited=False, to_members=True),
    # to the requester: the entry's action succeeded (a template of the team's own)
    ActionReply: MailKind("action_reply", "auto-generated", rate_limited=False),
    # to the assignee or the entry's manager: the entry's action failed for good
    ActionFailed: MailKind("action_failed", "auto-generated", rate_limited=False, to_members=True),
    # to a member who asked for it on the sign-in page: a one-time link (the page
    # limits how many an address and a client may ask for)
    SignIn: MailKind("sign_in", "auto-generated", rate_limited=False, to_members=True),
    # to the assignee: a stranger answered the ticket's mail (threaded by headers alone)
    OutsiderReply: MailKind(
        "outsider_reply", "auto-generated", rate_limited=False, to_members=True
    ),
    # to a member: their reply to a mail about no ticket opened none; how to open one
    TicketlessReply: MailKind(
        "ticketless_reply", "auto-replied", rate_limited=True, to_members=True
    ),
}

# the kinds that answer somebody's message and share the hourly brake
RATE_LIMITED = frozenset(k.name for k in MAIL_KINDS.values() if k.rate_limited)
# the kinds only members get
TO_MEMBERS = frozenset(k.name for k in MAIL_KINDS.values() if k.to_members)


def mail_kind(view: View) -> MailKind:
    return MAIL_KINDS[type(view)]


def kind_of(view: View) -> str:
    return MAIL_KINDS[type(view)].name


def template_of(view: View) -> str:
    """Which templates render the view: its kind's, or the team's own for an action reply."""
    return view.template if isinstance(view, ActionReply) else kind_of(view)


def context(view: View) -> dict[str, Any]:
    """The view's fields as top-level template names (``ticket``, ``team`` …), and what
    it derives from them (its properties, such as ``watching``): decided here, in code,
    not again in each template that needs it."""
    names = {f.name: getattr(view, f.name) for f in fields(view)}
    derived = (n for n, a in vars(type(view)).items() if isinstance(a, property))
    return names | {n: getattr(view, n) for n in derived}
