"""View models for every mail kind, with realistic data, for the render tests.

:data:`SAMPLES` covers every kind once or more with plain values. :func:`said` adds
the views that carry the gateway's own words — every refusal reason of the command
grammar and of the state machine, every command result, every field error, the
unverified-mail refusal, every health problem, the inventory note, digests with
every badge — taken from the code that decides them, not written here, so a new
message in the code is in a mail the language scanner reads.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from gateway.actions.notes import ACTION_TYPES
from gateway.catalog.model import Entry, Field
from gateway.catalog.sheet import validate
from gateway.config.settings import (
    GatewaySettings,
    HealthSettings,
    ImapSettings,
    Member,
    Settings,
)
from gateway.core import tokens, weeks
from gateway.core.errors import CatalogError, ConfigError, InvalidTransition, Problem
from gateway.core.i18n import N_, Msg
from gateway.core.model import CloseReason, TicketState
from gateway.core.priority import Priority
from gateway.notify import answers, labels
from gateway.notify import views as v
from gateway.outbound import failures
from gateway.pipeline import authz, command_lines, commands
from gateway.pipeline.command_conflicts import contradictions, done_by_merge, reopened_for_merge
from gateway.pipeline.commands import CommandContext, Role
from gateway.pipeline.merging import merged_requester
from gateway.receive.imap import left
from gateway.receive.imap.refused import TRIES
from gateway.runner import command_said, proof
from gateway.runner.saved_words import words_kept
from gateway.runner.unsent_files import NOT_SENT
from gateway.scheduling import health, sweeps, workload
from gateway.tickets import states, to_members, undelivered
from store.health import Finished, Snapshot, SourceSeen
from store.sources import LeftMessage, SteppedOver
from tests.support import samples_many
from tests.support.action_failures import action_failures
from tests.support.mailbox_errors import mailbox_errors

TEAM = v.Team("情報システム部 サポート窓口", "support@example.test")
ALICE = v.Person("alice@customer.test", "山田 花子")
OPS = v.Person("ops@example.test", "Ops One")
BOSS = v.Person("boss@example.test", "Boss")
WATCHER = v.Person("suzuki@customer.test", "鈴木 一郎")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def ticket(
    n: int,
    subject: str,
    state: str = "open",
    age: int = 3,
    idle: int = 1,
    assignee: str = "Ops One",
) -> v.TicketRef:
    return v.TicketRef(
        n, f"[#{n}]", subject, state, ALICE, assignee, "VPN", "2026-03-02 10:00 JST", age, idle
    )


T42 = ticket(42, "VPN に接続できません <script>alert(1)</script>")
MINE = replace(T42, reply_to="support+42-0123456789abcdef@example.test")
BRIEF = v.TicketBrief(
    entry="VPN・リモートアクセス",
    requester=ALICE,
    deadlines=(
        v.DeadlineLine("first_response", "2026-03-02 14:00 JST"),
        v.DeadlineLine("resolve", "2026-03-04 10:00 JST"),
    ),
    sheet=(v.SheetLine("OS", "windows", True), v.SheetLine("クライアントのバージョン", "", True),
           v.SheetLine("端末名", ""),
           # a value its field no longer takes (the sheet changed since), said why
           v.SheetLine("予算区分", "opex", True, N_("not one of {choices}", choices="capex"))),
    excerpt="おはようございます。\n今朝から VPN に接続できません。",
    commands=commands.commands_for(Role.MANAGER),
    files=(("画面.png", 2048),),
)  # fmt: skip
CLOSED = v.StatusLine("open", "closed", "resolved", 14)
WEEK_10 = weeks.span_label(date(2026, 3, 2), date(2026, 3, 8))  # 2026-W10 (2026-03-02 – …)
DAYS_10 = weeks.span_days(date(2026, 3, 2), date(2026, 3, 8))  # the subject's: Mar 2 – Mar 8

SAMPLES: list[v.View] = [
    v.Acknowledgement(TEAM, ALICE, T42),
    v.Acknowledgement(
        TEAM,
        ALICE,
        T42,
        (v.FieldRequest("hostname", "端末名", "PC-0123"), v.FieldRequest("os", "OS", "Windows 11")),
    ),
    v.FieldsRefused(  # a reply's correction that did not fit its type
        TEAM,
        ALICE,
        T42,
        (
            v.RefusedValue(
                "希望納期", "希望納期", "来週中", N_("not a date (use 2026-03-02)"), "2026-04-01"
            ),
        ),
    ),
    v.FieldsRefused(  # … with a required field the sheet still lacks, asked for again
        TEAM,
        ALICE,
        T42,
        (v.RefusedValue("数量", "数量", "たくさん", N_("not a number"), "1", asked=True),),
        (v.FieldRequest("数量", "数量", "1"), v.FieldRequest("hostname", "端末名", "PC-0123")),
    ),
    v.FieldsRefused(  # numbers outside the field's min and max
        TEAM,
        ALICE,
        T42,
        (
            v.RefusedValue("数量", "数量", "-1", N_("must be at least {least}", least="0"), "1"),
            v.RefusedValue("席数", "席数", "900", N_("must be at most {most}", most="500"), "1"),
        ),
    ),
    v.FieldsRefused(  # numbers longer than a field keeps (gateway.catalog.numbers)
        TEAM,
        ALICE,
        T42,
        (
            v.RefusedValue(
                "時間",
                "時間",
                "9" * 35,
                N_("too large: at most {digits} digits before the decimal point", digits=30),
                "1",
            ),
            v.RefusedValue(
                "時間",
                "時間",
                "1." + "5" * 35,
                N_("too many decimal places: at most {digits}", digits=30),
                "1",
            ),
        ),
    ),
    v.FieldsRefused(  # numbers off the field's step: a whole number, or steps of 0.5
        TEAM,
        ALICE,
        T42,
        (
            v.RefusedValue("数量", "数量", "2.5", N_("must be a whole number"), "1"),
            v.RefusedValue(
                "時間",
                "時間",
                "1.2",
                N_(
                    "must go in steps of {step}: the nearest are {below} and {above}",
                    step="0.5",
                    below="1",
                    above="1.5",
                ),
                "1.5",
            ),
            v.RefusedValue(
                "時間",
                "時間",
                "7.9",
                N_("must go in steps of {step}: the nearest is {below}", step="0.5", below="7.5"),
                "1.5",
            ),
        ),
    ),
    v.NewTicket(TEAM, OPS, MINE, BRIEF),
    v.OpsReply(TEAM, ALICE, T42, OPS, "VPN クライアントを再起動してください。\nThanks & regards"),
    v.OpsReply(TEAM, ALICE, T42, OPS, "証明書を更新しました。", CLOSED),
    v.OpsReply(
        TEAM, ALICE, T42, OPS, "ログを送っていただけますか。", v.StatusLine("open", "pending")
    ),
    v.OpsReply(  # the same answer to a watcher: the request, and the reply awaited, are Alice's
        TEAM,
        WATCHER,
        T42,
        OPS,
        "ログを送っていただけますか。",
        v.StatusLine("open", "pending"),
    ),
    v.StatusChange(TEAM, ALICE, T42, CLOSED),
    v.StatusChange(TEAM, ALICE, T42, v.StatusLine("open", "pending")),
    v.StatusChange(TEAM, ALICE, T42, v.StatusLine("closed", "open")),
    v.StatusChange(TEAM, ALICE, T42, v.StatusLine("pending", "open")),
    *(  # the same news to a colleague who watches the ticket (/cc), said of Alice's request
        v.StatusChange(TEAM, WATCHER, T42, line)
        for line in (
            v.StatusLine("open", "closed", "resolved", 14, "証明書を更新しました。"),
            v.StatusLine("open", "pending"),
            v.StatusLine("closed", "open"),
            v.StatusLine("pending", "open"),
        )
    ),
    v.TicketNotice(
        TEAM,
        OPS,
        MINE,
        (
            v.NoticeItem(
                "reply",
                "2026-03-02 10:05 JST",
                "山田 花子",
                "再起動しても同じです。",
                files=(("エラー画面.png", 5120), ("vpn.log", 100), ("capture.zip", 3 << 20)),
            ),
            v.NoticeItem("state", "2026-03-02 10:05 JST", "山田 花子", old="pending", new="open"),
            v.NoticeItem("field", "2026-03-02 10:06 JST", "山田 花子", name="OS", new="windows"),
            v.NoticeItem("field", "2026-03-02 10:06 JST", "Boss", name="OS", old="mac", new="win"),
            v.NoticeItem("note", "2026-03-02 10:07 JST", "Boss", "電話で確認済み"),
            v.NoticeItem("priority", "2026-03-02 10:07 JST", "Boss", old="normal", new="urgent"),
            v.NoticeItem("merged", "2026-03-02 10:07 JST", "Boss", new="42"),
            v.NoticeItem("answered", "2026-03-02 10:08 JST", "Boss", "再起動してください。"),
            v.NoticeItem("thanks", "2026-03-02 10:09 JST", "山田 花子", "ありがとうございました"),
            v.NoticeItem("unassigned", "2026-03-02 10:10 JST", "Boss", name="Ops Two"),
            # a mail to the requester refused for good: to whoever has the ticket, and to
            # the member whose answer it carried, as theirs
            v.NoticeItem("undelivered", "2026-03-02 10:11 JST", "", new=ALICE.email, why="550"),
            v.NoticeItem(
                "undelivered", "2026-03-02 10:11 JST", "", new=ALICE.email, why="550", yours=True
            ),
            # … or taken by the relay and bounced later (a pending reminder's)
            v.NoticeItem(
                "undelivered",
                "2026-03-02 10:12 JST",
                "",
                new=ALICE.email,
                why=undelivered.came_back(),
            ),
            # … with what the receiving server said of it, read from the bounce
            v.NoticeItem(
                "undelivered",
                "2026-03-02 10:13 JST",
                "",
                new=ALICE.email,
                why=undelivered.came_back("550 5.1.1 User unknown"),
            ),
        ),
    ),
    v.TicketNotice(
        TEAM, OPS, MINE, (v.NoticeItem("assigned", "2026-03-02 10:10 JST", "Boss"),), BRIEF
    ),
    v.StaleReminder(TEAM, OPS, (T42, ticket(7, "Printer jams", "new", 12, 9)), timedelta(days=7)),
    v.PendingReminder(TEAM, ALICE, T42, timedelta(days=5), timedelta(days=9)),
    v.WeeklyDigest(
        TEAM,
        OPS,
        WEEK_10,  # as the scheduler names it: a Msg, said in the reader's language
        (T42,),
        (ticket(8, "New laptop", "new", 1, 1, ""),),
        commands.HELP,
        days=DAYS_10,
    ),
    v.WeeklyDigest(TEAM, OPS, "2026-W11 (2026-03-09 – 2026-03-15)", (), (), commands.HELP),
    v.WeeklySummary(
        TEAM,
        BOSS,
        WEEK_10,
        12,
        9,
        (v.StateCount("new", 2), v.StateCount("open", 4), v.StateCount("pending", 1)),
        (T42,),
        1,
        days=DAYS_10,
    ),
    v.CommandResult(
        TEAM,
        OPS,
        T42,
        (
            v.CommandLine("#state pending", "open → pending"),
            v.CommandLine("#assign tanaka", "assigned to 田中"),
        ),
    ),
    v.CommandRefused(
        TEAM,
        OPS,
        T42,
        "#state flying",
        "unknown state 'flying'",
        "#state new|open|pending|closed\n#assign EMAIL",
    ),
    v.SlaOverdue(TEAM, OPS, T42, "first_response", "2026-03-02 14:00 JST"),
    v.SlaOverdueList(
        TEAM,
        OPS,
        (
            v.OverdueLine(T42, "first_response", "2026-03-02 14:00 JST"),
            v.OverdueLine(T42, "resolve", "2026-03-04 10:00 JST"),
        ),
    ),
    v.WeeklyDigest(
        TEAM,
        OPS,
        "2026-03-02 – 2026-03-08",
        (
            v.TicketRef(
                42,
                "[#42]",
                "VPN",
                "open",
                ALICE,
                "Ops One",
                "VPN",
                "",
                9,
                8,
                "overdue",
                "2026-03-04 10:00 JST",
                True,
                "support+42-0123456789abcdef@example.test",
            ),
        ),
        (),
        commands.HELP,
    ),
    v.WeeklySummary(
        TEAM,
        BOSS,
        "2026-03-02 – 2026-03-08",
        1,
        0,
        (v.StateCount("open", 1),),
        (T42,),
        0,
        (v.NamedCount("VPN", 1),),
        (v.NamedCount("Ops One", 1),),
        (v.NamedCount("ops@example.test", 2),),
        (v.NamedCount("プロジェクター", 3),),
        outside_catalog=workload.Outside({"printer-3f": [41, 42]}).message(),
        sla_by_assignee=(v.SlaCount("Ops One", 1, 2), v.SlaCount("", 0, 1)),
        sla_by_entry=(v.SlaCount("VPN", 1, 3),),
    ),
    v.HealthAlert(
        TEAM,
        BOSS,
        "mailbox support@imap:993/INBOX was never polled <b>successfully</b>",
        False,
        "2026-03-02 10:00 JST",
    ),
    v.HealthAlert(TEAM, BOSS, "2 shunted inbox rows", True, "2026-03-02 10:00 JST"),
    v.OutsiderReply(
        TEAM,
        OPS,
        T42,
        v.Person("stranger@elsewhere.test", "Mallory <b>"),
        "I saw this thread; here is the password you need …",
        "ticket-gateway tickets add-participant 42 stranger@elsewhere.test",
    ),
    v.LeftWork(
        TEAM,
        BOSS,
        (replace(MINE, left="sato@example.test"),),
        ("sato@example.test",),
        more=2,
    ),
    *(  # one who left the team: their own ticket to hand on, or one they only worked
        v.OutsiderReply(
            TEAM,
            BOSS,
            T42,
            v.Person("sato@example.test", "Sato <b>"),
            "/close\nDone.",
            "ticket-gateway tickets add-participant 42 sato@example.test",
            left_team=True,
            not_done=not_done,
            hand_on=hand_on,
        )
        for not_done, hand_on in (("/close", "ticket-gateway tickets assign 42"), ("", ""))
    ),
    *(
        v.TicketlessReply(TEAM, OPS, named, "Re: Weekly digest <b>: 3 open</b>")
        for named in (*labels.NO_TICKET_MAILS.values(), labels.SOME_MAIL)
    ),
    v.SignIn(
        TEAM,
        OPS,
        "https://help.example.test/sign-in/0123456789abcdefghijklmnopqrstuv",
        15,
    ),
    v.ActionFailed(
        TEAM,
        OPS,
        T42,
        7,
        "Accounts",  # the entry's name in the reader's language (data, as a subject is)
        ACTION_TYPES["webhook"],
        "https://automation.example.test/hooks/account",
        4,
        "HTTP 503",
        "HTTP 503 Service Unavailable",
        "<h1>down for maintenance</h1>",
    ),
    # to a manager: tickets nobody on the team has (a leaver's, #7), said so in each mail
    v.StaleReminder(
        TEAM,
        BOSS,
        (T42, ticket(7, "Printer jams", "new", 12, 9)),
        timedelta(days=7),
        frozenset({7}),
    ),
    v.SlaOverdueList(
        TEAM,
        BOSS,
        (
            v.OverdueLine(T42, "resolve", "2026-03-04 10:00 JST"),
            v.OverdueLine(
                ticket(7, "Printer jams", "new", 12, 9), "first_response", "2026-03-02 14:00 JST"
            ),
        ),
        frozenset({7}),
    ),
]

# ---------------------------------------------------------------- the gateway's own words

ENTRY = Entry(
    "purchase",
    {"ja": "購入申請", "en": "Purchase request"},
    assignees=("ops@example.test",),
    fields=(
        Field("quantity", {"en": "Quantity", "ja": "数量"}, "number", required=True),
        Field("needed_by", {"en": "Needed by", "ja": "希望納期"}, "date"),
        Field("approver", {"en": "Approver", "ja": "承認者"}, "email"),
        Field("budget", {"en": "Budget", "ja": "予算区分"}, "choice", ("opex", "capex")),
    ),
)
MEMBERS = ("ops@example.test", "ops2@example.test", "ops@other.test")

# (command line, who wrote it): one line per way a command is refused
REFUSED_LINES: list[tuple[str, Role]] = [
    ("/frobnicate", Role.MEMBER),  # no such command
    ("/clsoe", Role.REQUESTER),  # no such command, but one like it
    ("/assign ops", Role.REQUESTER),  # requesters may only /close
    ("/close", Role.OTHER),  # only members give commands
    ("/pending now", Role.MEMBER),  # takes no argument
    ("/pending /close", Role.MEMBER),  # two commands on one line
    ("/close spam twice", Role.MEMBER),  # at most one argument
    ("/merge", Role.MEMBER),  # exactly one argument
    ("/assign", Role.MEMBER),  # a name, an id or an address
    ("/field quantity", Role.MEMBER),  # a name and a value
    ("/note", Role.MEMBER),  # the text of the note
    ("/close fixed", Role.MEMBER),  # no such close reason
    ("/assign ops", Role.MEMBER),  # names several members
    ("/assign nobody", Role.MEMBER),  # no such member
    ("/category printers", Role.MEMBER),  # no such entry: the entries are listed
    ("/category purchse", Role.MEMBER),  # no such entry, but one like it
    ("/due tomorrow", Role.MEMBER),  # not a date
    ("/due 2026-02-30", Role.MEMBER),  # no such date
    ("/due 2026-03-01", Role.MEMBER),  # in the past
    ("/due 9999-12-31", Role.MEMBER),  # more than a century ahead
    ("/field colour red", Role.MEMBER),  # no such field: the sheet's fields are listed
    ("/field quantiy 2", Role.MEMBER),  # no such field, but one like it
    ("/field quantity many", Role.MEMBER),  # a field's own check
    ("/approve", Role.MEMBER),  # only managers approve
    ("/approve", Role.MANAGER),  # the entry has no action that waits for approval
    ("/priority someday", Role.MEMBER),  # no such level
    ("/priority urgent", Role.REQUESTER),  # a requester may not raise it
    ("/answer ../secrets", Role.MEMBER),  # not a name: a path
    ("/answer faq", Role.MEMBER),  # no such saved answer
]

# Why a saved answer that /answer named could not be sent (gateway.notify.answers)
ANSWER_PROBLEMS = [
    answers.no_such("faq"),
    answers.unusable("faq", N_("it lies outside the folder of saved answers")),
    answers.unusable(
        "faq",
        N_(
            "{file} holds {size} bytes, more than the {limit} a saved answer may",
            file="faq.ja.txt.j2",
            size=64001,
            limit=64000,
        ),
    ),
    answers.unusable("faq", "unexpected '}'"),
    # a file saved as Shift_JIS: its line, said in the member's language
    answers.unusable(
        "faq",
        N_("line {line} is not UTF-8 text: save {name} as UTF-8", line=2, name="faq.ja.txt.j2"),
    ),
]

# What /approve answers once the grammar let it through (gateway.actions.trigger), and
# the notes a run leaves (gateway.actions.results): said as the code says them.
APPROVALS = [
    N_("only managers may approve an action"),
    N_("entry {entry!r} has no action that waits for approval", entry=ENTRY.said()),
    N_("the sheet is not complete yet: {names} missing", names="quantity, needed_by"),
    N_("approved: the action of {entry} runs now (run #{run})", entry=ENTRY.said(), run=7),
    N_("the action could not be queued; try again"),
    N_("this ticket was merged into #{target}; approve the action there", target=12),
    N_("this ticket is closed; reopen it before approving its action"),
    *[  # each state a run may be in once approved
        N_("already approved (run #{run}: {state})", run=7, state=labels.run_state(s))
        for s in ("pending", "running", "succeeded")  # a failed one is approved again
    ],
]


def _context(role: Role, entry: Entry | None = ENTRY) -> CommandContext:
    ids = ("purchase", "vpn")
    return CommandContext(role, MEMBERS, ids, entry, NOW, "Asia/Tokyo", catalog=(ENTRY,))


def refusals() -> list[v.CommandLine]:
    """Every refusal the grammar and the state machine give, as transcript lines."""
    lines = []
    # the last ones: a field for a ticket that has no catalog entry, or an entry no sheet
    cases = [(line, role, ENTRY) for line, role in REFUSED_LINES]
    sheetless = replace(ENTRY, fields=())
    extra = [
        ("/field colour red", Role.MEMBER, None),
        ("/field colour red", Role.MEMBER, sheetless),
    ]
    for line, role, entry in [*cases, *extra]:
        [cmd] = commands.parse_commands(line, 20).commands
        decision = commands.decide(cmd, _context(role, entry))
        assert isinstance(decision, commands.Refused), line
        lines.append(v.CommandLine(line, decision.why, "refused"))
    removed = replace(_context(Role.MANAGER, None), entry_id="printer-3f")  # since removed
    [cmd] = commands.parse_commands("/approve", 20).commands
    gone = commands.decide(cmd, removed)
    assert isinstance(gone, commands.Refused)
    lines.append(v.CommandLine(cmd.line, gone.why, "refused"))
    no_markers = replace(_context(Role.MEMBER), priority_markers={})  # [priority] urgent = []
    [cmd] = commands.parse_commands("/priority someday", 20).commands
    unmarked = commands.decide(cmd, no_markers)  # the levels alone are the choices
    assert isinstance(unmarked, commands.Refused)
    lines.append(v.CommandLine(cmd.line, unmarked.why, "refused"))
    with_answers = replace(_context(Role.MEMBER), answers=("password-reset", "vpn-client"))
    [cmd] = commands.parse_commands("/answer faq", 20).commands
    unknown = commands.decide(cmd, with_answers)  # names the saved answers there are
    assert isinstance(unknown, commands.Refused)
    lines.append(v.CommandLine(cmd.line, unknown.why, "refused"))
    both = commands.parse_commands("/close\n/open\n", 20).commands  # they contradict
    clash = contradictions([(c, commands.decide(c, _context(Role.MEMBER))) for c in both])
    lines += [v.CommandLine(c.line, clash[i], "refused") for i, c in enumerate(both)]
    for current, target, reason, merged_into in [
        (TicketState.OPEN, TicketState.OPEN, None, None),
        (TicketState.CLOSED, TicketState.PENDING, None, None),
        (TicketState.NEW, TicketState.OPEN, CloseReason.SPAM, None),
        (TicketState.CLOSED, TicketState.OPEN, None, 41),  # merged into #41
    ]:
        try:
            states.check(current, target, reason, merged_into=merged_into)
        except InvalidTransition as exc:
            lines.append(v.CommandLine(f"/{target}", exc.message, "refused"))
    return lines


def field_errors() -> list[Msg]:
    """Every reason a parameter-sheet value is rejected."""
    found = []
    for name, raw in [
        ("quantity", "　"),
        ("quantity", "many"),
        ("quantity", "1万20000"),  # digits with 万 that say no one number
        ("needed_by", "next week"),
        ("needed_by", "2026-04-01 (Thu)"),  # a weekday that is not the date's
        ("approver", "the boss"),
        ("approver", "boss@☃.example"),  # a domain with no IDNA2008 form, with its reason
        ("budget", "petty cash"),
    ]:
        field = ENTRY.field(name)
        assert field is not None
        problem = validate(field, raw)[1]
        assert problem is not None, raw
        found.append(problem)
    return found


def applied() -> list[v.CommandLine]:
    """Every kind of applied command, in words, and a line that was not read."""
    actions: list[tuple[str, commands.Action]] = [
        ("/open", commands.SetState(TicketState.OPEN)),
        ("/close duplicate", commands.SetState(TicketState.CLOSED, CloseReason.DUPLICATE)),
        ("/close no-response", commands.SetState(TicketState.CLOSED, CloseReason.NO_RESPONSE)),
        ("/assign ops2", commands.Assign("ops2@example.test")),
        ("/category vpn", commands.SetCategory("vpn")),
        ("/due 2026-04-01", commands.SetDue(NOW + timedelta(days=30))),
        ("/field quantity 3", commands.SetField("quantity", "3")),
        ("/note called back", commands.AddNote("called back")),
        ("/approve", commands.Approve()),
        ("/priority urgent", commands.SetPriority(Priority.URGENT)),
        ("/answer password-reset", commands.UseAnswer("password-reset")),
    ]
    lines = [v.CommandLine(line, command_said.changed(a, "new"), "applied") for line, a in actions]
    # a member in another zone than the team's: the end of their day, with the zone's name
    there = commands.SetDue(datetime(2026, 4, 1, 23, 59, 59, tzinfo=ZoneInfo("America/New_York")))
    said_there = command_said.changed(there, "new", team_zone="Asia/Tokyo")
    lines.append(v.CommandLine("/due 2026-04-01", said_there, "applied"))
    taken = {"user_id": "taro.yamada"}  # /category that filled the sheet from the request
    filed = commands.SetCategory(ENTRY.id)  # said by its name and the id typed
    lines += [
        v.CommandLine(
            "/category purchase", command_said.changed(filed, "new", None, ENTRY), "applied"
        ),
        v.CommandLine(
            "/category purchase", command_said.changed(filed, "new", taken, ENTRY), "applied"
        ),
        v.CommandLine(  # the value the sheet held already: nothing changed
            "/field quantity 3",
            command_said.unchanged(commands.SetField("quantity", "3"), None),
            "applied",
        ),
        v.CommandLine(  # the member who has it already: nothing changed
            "/assign ops", command_said.assigned_already("ops@example.test"), "applied"
        ),
        v.CommandLine(  # the state the ticket has already: nothing changed
            "/pending", command_said.state_already("pending"), "applied"
        ),
        v.CommandLine(  # the entry it is filed under already: nothing changed
            "/category purchase", command_said.filed_already(ENTRY, ENTRY.id), "applied"
        ),
    ]
    ignored = [
        # past the line limit, then the rest counted
        *commands.parse_commands("/open\n/pending\n/close\n", 1).ignored,
        *commands.parse_commands("/close\n/close\n", 20).ignored,  # a line given twice
        # a line too long to be a command, and one with a control character
        *commands.parse_commands("/close " + "x" * 2000 + "\n/close \x1b[2J\n", 20).ignored,
        # a command below the member's words: not done, not sent
        *command_lines.below_words(
            commands.parse_commands("Hi Alice,\n/close\n", 20), commands.GRAMMAR, 20
        ).ignored,
        # a customer's command under their words, not a /close on their last line
        *commands.read_commands("Thanks!\n/close\nIt fails.\n", 20, Role.REQUESTER).ignored,
        # what follows a word meant as /note
        *commands.parse_commands("/notr she is upset\ncall back\n", 20).ignored,
        # the line under a /field line its mail client may have wrapped
        *commands.parse_commands("/field description " + "x " * 30 + "\nyz\n", 20).ignored,
    ]
    return [*lines, *(v.CommandLine(i.line, i.why, "ignored") for i in ignored)]


def problems() -> list[Msg]:
    """Every health problem, as ``status`` and the alerts say it."""
    snap = Snapshot(
        (
            SourceSeen("imap:a", False, None, ""),
            SourceSeen("imap:b", True, NOW - timedelta(hours=2), "login as 'support' refused"),
        ),
        {"shunted": 3, "pending": 4},
        2,
        NOW - timedelta(hours=1),
        0,
        {},
        chat={"pending": 1},
        chat_oldest=NOW - timedelta(hours=1),
        inbox_oldest=NOW - timedelta(minutes=40),
        # the relay refused the last mails for good: our sender is not allowed there
        finished=tuple(
            Finished(
                NOW - timedelta(minutes=n),
                failures.answered(550, "5.7.1 sender not allowed"),
            )
            for n in range(HealthSettings().max_failed_in_a_row)
        ),
    )
    names = ("support@imap.example.test:993/INBOX", "help@imap.example.test:993/INBOX")
    report = health.assess(snap, names, HealthSettings(), NOW)
    errors = mailbox_errors()  # each way a mailbox fails, as the mailbox's last error
    seen = tuple(SourceSeen(f"imap:{n}", True, None, e) for n, e in enumerate(errors))
    failing = Snapshot(seen, {}, 0, None, 0, {})
    failing_names = tuple(f"support@imap{n}.example.test:993/INBOX" for n in range(len(errors)))
    stalled = health.assess(failing, failing_names, HealthSettings(), NOW).problems
    # stored messages the server would not let the poller move (one of them copied
    # already, on a server without MOVE) or flag, left in the folder for a person
    moved = ImapSettings(host="imap.example.test", username="support", password_env="X")
    full = "[OVERQUOTA] Quota exceeded (mailbox for user is full)"
    stuck = (
        LeftMessage(12, full, "VPN 接続できません", "<vpn-1@customer.test>"),
        LeftMessage(13, full),
        LeftMessage(15, full, "Printer jams", "<printer-2@customer.test>"),
    )
    # and messages the server could not hand out, stepped over unstored two days ago
    unread = SteppedOver((7, 9), NOW - timedelta(days=2))
    left_seen = (
        SourceSeen("imap:c", True, NOW, "", left.problem(moved, stuck, {13}, TRIES)),
        SourceSeen(
            "imap:d",
            True,
            NOW,
            "",
            left.problem(replace(moved, after="flag"), stuck[1:2], (), 5),
            stepped_over=unread,
        ),
    )
    left_names = ("support@imap.example.test:993/INBOX", "help@imap.example.test:993/INBOX")
    snap_left = Snapshot(left_seen, {}, 0, None, 0, {})
    shelved = health.assess(snap_left, left_names, HealthSettings(), NOW).problems
    unreadable = ConfigError(
        "/etc/ticket-gateway/gateway.toml",
        "gateway.secret_file",
        N_("cannot read {file}: {error}", file="/etc/ticket-gateway/secret", error="EACCES"),
    )
    broken = Settings(gateway=GatewaySettings(secret_problem=unreadable))
    stopped = health.Daemon(False, "/var/lib/ticket-gateway/daemon.lock")
    bad_catalog = CatalogError(
        "/etc/ticket-gateway/catalog.yaml",
        [Problem(5, N_("unknown key {key!r} in a field", key="lable"))],
    )
    return [
        p.message
        for p in (
            *report.problems,
            *stalled,
            *shelved,
            *health.config_problems(broken),
            *health.catalog_problems(bad_catalog),
            health.daemon_problem(stopped),
        )
    ]


KEYS_0 = tokens.ReplyKeys(b"0" * 32)  # the reply keys of the samples' verdicts


def said() -> list[v.View]:
    """Views that carry every message the code decides, for the language scanner."""

    def verdict(head: bytes) -> authz.Verdict:
        return authz.verify_sender(
            head + b"\r\nhi\r\n",
            ("support@example.test",),
            "ops@example.test",
            42,
            keys=KEYS_0,
            gateway_address="support@example.test",
            trusted_authserv_ids=("mx.example.test",),
        )

    forged = verdict(b"From: ops@example.test\r\n")
    handed_on = authz.verify_sender(  # the member's reply address, a From DMARC failed
        b"Authentication-Results: mx.example.test; dmarc=fail header.from=example.test\r\n"
        b"From: ops@example.test\r\n\r\nhi\r\n",
        (tokens.reply_address("support@example.test", KEYS_0, 42, "ops@example.test"),),
        "ops@example.test",
        42,
        keys=KEYS_0,
        gateway_address="support@example.test",
        trusted_authserv_ids=("mx.example.test",),
    )
    refusals_of_authz = [
        forged,  # no token, no trusted result
        handed_on,
        verdict(b"From: ops@example.test\r\nFrom: intern@example.test\r\n"),  # two From
        verdict(b"From: boss@example.test\r\n"),  # a From that is someone else
        verdict(  # a trusted DKIM pass, but for a domain nobody declared per-person
            b"Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n"
            b"From: ops@example.test\r\n"
        ),
    ]
    overdue = v.TicketRef(
        9, "[#9]", "Printer jams", "pending", ALICE, "Ops One", "Printers", "", 9, 8,
        "overdue", "2026-03-04 10:00 JST", True, "support+9-0123456789abcdef@example.test",
        "urgent",
    )  # fmt: skip
    due_soon = v.TicketRef(
        10, "[#10]", "New laptop", "new", ALICE, "Ops One", "Hardware", "", 1, 1,
        "due-soon", "2026-03-03 10:00 JST", False, "support+10-0123456789abcdef@example.test",
    )  # fmt: skip
    transcript = [*applied(), *refusals(), *samples_many.applied(), *samples_many.refused()]
    transcript += [v.CommandLine("/approve", m, "refused") for m in APPROVALS]
    transcript += [v.CommandLine("/answer faq", m, "refused") for m in ANSWER_PROBLEMS]
    transcript += [v.CommandLine("/answer faq", words_kept(ANSWER_PROBLEMS[0]), "refused")]
    transcript += [
        v.CommandLine("/close duplicate", done_by_merge("/merge 41"), "applied"),
        v.CommandLine("/open", reopened_for_merge(41), "applied"),
        v.CommandLine("/close", merged_requester(42), "refused"),
        v.CommandLine("申込書.pdf", NOT_SENT, "ignored"),  # a file with no words: not sent
    ]
    transcript += [
        v.CommandLine(f"/field x {n}", e, "refused") for n, e in enumerate(field_errors())
    ]
    views: list[v.View] = [
        v.CommandResult(TEAM, OPS, T42, tuple(transcript), commands.HELP),
        v.CommandResult(
            TEAM, ALICE, T42, tuple(transcript[:2]), commands.REQUESTER_HELP, customer=True
        ),
        *(
            v.CommandRefused(TEAM, OPS, T42, "/close spam", proof.unverified(r), commands.HELP)
            for r in refusals_of_authz
        ),
        v.CommandRefused(TEAM, OPS, T42, proof.NO_COMMAND, proof.unverified(forged), commands.HELP),
        v.CommandRefused(  # a member's reply from another address of theirs
            TEAM,
            OPS,
            T42,
            "/close",
            proof.from_elsewhere("ops@icloud.test", "ops@example.test"),
            commands.HELP,
        ),
        v.CommandRefused(  # a member's reply from their new address to the old one's
            TEAM,
            OPS,
            T42,
            "/close",
            proof.at_old_address(
                "ops@old.example.test", 42, Member(email="ops@example.test", name="Ops One")
            ),
            commands.HELP,
        ),
        v.StatusChange(
            TEAM,
            ALICE,
            T42,
            v.StatusLine(
                "pending", "closed", "no-response", 14, sweeps.no_response_cause(timedelta(days=7))
            ),
        ),
        v.StatusChange(
            TEAM,
            ALICE,
            T42,
            v.StatusLine("open", "closed", "stale", 14, sweeps.inventory_cause(timedelta(days=30))),
        ),
        v.TicketNotice(
            TEAM,
            OPS,
            MINE,
            tuple(
                v.NoticeItem("state", "2026-03-02 10:05 JST", who, old="open", new="closed")
                for who in to_members.SYSTEM_ACTORS.values()
            ),
            replace(BRIEF, commands=commands.commands_for(Role.MEMBER)),
        ),
        v.WeeklyDigest(
            TEAM,
            OPS,
            "2026-W10 (2026-03-02 – 2026-03-08)",
            (overdue, due_soon),
            (T42,),
            commands.HELP,
        ),
        v.WeeklyDigest(  # more than a section lists: the rest counted, with and without a link
            TEAM,
            OPS,
            "2026-W10 (2026-03-02 – 2026-03-08)",
            (overdue, due_soon),
            (T42,),
            commands.HELP,
            more_assigned=4950,
            more_unassigned=1,
            assigned_link="https://help.example.test/tickets?state=active&assignee=ops%40example.test",
        ),
        v.SlaOverdue(TEAM, OPS, overdue, "resolve", "2026-03-04 10:00 JST"),
        samples_many.merged_status(TEAM, ALICE, T42),
    ]
    for problem in problems():
        views += [
            v.HealthAlert(TEAM, BOSS, problem, r, "2026-03-02 10:00 JST") for r in (False, True)
        ]
    failed = next(x for x in SAMPLES if isinstance(x, v.ActionFailed))
    views += [replace(failed, error=e) for e in action_failures()]  # each way an action fails
    views.append(replace(failed, started=False, attempts=0, target="", output=""))  # left
    return views
