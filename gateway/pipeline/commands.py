"""The reply-command grammar, and who may give which command.

Pure: text in, typed commands and decisions out. Only the leading lines of a
reply's *new* text are read (the parser already cut the quoted history and the
signature), at most ``max_lines`` of them, and reading stops at the first line
that is not a command, so a quoted or pasted ``/close`` further down can never
trigger anything (Mailman's command runner caps and reports the same way).

The grammar is one table (:data:`GRAMMAR`) and one help text (:data:`HELP`), a
msgid of the gettext catalogs with its Japanese translation there; the help
text is what "command refused" mails show and what the README prints, in both
languages, word for word. Why a command is refused is a
:class:`~gateway.core.i18n.Msg`, said in the reader's language by whoever
renders it; its English text (``reason``) is what events and logs keep.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from gateway.catalog.model import Entry
from gateway.catalog.sheet import validate
from gateway.core.i18n import N_, Msg
from gateway.core.model import CloseReason, TicketState

# the grammar in words lives in its own module; these names are part of this one's API
from gateway.pipeline.command_help import HELP as HELP
from gateway.pipeline.command_help import HELP_TEXT as HELP_TEXT
from gateway.pipeline.command_help import HELP_TEXT_JA as HELP_TEXT_JA
from gateway.pipeline.command_help import SHORT
from gateway.pipeline.command_help import help_text as help_text
from gateway.pipeline.merging import Merge, merge_command
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
    NAME_VALUE = "name-value"  # a word, then the rest of the line
    REST = "rest"  # the rest of the mail
    ACTION_ADDRESS = "action-address"  # add or remove, then an address (/cc)


@dataclass(frozen=True, slots=True)
class Spec:
    args: Args
    roles: frozenset[Role]


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
    # hand the ticket to another member
    "assign": Spec(Args.ONE, _OPS),
    # refile under another catalog entry
    "category": Spec(Args.ONE, _OPS),
    # when it must be done
    "due": Spec(Args.ONE, _OPS),
    # correct or complete the parameter sheet
    "field": Spec(Args.NAME_VALUE, _OPS),
    # an internal note: the rest of the mail, never relayed
    "note": Spec(Args.REST, _OPS),
    # let the entry's action that waits for approval run (catalog `when: approved`)
    "approve": Spec(Args.NONE, _MANAGERS),
    # fold this ticket into another (#19): its mail, people and fields go there, it closes
    "merge": Spec(Args.ONE, _OPS),
    # watchers (#19): ops add or remove anyone; a requester adds a colleague (same domain)
    "cc": Spec(Args.ACTION_ADDRESS, _OPS_AND_REQUESTER),
}


def commands_for(role: Role) -> tuple[Msg, ...]:
    """The commands ``role`` may give, one line each, in the grammar's order."""
    return tuple(SHORT[word] for word, spec in GRAMMAR.items() if role in spec.roles)


# "/word", "/word args"; a path such as "/usr/bin/x" is not a command
_COMMAND = re.compile(r"^/([a-z][a-z_-]*)(?:\s+(.*))?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # lower-case command word
    arg: str  # the rest of the line (for /note: the rest of the mail), stripped
    line: str  # the line as written, for the transcript


@dataclass(frozen=True, slots=True)
class Parsed:
    commands: tuple[Command, ...]
    remaining: str  # what is relayed: the text without command lines
    ignored: tuple[NotRead, ...]  # command lines below the line limit
    note: str | None = None  # the internal note, when /note was given


# Outcomes, one per command line, for the transcript and the events.


@dataclass(frozen=True, slots=True)
class Applied:
    line: str
    summary: Msg  # what changed, e.g. "new → closed (resolved)"


@dataclass(frozen=True, slots=True)
class Refused:
    line: str
    why: Msg  # said in the reader's language

    @property
    def reason(self) -> str:
        """In English, for events and logs."""
        return str(self.why)


@dataclass(frozen=True, slots=True)
class NotRead:
    line: str
    why: Msg

    @property
    def reason(self) -> str:
        """In English, for events and logs."""
        return str(self.why)


CommandOutcome = Applied | Refused | NotRead


def parse_commands(new_text: str, max_lines: int) -> Parsed:
    """Leading command lines of ``new_text``; the rest is what gets relayed."""
    lines = new_text.splitlines()
    commands: list[Command] = []
    ignored: list[NotRead] = []
    i = _skip_blank(lines, 0)
    read = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        found = _command(line)
        if found is None:
            break
        read += 1
        if read > max_lines:
            ignored.append(
                NotRead(line, N_("only the first {n} command lines are read", n=max_lines))
            )
            i += 1
            continue
        if found.name == "note":
            note = "\n".join([found.arg, *lines[i + 1 :]]).strip()
            commands.append(Command("note", note, line))
            return Parsed(tuple(commands), "", tuple(ignored), note)
        commands.append(found)
        i += 1
    remaining = "\n".join(lines[i:]).strip("\n") if commands or ignored else new_text
    return Parsed(tuple(commands), remaining, tuple(ignored))


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _command(line: str) -> Command | None:
    """A command line: ``/word`` at the start; NFKC makes ``／ｃｌｏｓｅ`` read as ``/close``."""
    head, _, rest = line.partition(" ")
    head = unicodedata.normalize("NFKC", head)
    m = _COMMAND.match(f"{head} {rest}".strip())
    if m is None:
        return None
    return Command(m.group(1).lower(), (m.group(2) or "").strip(), line)


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
    due: datetime  # end of the given day in the team's time zone


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


Action = SetState | Assign | SetCategory | SetDue | SetField | AddNote | Approve | Merge | Watch


@dataclass(frozen=True, slots=True)
class CommandContext:
    """The facts a decision needs, gathered by the caller."""

    role: Role
    members: Collection[str]  # configured member addresses
    entries: Collection[str]  # catalog entry ids
    entry: Entry | None  # the ticket's entry, for /field
    now: datetime
    timezone: str


def decide(cmd: Command, ctx: CommandContext) -> Action | Refused:
    """What ``cmd`` asks for, or why it is refused (before touching the ticket)."""
    spec = GRAMMAR.get(cmd.name)
    if spec is None:
        return Refused(cmd.line, N_("unknown command /{name}", name=cmd.name))
    if ctx.role not in spec.roles:
        return Refused(cmd.line, _not_yours(spec, ctx.role))
    shape = _shape_problem(spec.args, cmd.arg)
    if shape is not None:
        return Refused(cmd.line, N_("/{name} {problem}", name=cmd.name, problem=shape))
    return _DECIDERS[cmd.name](cmd, ctx)


_Decider = Callable[[Command, CommandContext], Action | Refused]


def _not_yours(spec: Spec, role: Role) -> Msg:
    if role == Role.REQUESTER:
        return N_("requesters may only use /close and /cc add")
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
    if args == Args.NAME_VALUE and len(words) < 2:
        return N_("needs a field name and a value")
    if args == Args.ACTION_ADDRESS and len(words) != 2:
        return N_("needs add or remove, then one address")
    if args == Args.REST and not arg:
        return N_("needs the text of the note")
    return None


def _close(cmd: Command, ctx: CommandContext) -> Action | Refused:
    if not cmd.arg:
        return SetState(TicketState.CLOSED, CloseReason.RESOLVED)
    try:
        return SetState(TicketState.CLOSED, CloseReason(cmd.arg.lower()))
    except ValueError:
        known = ", ".join(r.value for r in CloseReason)
        return Refused(
            cmd.line,
            N_(
                "unknown close reason {reason!r} (use one of: {known})", reason=cmd.arg, known=known
            ),
        )


def _assign(cmd: Command, ctx: CommandContext) -> Action | Refused:
    wanted = cmd.arg.lower()
    matches = [m for m in ctx.members if wanted in (m, m.split("@", 1)[0])]
    if len(matches) == 1:
        return Assign(matches[0])
    if matches:
        return Refused(
            cmd.line, N_("{member!r} names several members; write the address", member=cmd.arg)
        )
    return Refused(cmd.line, N_("unknown member {member!r}", member=cmd.arg))


def _category(cmd: Command, ctx: CommandContext) -> Action | Refused:
    if cmd.arg in ctx.entries:
        return SetCategory(cmd.arg)
    return Refused(cmd.line, N_("unknown catalog entry {entry!r}", entry=cmd.arg))


def _due(cmd: Command, ctx: CommandContext) -> Action | Refused:
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", unicodedata.normalize("NFKC", cmd.arg))
    if m is None:
        return Refused(cmd.line, N_("not a date: {value!r} (write YYYY-MM-DD)", value=cmd.arg))
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return Refused(cmd.line, N_("no such date: {value!r}", value=cmd.arg))
    due = datetime.combine(day, time(23, 59, 59), ZoneInfo(ctx.timezone))
    if due < ctx.now:
        return Refused(cmd.line, N_("{day} is in the past", day=day.isoformat()))
    return SetDue(due)


def _field(cmd: Command, ctx: CommandContext) -> Action | Refused:
    name, value = cmd.arg.split(None, 1)
    field = ctx.entry.field(name) if ctx.entry is not None else None
    if field is None:
        return Refused(
            cmd.line,
            N_("unknown field {name!r} for entry {entry!r}", name=name, entry=ctx.entry.id)
            if ctx.entry is not None
            else N_("unknown field {name!r} for this ticket", name=name),
        )
    canonical, problem = validate(field, value)
    if problem is not None:
        return Refused(cmd.line, N_("field {name}: {problem}", name=name, problem=problem))
    return SetField(field.name, canonical)


def _note(cmd: Command, ctx: CommandContext) -> Action | Refused:
    return AddNote(cmd.arg)


def _state(target: TicketState) -> _Decider:
    return lambda cmd, ctx: SetState(target)


def _approve(cmd: Command, ctx: CommandContext) -> Action | Refused:
    action = ctx.entry.action if ctx.entry is not None else None
    if ctx.entry is None or action is None or action.when != "approved":
        entry = ctx.entry.id if ctx.entry is not None else "-"
        return Refused(
            cmd.line, N_("entry {entry!r} has no action that waits for approval", entry=entry)
        )
    return Approve()


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
    "merge": _found(lambda c, ctx: merge_command(c.arg)),
    "cc": _found(lambda c, ctx: cc_command(c.arg, by_requester=ctx.role == Role.REQUESTER)),
}
