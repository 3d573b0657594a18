"""Priority's pure parts (issue #19): what a mail marked, the precedence, the entry's
default, who may change it by command, the catalog's per-level SLA and the config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.catalog.reader import read
from gateway.catalog.sla import deadlines
from gateway.config.load import load_settings
from gateway.core import priority as levels
from gateway.core.errors import ConfigError
from gateway.core.i18n import Msg
from gateway.core.model import ParsedMessage, PriorityHeaders
from gateway.core.priority import DEFAULT_MARKERS, Priority
from gateway.core.text import normalise
from gateway.pipeline import commands, priority
from gateway.pipeline.commands import CommandContext, Role
from gateway.pipeline.parse.message import parse_message
from tests.support.cpu import cpu_within
from tests.support.mails import mail

# CPU seconds: a bound only a quadratic reading of these inputs reaches (it would take
# minutes); the linear one takes a fraction of a second. CPU, not wall time: a loaded
# CI machine (pytest -n 4 on two cores) stretches the wall time alone, by seconds
QUADRATIC = 30.0

URGENT, HIGH, NORMAL, LOW = Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("【至急】VPN がつながりません", URGENT),
        ("Re: 【緊急】メールサーバ停止", URGENT),
        ("[URGENT] payroll export failed", URGENT),
        ("[urgent] payroll export failed", URGENT),  # case folded
        ("［ＵＲＧＥＮＴ］ printer", URGENT),  # full width, as Japanese IMEs type it
        ("至急ご対応ください", URGENT),
        ("ｼｽﾃﾑ 緊急停止のお知らせ", URGENT),
        ("Urgent: printer", None),  # not a marker the team listed
        ("至って普通の質問です", None),  # 至 alone is not 至急
        ("VPN がつながりません", None),
        ("", None),
    ],
)
def test_subject_markers_of_the_default_list(subject: str, expected: Priority | None) -> None:
    found = priority.from_subject(subject, DEFAULT_MARKERS)
    assert (found.level if found else None) == expected


def test_the_team_lists_its_own_markers_and_the_most_urgent_level_wins() -> None:
    markers = {"urgent": ("【至急】",), "high": ("【重要】",), "low": ("[FYI]",)}
    assert priority.from_subject("【重要】請求書", markers) == priority.Marked(
        HIGH, "subject", "【重要】"
    )
    assert priority.from_subject("[fyi] 来週の停電", markers).level == LOW  # type: ignore[union-attr]
    both = priority.from_subject("【重要】【至急】請求書", markers)
    assert both is not None and both.level == URGENT
    assert priority.from_subject("緊急", {"urgent": ()}) is None  # turned off


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (PriorityHeaders(x_priority="1"), HIGH),
        (PriorityHeaders(x_priority="1 (highest)"), HIGH),
        (PriorityHeaders(x_priority="2(high)"), HIGH),
        (PriorityHeaders(x_priority="3 (normal)"), None),
        (PriorityHeaders(x_priority="5 (lowest)"), LOW),
        (PriorityHeaders(x_priority="9"), None),
        (PriorityHeaders(x_priority="highest"), None),  # not a number
        (PriorityHeaders(importance="high"), HIGH),
        (PriorityHeaders(importance="low"), LOW),
        (PriorityHeaders(importance="normal"), None),
        (PriorityHeaders(importance="very high"), None),
        (PriorityHeaders(priority="urgent"), URGENT),
        (PriorityHeaders(priority="non-urgent"), LOW),
        (PriorityHeaders(priority="normal"), None),
        (PriorityHeaders(priority="urgent; please"), URGENT),
        # Priority: before Importance: before X-Priority:
        (PriorityHeaders(importance="low", x_priority="1", priority="urgent"), URGENT),
        (PriorityHeaders(importance="low", x_priority="1"), LOW),
        (PriorityHeaders(), None),
    ],
)
def test_headers(headers: PriorityHeaders, expected: Priority | None) -> None:
    found = priority.from_headers(headers)
    assert (found.level if found else None) == expected


def test_the_parser_reads_the_headers_in_any_case_and_encoding() -> None:
    raw = mail(
        "=?UTF-8?B?44CQ6Iez5oCl44CR?= VPN",  # 【至急】, encoded
        headers={"IMPORTANCE": "High", "x-priority": " 2 (High)", "Priority": "Non-Urgent"},
    )
    msg = parse_message(raw)
    assert msg.urgency == PriorityHeaders(
        importance="high", x_priority="2 (high)", priority="non-urgent"
    )
    marked = priority.from_mail(msg.subject, msg.urgency, DEFAULT_MARKERS)
    assert marked == priority.Marked(URGENT, "subject", "【至急】")  # the marker beats them


def test_hostile_headers_are_read_in_linear_time() -> None:
    raw = (
        "From: a@customer.test\r\nTo: support@example.test\r\n"
        f"Subject: {'x' * 200_000}【至急】\r\n"
        f"X-Priority: {'1' * 500_000}\r\nImportance: {'high ' * 100_000}\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n\r\nhi\r\n"
    ).encode()

    def read() -> tuple[ParsedMessage, priority.Marked | None]:
        msg = parse_message(raw)
        return msg, priority.from_mail(msg.subject, msg.urgency, {"urgent": ("【至急】",) * 100})

    msg, marked = cpu_within(QUADRATIC, read)  # linear: well under a second here
    assert len(msg.urgency.x_priority) <= 64 and marked is not None


@given(
    subject=st.text(max_size=300),
    importance=st.text(max_size=64),
    x_priority=st.text(max_size=64),
    prio=st.text(max_size=64),
)
def test_unseen_inputs_give_a_level_or_nothing(
    subject: str, importance: str, x_priority: str, prio: str
) -> None:
    h = PriorityHeaders(importance.lower(), x_priority.lower(), prio.lower())
    marked = priority.from_mail(subject, h, DEFAULT_MARKERS)
    assert marked is None or marked.level in levels.ORDER
    if marked is not None and marked.source == "subject":  # a marker that is there
        assert normalise(marked.value) in normalise(subject)


def test_the_mails_mark_beats_the_entrys_default() -> None:
    marked = priority.Marked(HIGH, "x-priority", "1")
    assert priority.initial(marked, "low") == (HIGH, "x-priority")
    assert priority.initial(None, "urgent") == (URGENT, "catalog")
    assert priority.initial(None, None) == (NORMAL, "default")


def _ctx(role: Role, current: str) -> CommandContext:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    return CommandContext(role, ["ops@example.test"], (), None, now, "Asia/Tokyo", current)


@pytest.mark.parametrize(
    ("role", "current", "wanted", "allowed"),
    [
        (Role.MEMBER, "low", "urgent", True),
        (Role.MANAGER, "urgent", "low", True),
        (Role.REQUESTER, "urgent", "normal", True),  # lowering their own request
        (Role.REQUESTER, "high", "low", True),
        (Role.REQUESTER, "normal", "normal", True),  # no change
        (Role.REQUESTER, "normal", "high", False),  # raising: refused
        (Role.REQUESTER, "low", "urgent", False),
        (Role.REQUESTER, "high", "URGENT", False),
        (Role.OTHER, "normal", "low", False),  # a Cc gives no command
    ],
)
def test_who_may_change_the_priority_by_command(
    role: Role, current: str, wanted: str, allowed: bool
) -> None:
    [cmd] = commands.parse_commands(f"/priority {wanted}", 20).commands
    decision = commands.decide(cmd, _ctx(role, current))
    if allowed:
        assert decision == commands.SetPriority(Priority(wanted.lower()))
    else:
        assert isinstance(decision, commands.Refused)


def test_a_requester_is_told_why_and_an_unknown_level_names_the_levels() -> None:
    [raise_] = commands.parse_commands("/priority urgent", 20).commands
    refused = commands.decide(raise_, _ctx(Role.REQUESTER, "normal"))
    assert isinstance(refused, commands.Refused)
    assert refused.reason == "requesters may lower the priority, not raise it"
    assert isinstance(priority.by_command("asap", "normal", requester=False), Msg)
    assert "low, normal, high or urgent, or a subject marker: 【至急】" in str(
        priority.by_command("asap", "normal", requester=False)
    )


CATALOG = """entries:
  - id: account
    name: {en: Accounts}
    priority: high
    sla:
      first_response: 4h
      resolve: 2d
      urgent: {first_response: 30m, resolve: 4h}
      low: {resolve: 5d}
  - id: other
    name: {en: Other}
    fallback: true
    manager: boss@example.test
"""


def test_the_sla_of_an_entry_differs_per_priority() -> None:
    entries, problems = read(CATALOG)
    assert problems == []
    account = entries[0]
    assert account.priority == "high"
    assert account.sla_for("urgent") == (timedelta(minutes=30), timedelta(hours=4))
    assert account.sla_for("low") == (timedelta(hours=4), timedelta(days=5))  # keeps first
    assert account.sla_for("normal") == (timedelta(hours=4), timedelta(days=2))
    assert account.sla_for("high") == (timedelta(hours=4), timedelta(days=2))
    created = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    first, resolve = account.sla_for("urgent")
    open_ = deadlines(
        "new",
        created,
        first_response_at=None,
        due_at=None,
        first_response=first,
        resolve=resolve,
        hours=None,
    )
    assert [(d.target, d.at - created) for d in open_] == [
        ("first_response", timedelta(minutes=30)),
        ("resolve", timedelta(hours=4)),
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("priority: asap", "priority must be one of low, normal, high, urgent, not 'asap'"),
        ("sla: {someday: {resolve: 2d}}", "unknown key 'someday' in sla"),
        ("sla: {urgent: {reply: 2d}}", "unknown key 'reply' in sla"),
        ("sla: {URGENT: {resolve: 2d}}", "unknown key 'URGENT' in sla"),
        ("sla: {urgent: {resolve: soon}}", "resolve:"),
        ("sla: {urgent: 30m}", "must be a mapping"),
    ],
)
def test_catalog_check_names_a_bad_priority_or_sla(entry: str, problem: str) -> None:
    text = CATALOG.replace("    priority: high\n", f"    {entry}\n")
    text = (
        text.replace(
            "    sla:\n      first_response: 4h\n      resolve: 2d\n"
            "      urgent: {first_response: 30m, resolve: 4h}\n      low: {resolve: 5d}\n",
            "",
        )
        if entry.startswith("sla")
        else text
    )
    _, problems = read(text)
    assert any(problem in str(p.message) for p in problems), [str(p.message) for p in problems]
    assert all(p.line for p in problems)


def test_priority_markers_in_the_config(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text('[priority]\nhigh = ["【重要】"]\nurgent = []\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.priority.markers == {"urgent": (), "high": ("【重要】",), "low": ()}
    assert load_settings(None).priority.markers["urgent"] == DEFAULT_MARKERS["urgent"]


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[priority]\nurgent = "至急"\n', "priority.urgent"),
        ("[priority]\nhigh = [1]\n", "priority.high"),
        ('[priority]\nlow = [""]\n', "priority.low"),
        ('[priority]\nnormal = ["x"]\n', "priority.normal"),
        ('[answers]\ndir = ""\n', "answers.dir"),
        ('[answers]\nfolder = "x"\n', "answers.folder"),
    ],
)
def test_a_bad_value_names_the_file_and_the_key(tmp_path: Path, toml: str, key: str) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert err.value.key == key and err.value.path == str(config)


def test_the_answers_folder_defaults_to_beside_the_catalog(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    config = tmp_path / "conf" / "gateway.toml"
    config.write_text('[catalog]\npath = "../cat/catalog.yaml"\n', encoding="utf-8")
    assert load_settings(config).answers.dir.resolve() == tmp_path / "cat" / "answers"
    config.write_text('[answers]\ndir = "saved"\n', encoding="utf-8")
    assert load_settings(config).answers.dir == tmp_path / "conf" / "saved"
    config.write_text("", encoding="utf-8")
    assert load_settings(config).answers.dir == tmp_path / "conf" / "answers"


def test_rank_sorts_urgent_first_and_unknown_as_normal() -> None:
    stored = ["low", "urgent", "normal", "high", "bogus", None]
    assert sorted(stored, key=levels.rank) == ["urgent", "high", "normal", "bogus", None, "low"]
