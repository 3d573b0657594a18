"""The pieces views are made of: people, a ticket, a state change, a notice's items,
the brief a member gets of a ticket. Plain frozen values, dates already formatted
in the team's time zone (see :mod:`gateway.notify.views`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from gateway.core import spans
from gateway.core.domains import readable_address
from gateway.core.i18n import Msg
from gateway.core.title import one_line

# Said in the reader's language (a Msg), or data shown as it is (a str).
Text = Msg | str


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    name: str = ""

    @property
    def display(self) -> str:
        """The name on one line, unless it cannot be one (:func:`greetable`): then the
        address. A line break in a chat profile's name would start a line of its own in
        a list (the digest's, a notice's), one that reads as ours."""
        name = one_line(self.name)
        return name if greetable(name) else self.readable

    @property
    def greeted(self) -> str:
        """The name a greeting says before its own honorific (ja: 様 to a customer, さん
        to a member): :attr:`display` without the honorific it may end with already, as
        a web form's mailer writes 「山田太郎様」 and an address book 「情報システム部 御中」,
        so nobody is greeted 「山田太郎様 様」. A name that is nothing but one stays."""
        name = self.display
        for honorific in HONORIFICS:
            bare = name.removesuffix(honorific).rstrip(" \u3000")
            if bare != name.rstrip(" \u3000") and bare:
                return bare
        return name

    @property
    def readable(self) -> str:
        """The address as a person reads it: an internationalised domain in its Unicode
        form (``tanaka@例え.jp``), where it is kept as its A-label (``xn--…``) for
        headers and comparisons (:func:`gateway.core.domains.readable_address`)."""
        return readable_address(self.email)

    def __str__(self) -> str:
        """``{{ recipient }}`` in a team's template is the name a reader expects, never
        this value's Python form (which a customer once read in an action's reply)."""
        return self.display


# The honorifics a Japanese name may end with already (:attr:`Person.greeted`), one row
# each: the greeting adds its own.
HONORIFICS = (
    "様",  # the polite one: a web form's mailer, a customer's address book
    "さま",  # the same, in kana
    "殿",  # official letters, older business mail
    "さん",  # a colleague's name as a chat profile or an address book writes it
    "御中",  # an organisation or department (株式会社テスト 御中)
    "各位",  # a group of people (営業部各位)
)


# a display name that is an address as a whole ("alice@example.com" <bob@…>)
_ADDRESS_NAME = re.compile(r"[^\s@<>]+@[^\s@<>]+")
# one that holds a mailbox as an address is written, in angle brackets or first (an
# encoded "Ops One <ops@example.test>" <attacker@…>): shown, it reads as that mailbox.
# One that mentions an address in passing, "Alice (alice@example.test)", is a name.
_MAILBOX_IN_NAME = re.compile(r"<\s*[^\s@<>]+@[^\s@<>]+\s*>|^[^\s@<>()]+@[^\s@<>()]+(?:\s|$)")


def greetable(name: str) -> bool:
    """A name to greet someone by: not empty, holding no address (often another one than
    the sender's: "Dear alice@…" to bob, a notice's "Ops One <ops@…> <attacker@…>"), and
    decoded whole (no U+FFFD where raw bytes or a cut character were: "Dear Юникод
    запрещен�")."""
    text = name.strip().strip("\"'")
    if not text or "\ufffd" in text or _ADDRESS_NAME.fullmatch(text):
        return False
    return _MAILBOX_IN_NAME.search(text) is None


@dataclass(frozen=True, slots=True)
class Team:
    name: str  # signature and From display name
    address: str  # the support address


@dataclass(frozen=True, slots=True)
class TicketRef:
    """One ticket as mails show it, in a list or on its own."""

    id: int
    tag: str  # "[#42]" or "[HELP#42]"
    subject: str
    state: str  # new | open | pending | closed
    requester: Person
    assignee: str = ""  # display name or address; "" when nobody has it
    # the catalog entry: its id (ticket_ref), its name in the reader's language in the digest
    # and a member's notice (as templates written for them read it)
    catalog: str = ""
    created: str = ""  # formatted in the team's time zone
    age_days: int = 0  # since creation, in whole days (for a team's older template)
    idle_days: int = 0  # since the last change, likewise
    sla: str = ""  # "" (none or met) | "due-soon" | "overdue": the nearest SLA deadline
    due: str = ""  # that deadline, formatted in the team's time zone
    stale: bool = False  # untouched for its entry's stale_after
    reply_to: str = ""  # the recipient's reply-token address: write here to act on it
    priority: str = "normal"  # low | normal | high | urgent, shown through the label
    # the same two lengths in words ("12 hours", "3 days": gateway.core.spans.period),
    # which the mails print; given the days alone, they say the days
    age: Text = ""
    idle: Text = ""
    # the entry by its name, printed in the reader's language (アカウント, Accounts; an
    # entry removed from the catalog: its id, marked); "" when not filed. Last: a
    # TicketRef written positionally keeps its meaning
    entry: Text = ""
    # the assignee's address when they are no longer in [[members]]: a manager answers
    # for the ticket now, and a mail to them about it says whose work it was
    left: str = ""

    def __post_init__(self) -> None:
        if not self.age:
            object.__setattr__(self, "age", spans.period(timedelta(days=self.age_days)))
        if not self.idle:
            object.__setattr__(self, "idle", spans.period(timedelta(days=self.idle_days)))


@dataclass(frozen=True, slots=True)
class FieldRequest:
    """A parameter-sheet field the requester still has to give."""

    name: str  # what to write in the reply, e.g. "hostname"
    label: str  # what it means, in the recipient's language
    example: str = ""


@dataclass(frozen=True, slots=True)
class RefusedValue:
    """A value the requester gave that the sheet could not store, and why: said in the
    first answer as the missing fields are, so an optional field's wrong value (a
    "next week" where a date goes) is not dropped without a word."""

    name: str  # what to write in the reply (as FieldRequest.name)
    label: str  # the field, in the recipient's language
    given: str  # what they wrote, on one line
    why: Msg  # why it was not stored, said in the recipient's language
    example: str = ""
    asked: bool = False  # a required field: the missing list asks for it already


@dataclass(frozen=True, slots=True)
class CommandLine:
    text: str  # the command as written
    result: Text  # what it did, or why not
    status: str = ""  # applied | refused | ignored: the template says it in its language


@dataclass(frozen=True, slots=True)
class StateCount:
    state: str
    count: int


@dataclass(frozen=True, slots=True)
class NamedCount:
    """A count under a name shown as is (an entry's title, a member, a term)."""

    name: str
    count: int


@dataclass(frozen=True, slots=True)
class SlaCount:
    """Open tickets past an SLA deadline and due soon, under a name (a member, an entry)."""

    name: str
    overdue: int
    due_soon: int


@dataclass(frozen=True, slots=True)
class StatusLine:
    """A state change as the requester reads it: what it is now, and what they can do."""

    old_state: str
    new_state: str  # closed | pending | open (reopened, or no longer waiting on them)
    close_reason: str = ""  # when closed: resolved, no-response, …
    reopen_days: int = 0  # a reply within this many days reopens a closed ticket
    cause: Text = ""  # why a rule changed it ("" when a person did)


@dataclass(frozen=True, slots=True)
class NoticeItem:
    """One thing that happened to a ticket, for the member who has it."""

    # reply | unverified | state | field | assigned | unassigned | thanks | note | answered
    # | undelivered (``new``: to whom)
    kind: str
    at: str  # when, in the team's time zone
    who: Text  # who did it: a name or address, or the gateway's own part ("the scheduler")
    text: str = ""  # their words: a reply's new text, a note
    name: str = ""  # a field's label; for assigned/unassigned: the other member
    old: str = ""  # a state or a field value before
    new: str = ""  # … and after
    files: tuple[tuple[str, int], ...] = ()  # (name, size) of the files a mail carried
    why: Text = ""  # undelivered: what the relay answered, or why we gave up
    yours: bool = False  # undelivered: the mail carried the reader's own answer


@dataclass(frozen=True, slots=True)
class SheetLine:
    """One field of a ticket's parameter sheet; ``value`` "" when it is still missing."""

    label: str
    value: str
    required: bool = False
    # why the value is not one the field takes now (the sheet changed since it was
    # stored): an action counts it missing, so the member reads it is not usable
    problem: Msg | None = None


@dataclass(frozen=True, slots=True)
class OverdueLine:
    """One passed deadline in a member's list of them."""

    ticket: TicketRef  # reply_to: the member's own address for it
    target: str  # first_response | resolve (shown through the sla_target label)
    deadline: str  # when it passed, in the team's time zone


@dataclass(frozen=True, slots=True)
class OverdueTicket:
    """One ticket of a member's list of passed deadlines, with each of them that passed."""

    ticket: TicketRef
    passed: tuple[OverdueLine, ...]


@dataclass(frozen=True, slots=True)
class SlaOverdueList:
    """To a member: the deadlines of their tickets that passed since the last pass, in
    one mail (one alone is told in its ticket's thread, ``views.SlaOverdue``)."""

    team: Team
    recipient: Person  # the assignee, or the entry's manager
    items: tuple[OverdueLine, ...]  # at most gateway.scheduling.told.OVERDUE_LISTED
    # the ids of the tickets listed that nobody on the team has: the recipient answers
    # for them as a manager (gateway.scheduling.told.nobodys), and the mail says so
    nobodys: frozenset[int] = frozenset()

    @property
    def tickets(self) -> tuple[OverdueTicket, ...]:
        """The tickets of :attr:`items`, each once, in their order, with its deadlines.
        A pass after days without one finds a ticket's first response and resolve
        passed together: listed twice and counted as two, its member read "4 of your
        tickets" of two, and the same ticket, address and status line twice."""
        grouped: dict[int, list[OverdueLine]] = {}
        for line in self.items:
            grouped.setdefault(line.ticket.id, []).append(line)
        return tuple(OverdueTicket(lines[0].ticket, tuple(lines)) for lines in grouped.values())


@dataclass(frozen=True, slots=True)
class DeadlineLine:
    target: str  # first_response | resolve (shown through the sla_target label)
    at: str  # in the team's time zone


@dataclass(frozen=True, slots=True)
class TicketBrief:
    """The whole ticket for the member who now has it: enough to act without looking."""

    entry: str  # the catalog entry's name in the reader's language
    requester: Person
    deadlines: tuple[DeadlineLine, ...]  # the SLA deadlines still open
    sheet: tuple[SheetLine, ...]  # the entry's fields, filled and missing
    excerpt: str  # the first lines of the request
    commands: tuple[Text, ...]  # the reply commands this member may give, one per line
    files: tuple[tuple[str, int], ...] = ()  # (name, size) of the request's files


@dataclass(frozen=True, slots=True)
class OutsiderReply:
    """To the assignee: someone who is not on the ticket answered one of its mails
    (threaded by In-Reply-To/References alone). Their mail is on the ticket; they
    get nothing from it until a member adds them (issue #14). One who worked the ticket
    as a member and has left the team since is said to be that (``left_team``): what a
    stranger's notice says of them, and its ``add_command``, would let them back in."""

    team: Team
    recipient: Person  # the assignee (else the entry's manager)
    ticket: TicketRef
    sender: Person  # who wrote
    excerpt: str  # the start of what they wrote
    add_command: str  # how a member adds them: the CLI line
    left_team: bool = False  # they worked it as a member and are not in [[members]] now
    not_done: str = ""  # the command lines of their mail, not carried out ("; " between)
    hand_on: str = ""  # the CLI line, but its member, that gives their ticket to a member


@dataclass(frozen=True, slots=True)
class LeftWork:
    """To a manager, once at the first pass that finds it: someone who left the team
    (no longer in ``[[members]]``) still holds these open tickets, which that manager
    now answers for. Nothing assigned to someone gone goes unsaid until it is stale."""

    team: Team
    recipient: Person  # the entry's manager, else the fallback's
    tickets: tuple[TicketRef, ...]  # each with ``left`` and the manager's reply address
    leavers: tuple[str, ...]  # their addresses, for the ``tickets list`` lines
    more: int = 0  # their open tickets past the ones listed
