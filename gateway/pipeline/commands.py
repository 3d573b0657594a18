"""The reply-command grammar, and who may give which command.

Pure: text in, typed commands and decisions out. Only the leading lines of a
reply's *new* text are read (the parser already cut the quoted history and the
signature), at most ``max_lines`` of them, and reading stops at the first line
that is not a command, so a quoted or pasted ``/close`` further down can never
trigger anything (Mailman's command runner caps and reports the same way).

The grammar is one table (:data:`GRAMMAR`) and one help text (:data:`HELP`), a msgid
of the gettext catalogs with its Japanese translation there; the help text is what
"command refused" mails show and what the README prints, in both languages, word for
word. Why a command is refused is a :class:`~gateway.core.i18n.Msg`, said in the
reader's language; its English text (``reason``) is what events and logs keep.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.catalog.model import Entry
from gateway.catalog.sheet import validate
from gateway.core.i18n import N_, Msg, named
from gateway.core.model import CloseReason, TicketState
from gateway.core.priority import DEFAULT_MARKERS
from gateway.core.text import hyphens_between, visible
from gateway.pipeline import answer_names, priority
from gateway.pipeline.answer_names import UseAnswer as UseAnswer

# the grammar in words lives in its own module; these names are part of this one's API
from gateway.pipeline.command_help import HELP as HELP
from gateway.pipeline.command_help import HELP_TEXT as HELP_TEXT
from gateway.pipeline.command_help import HELP_TEXT_JA as HELP_TEXT_JA
from gateway.pipeline.command_help import REQUESTER_HELP as REQUESTER_HELP
from gateway.pipeline.command_help import SHORT, guessed
from gateway.pipeline.command_help import help_text as help_text

# reading the lines lives in its own module; these names are part of this one's API
from gateway.pipeline.command_lines import Applied as Applied
from gateway.pipeline.command_lines import Command as Command
from gateway.pipeline.command_lines import CommandOutcome as CommandOutcome
from gateway.pipeline.command_lines import NotRead as NotRead
from gateway.pipeline.command_lines import Parsed as Parsed
from gateway.pipeline.command_lines import Refused as Refused
from gateway.pipeline.command_lines import parse_commands as parse_commands
from gateway.pipeline.command_lines import repeated as repeated
from gateway.pipeline.command_links import mailbox_arg
from gateway.pipeline.command_syntax import two_on_a_line
from gateway.pipeline.due_dates import due_date
from gateway.pipeline.entry_names import entry_named, not_approvable
from gateway.pipeline.field_names import field_and_value, unknown_field
from gateway.pipeline.member_names import member_named
from gateway.pipeline.merging import Merge, merge_command
from gateway.pipeline.priority import SetPriority as SetPriority
from gateway.pipeline.watching import Watch, cc_command


class Role(enum.StrEnum):
    """Who wrote the mail, as far as commands are concerned."""

    MEMBER = "member"  # a configured [[members]] address, verified
    MANAGER = "manager"  # a member with role = "manager", verified
    REQUESTER = "requester"  # the ticket's requester
    OTHER = "other"  # anyone else on the ticket (a Cc)


class Args(enum.StrEnum):
    NONE = "none"  # nothing after the command word
    OPTIONAL = "optional"  # one optional word
    ONE = "one"  # exactly one word
    NAME = "name"  # an id, an address, or a name of words (山田 太郎, VPN and remote access)
    NAME_VALUE = "name-value"  # a word, then the rest of the line
    REST = "rest"  # the rest of the mail
    ACTION_ADDRESS = "action-address"  # add or remove, then an address (/cc)


@dataclass(frozen=True, slots=True)
class Spec:
    args: Args
    roles: frozenset[Role]


# arguments that are a person's words, a slash word in them too (/note see /close in…)
_FREE_TEXT = frozenset({Args.REST, Args.NAME_VALUE})
# commands that take an address, which may be written as a header writes it (a name, then
# <address>), → whether a word (add, remove) comes before it
_MAILBOX_ARGS = {
    "assign": False,  # /assign Ops Two <ops2@example.test>
    "cc": True,  # /cc add Bob Smith <bob@customer.test>
}
_OPS = frozenset({Role.MEMBER, Role.MANAGER})
_MANAGERS = frozenset({Role.MANAGER})
_OPS_AND_REQUESTER = frozenset({Role.MEMBER, Role.MANAGER, Role.REQUESTER})

# command word → its arguments and who may give it
GRAMMAR: dict[str, Spec] = {
    # done; a requester may close their own ticket ("solved it myself")
    "close": Spec(Args.OPTIONAL, _OPS_AND_REQUESTER),
    # ops asked the requester something and waits
    "pending": Spec(Args.NONE, _OPS),
    # ops (re)started work, or took a pending/closed ticket back
    "open": Spec(Args.NONE, _OPS),
    # hand the ticket to another member (by address, or by a name as written, spaces too)
    "assign": Spec(Args.NAME, _OPS),
    # refile under another catalog entry (by id, or by a name as the pages show it)
    "category": Spec(Args.NAME, _OPS),
    # when it must be done
    "due": Spec(Args.ONE, _OPS),
    # correct or complete the parameter sheet
    "field": Spec(Args.NAME_VALUE, _OPS),
    # an internal note: the rest of the mail, never relayed
    "note": Spec(Args.REST, _OPS),
    # let the entry's action that waits for approval run (catalog `when: approved`)
    "approve": Spec(Args.NONE, _MANAGERS),
    # how urgent; a requester may lower it, never raise it (gateway.pipeline.priority)
    "priority": Spec(Args.ONE, _OPS_AND_REQUESTER),
    # a saved answer of the team's after the member's own words (pipeline.answer_names)
    "answer": Spec(Args.ONE, _OPS),
    # fold this ticket into another (#19): its mail, people and fields go there, it closes
    "merge": Spec(Args.ONE, _OPS),
    # watchers (#19): ops add or remove anyone; a requester adds a colleague (same domain)
    "cc": Spec(Args.ACTION_ADDRESS, _OPS_AND_REQUESTER),
}


def commands_for(role: Role) -> tuple[Msg, ...]:
    """The commands ``role`` may give, one line each, in the grammar's order."""
    return tuple(SHORT[word] for word in words_for(role))


def grammar_for(customer: Role | None) -> Msg | str:
    """The grammar a refusal shows: all of it to a member (None); to a requester what a
    requester may write, in a customer's words; nothing to anyone else on the ticket,
    who may give no command (never the team's own commands to a customer)."""
    if customer is None:
        return HELP
    return REQUESTER_HELP if customer == Role.REQUESTER else ""


def words_for(role: Role) -> tuple[str, ...]:
    """The command words ``role`` may give, in the grammar's order."""
    return tuple(word for word, spec in GRAMMAR.items() if role in spec.roles)


# The words read from a customer's mail (the requester's or another's on the ticket): any
# other "/word" line is their words ("/tmp がいっぱいです", "/clsoe"), relayed, not answered.
CUSTOMER_WORDS = frozenset(words_for(Role.REQUESTER))


def read_commands(new_text: str, max_lines: int, role: Role, names: Sequence[str] = ()) -> Parsed:
    """The command lines of ``new_text`` as ``role`` writes them: from a member's mail
    every ``/word`` line (an unknown one is refused, never relayed: it may be a mistyped
    command, ``/asign`` or ``/notr``), from a customer's only :data:`CUSTOMER_WORDS` (and
    a ``/close`` as their last line: ``closing_below_words``). ``names``: the writer's."""
    customer = role in (Role.REQUESTER, Role.OTHER)
    return parse_commands(new_text, max_lines, CUSTOMER_WORDS if customer else None, names)


# ---------------------------------------------------------------- decisions


@dataclass(frozen=True, slots=True)
class SetState:
    target: TicketState
    reason: CloseReason | None = None


@dataclass(frozen=True, slots=True)
class Assign:
    member: str  # the member's configured address


@dataclass(frozen=True, slots=True)
class SetCategory:
    entry_id: str


@dataclass(frozen=True, slots=True)
class SetDue:
    due: datetime  # end of the given day in the writer's time zone (CommandContext.timezone)


@dataclass(frozen=True, slots=True)
class SetField:
    name: str
    value: str  # canonical, already validated for the field's type


@dataclass(frozen=True, slots=True)
class AddNote:
    text: str


@dataclass(frozen=True, slots=True)
class Approve:
    """Run the ticket's action that waits for approval (the entry's, ``when: approved``)."""


_MORE = SetPriority | UseAnswer | Merge | Watch  # decided in their own modules (#19)
Action = SetState | Assign | SetCategory | SetDue | SetField | AddNote | Approve | _MORE


@dataclass(frozen=True, slots=True)
class CommandContext:
    """The facts a decision needs, gathered by the caller."""

    role: Role
    members: Collection[str]  # configured member addresses
    entries: Collection[str]  # catalog entry ids
    entry: Entry | None  # the ticket's entry, for /field (None: not filed, or since removed)
    now: datetime
    timezone: str  # the writer's (Settings.zone_of): the zone a /due day is a day of
    priority: str = "normal"  # the ticket's level now, for /priority
    answers: Collection[str] = ()  # the saved answers' names, for /answer
    tag_prefix: str = ""  # [gateway] tag_prefix: /merge [HELP#12] names ticket 12
    # member address → display name ([[members]] name): /assign 佐藤 or /assign 山田花子
    member_names: Mapping[str, str] = field(default_factory=dict)
    # the catalog's entries, for /category by name and the entries an unknown one is told
    catalog: Sequence[Entry] = ()
    entry_id: str | None = None  # the entry the ticket is filed under, in or out of the catalog
    # [priority]'s subject markers per level: /priority 至急 is the level 至急 marks
    priority_markers: Mapping[str, Sequence[str]] = field(default_factory=lambda: DEFAULT_MARKERS)


def decide(cmd: Command, ctx: CommandContext) -> Action | Refused:
    """What ``cmd`` asks for, or why it is refused (before touching the ticket)."""
    spec = GRAMMAR.get(cmd.name)
    if spec is None:  # a slip of the fingers is named: /clsoe, did you mean /close?
        known = guessed(cmd.name, words_for(ctx.role))
        if known is not None:
            said = N_("unknown command /{name}; did you mean /{known}?", name=cmd.name, known=known)
            return Refused(cmd.line, said)
        return Refused(cmd.line, N_("unknown command /{name}", name=cmd.name))
    if ctx.role not in spec.roles:
        return Refused(cmd.line, _not_yours(spec, ctx.role))
    two = None if spec.args in _FREE_TEXT else two_on_a_line(cmd, GRAMMAR)
    if two is not None:  # "/pending /close": not "/pending takes no argument"
        return Refused(cmd.line, two)
    cmd = _words_read_in_any_width(cmd)
    if cmd.name in _MAILBOX_ARGS:  # "Bob Smith <bob@x.test>", copied from a header
        cmd = replace(cmd, arg=mailbox_arg(cmd.arg, verb=_MAILBOX_ARGS[cmd.name]))
    shape = _shape_problem(spec.args, cmd.arg)
    if shape is not None:
        return Refused(cmd.line, N_("/{name} {problem}", name=cmd.name, problem=shape))
    return _DECIDERS[cmd.name](cmd, ctx)


def _words_read_in_any_width(cmd: Command) -> Command:
    """The argument after NFKC where it is words of the grammar: a member typing with the
    IME still on writes ``／ｐｒｉｏｒｉｔｙ ｈｉｇｈ`` and was told there is no priority
    「ｈｉｇｈ」. A note's text and a field's value are a person's words, kept as written."""
    if cmd.name in ("note", "field") or not cmd.arg:  # a field's name is read in any width
        return cmd
    return replace(cmd, arg=unicodedata.normalize("NFKC", cmd.arg))


_Decider = Callable[[Command, CommandContext], Action | Refused]


def _not_yours(spec: Spec, role: Role) -> Msg:
    if role == Role.REQUESTER:
        return N_("requesters may only use /close, /cc add, and /priority to lower it")
    if spec.roles == _MANAGERS:
        return N_("only managers may use this command")
    return N_("only ops members may use commands")


def _shape_problem(args: Args, arg: str) -> Msg | None:
    words = arg.split()
    if args == Args.NONE and words:
        return N_("takes no argument")
    if args == Args.OPTIONAL and len(words) > 1:
        return N_("takes at most one argument")
    if args == Args.ONE and len(words) != 1:
        return N_("takes exactly one argument")
    if args == Args.NAME and not words:
        return N_("needs a name, an id or an address")
    if args == Args.NAME_VALUE and len(arg.replace("：", " ").split()) < 2:  # 「名前：値」
        return N_("needs a field name and a value")
    if args == Args.ACTION_ADDRESS and len(words) != 2:
        return N_("needs add or remove, then one address")
    if args == Args.REST and not arg:
        return N_("needs the text of the note")
    return None


# each close reason's names, as the mails (gateway.notify.labels) and the ticket page's
# close buttons say them: /close 解決 and /close 迷惑メール read as a Japanese member means
_REASON_NAMES: Mapping[CloseReason, tuple[Msg, ...]] = {
    # and the closed state's name (「現在の状態: 完了」: /close 完了), which says no other reason
    CloseReason.RESOLVED: (N_("resolved"), N_("Resolved"), N_("closed")),
    CloseReason.STALE: (N_("stale"), N_("Stale"), N_("no recent activity")),
    CloseReason.DUPLICATE: (N_("duplicate"), N_("Duplicate")),
    CloseReason.SPAM: (N_("spam"), N_("Spam")),
    CloseReason.NO_RESPONSE: (N_("no response"), N_("No response")),
}


def _close(cmd: Command, ctx: CommandContext) -> Action | Refused:
    if not cmd.arg:
        return SetState(TicketState.CLOSED, CloseReason.RESOLVED)
    try:
        # no-response typed with the IME on: noーresponse, no−response
        return SetState(TicketState.CLOSED, CloseReason(hyphens_between(cmd.arg).lower()))
    except ValueError:
        reason = named(cmd.arg, _REASON_NAMES)
        if reason is not None:
            return SetState(TicketState.CLOSED, reason)
        k = ", ".join(r.value for r in CloseReason)
        why = N_(
            "unknown close reason '{reason}' (use one of: {known})",
            reason=visible(cmd.arg),
            known=k,
        )
        return Refused(cmd.line, why)


def _assign(cmd: Command, ctx: CommandContext) -> Action | Refused:
    found = member_named(cmd.arg, ctx.members, ctx.member_names)
    return Assign(found) if isinstance(found, str) else Refused(cmd.line, found)


def _category(cmd: Command, ctx: CommandContext) -> Action | Refused:
    found = entry_named(cmd.arg, ctx.entries, ctx.catalog)
    return SetCategory(found) if isinstance(found, str) else Refused(cmd.line, found)


def _due(cmd: Command, ctx: CommandContext) -> Action | Refused:
    found = due_date(cmd.arg, ctx.timezone, ctx.now)
    return SetDue(found) if isinstance(found, datetime) else Refused(cmd.line, found)


def _field(cmd: Command, ctx: CommandContext) -> Action | Refused:
    name = cmd.arg.split(None, 1)[0]  # what a refusal names: the first word
    found = field_and_value(ctx.entry, cmd.arg) if ctx.entry is not None else None
    if found is None:
        return Refused(
            cmd.line,
            unknown_field(ctx.entry, name)
            if ctx.entry is not None
            else N_("unknown field '{name}' for this ticket", name=visible(name)),
        )
    name, field, value = found  # "Printer name: 3F": the label, its field, the value
    today = ctx.now.astimezone(ZoneInfo(ctx.timezone)).date()  # /field 納期 4/1: the next 4/1
    canonical, problem = validate(field, value, today)
    if problem is not None:
        return Refused(cmd.line, N_("field {name}: {problem}", name=name, problem=problem))
    return SetField(field.name, canonical)


def _note(cmd: Command, ctx: CommandContext) -> Action | Refused:
    return AddNote(cmd.arg)


def _state(target: TicketState) -> _Decider:
    return lambda cmd, ctx: SetState(target)


def _approve(cmd: Command, ctx: CommandContext) -> Action | Refused:
    why = not_approvable(ctx.entry, ctx.entry_id)
    return Approve() if why is None else Refused(cmd.line, why)


def _or_refused(cmd: Command, decided: Action | Msg) -> Action | Refused:
    return Refused(cmd.line, decided) if isinstance(decided, Msg) else decided


def _found(rule: Callable[[Command, CommandContext], Action | Msg]) -> _Decider:
    """A decider from a rule that returns what it found, or why not."""
    return lambda c, ctx: (
        found if not isinstance(found := rule(c, ctx), Msg) else Refused(c.line, found)
    )


_DECIDERS: dict[str, _Decider] = {
    "close": _close,
    "pending": _state(TicketState.PENDING),
    "open": _state(TicketState.OPEN),
    "assign": _assign,
    "category": _category,
    "due": _due,
    "field": _field,
    "note": _note,
    "approve": _approve,
    "priority": lambda c, x: _or_refused(
        c,
        priority.by_command(
            c.arg, x.priority, requester=x.role == Role.REQUESTER, markers=x.priority_markers
        ),
    ),
    "answer": lambda c, x: _or_refused(c, answer_names.choose(c.arg, x.answers)),
    "merge": _found(lambda c, ctx: merge_command(c.arg, ctx.tag_prefix)),
    "cc": _found(lambda c, ctx: cc_command(c.arg, by_requester=ctx.role == Role.REQUESTER)),
}
