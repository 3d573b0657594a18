"""What a member is told about catalog entries and their fields, in their language.

``/category`` with an id the catalog has not (``/category hardwre``) names the entry
most likely meant, else lists the entries (name and id, at most ten); ``/approve`` on a
ticket whose entry was removed from the catalog says so, with the id it is filed under.

Pure decisions against small catalogs, then the real pipeline with the catalog of
tests/support/actions.py (``account``: アカウント / Accounts, ``other``: その他 / Other)
and the members ops@ (en), ops2@ and boss@ (ja, boss@ a manager)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.actions import trigger
from gateway.catalog.model import Action, Entry, Field
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import Msg, translate
from gateway.pipeline import commands as c
from gateway.pipeline.commands import Role
from store import tickets
from store.db import transaction
from tests.support.actions import CATALOG, RECORDER
from tests.support.app import MEMBERS
from tests.support.pipeline import deliver, outbox, words_of
from tests.test_entry_names import ACCOUNT, VAGUE, command_app, member_mail

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
HARDWARE = Entry(id="hardware", names={"ja": "ハードウェア", "en": "Hardware"})
ACCOUNTS = Entry(id="account", names={"ja": "アカウント", "en": "Accounts"})
PRINTER = Entry(id="printer", names={"en": "Printers"})  # no Japanese name: the English one


def refused(line: str, entries: tuple[Entry, ...], entry: Entry | None = None, **kw: str) -> Msg:
    ctx = c.CommandContext(
        Role.MANAGER, (), tuple(e.id for e in entries), entry, NOW, "UTC", catalog=entries, **kw
    )
    [cmd] = c.parse_commands(line, 20).commands
    decision = c.decide(cmd, ctx)
    assert isinstance(decision, c.Refused), decision
    return decision.why


def said(why: Msg) -> tuple[str, str]:
    return translate(why, "en"), translate(why, "ja")


@pytest.mark.parametrize(
    ("line", "en", "ja"),
    [
        (  # a slip of the fingers
            "/category hardwre",
            "unknown catalog entry 'hardwre'; did you mean Hardware (hardware)?",
            "カタログに「hardwre」という項目はありません。ハードウェア（hardware）のことでしょうか",
        ),
        (  # the start of a name, as the pages name it
            "/category ハード",
            "unknown catalog entry 'ハード'; did you mean Hardware (hardware)?",
            "カタログに「ハード」という項目はありません。ハードウェア（hardware）のことでしょうか",
        ),
    ],
)
def test_an_unknown_entry_names_the_one_meant(line: str, en: str, ja: str) -> None:
    """It said ``unknown catalog entry 'hardwre'`` and nothing more: the member had to
    find the ids elsewhere. As an unknown command names the command meant."""
    assert said(refused(line, (ACCOUNTS, HARDWARE, PRINTER))) == (en, ja)


def test_an_entry_near_none_is_answered_with_the_entries() -> None:
    why = refused("/category keyboard", (ACCOUNTS, HARDWARE, PRINTER))
    assert said(why) == (
        "unknown catalog entry 'keyboard'; the entries are: Accounts (account), "
        "Hardware (hardware), Printers (printer)",
        "カタログに「keyboard」という項目はありません。項目は次のとおりです: "
        "アカウント（account）、ハードウェア（hardware）、Printers（printer）",
    )


def test_a_long_catalog_is_listed_up_to_ten_entries() -> None:
    many = tuple(Entry(id=f"e{i:02}", names={"en": f"Entry {i}"}) for i in range(12))
    en, ja = said(refused("/category keyboard", many))
    assert en.endswith("Entry 8 (e08), Entry 9 (e09), …")
    assert "e10" not in en and "e11" not in en
    assert ja.endswith("Entry 9（e09）、…")


@pytest.mark.parametrize("line", ["/category Hardware", "/category ハードウェア"])
def test_an_entry_is_filed_under_by_its_name_too(line: str) -> None:
    """The name the pages and mails show is as good as the id (as /field takes a label)."""
    ctx = c.CommandContext(
        Role.MEMBER, (), ("account", "hardware"), None, NOW, "UTC", catalog=(ACCOUNTS, HARDWARE)
    )
    [cmd] = c.parse_commands(line, 20).commands
    assert c.decide(cmd, ctx) == c.SetCategory("hardware")


def test_approve_on_a_ticket_whose_entry_left_the_catalog_says_so() -> None:
    """It said ``entry '-' has no action that waits for approval``: a dash for the
    entry, and the wrong reason."""
    why = refused("/approve", (ACCOUNTS,), None, entry_id="hardware")
    assert said(why) == (
        "this ticket's entry 'hardware' is no longer in the catalog; "
        "file it under another with /category",
        "このチケットの項目「hardware」はもうカタログにありません。"
        "/category で別の項目に分類し直してください",
    )


def test_approve_without_an_approval_action_still_names_the_entry() -> None:
    why = refused("/approve", (ACCOUNTS,), ACCOUNTS, entry_id="account")
    assert said(why)[0] == "entry 'Accounts' has no action that waits for approval"
    waits = Entry(id="account", names={"en": "Accounts"}, action=Action("command", "approved"))
    ctx = c.CommandContext(Role.MANAGER, (), ("account",), waits, NOW, "UTC", entry_id="account")
    assert c.decide(c.parse_commands("/approve", 20).commands[0], ctx) == c.Approve()


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize(
    ("member", "meant", "listed"),
    [
        (
            "ops@example.test",
            "unknown catalog entry 'acount'; did you mean Accounts (account)?",
            "the entries are: Accounts (account), Other (other)",
        ),
        (
            "ops2@example.test",
            "アカウント（account）のことでしょうか",
            "項目は次のとおりです: アカウント（account）、その他（other）",
        ),
    ],
)
def test_the_refusal_mail_names_the_entries(
    settings: Settings, clock: FakeClock, tmp_path: Path, member: str, meant: str, listed: str
) -> None:
    app = command_app(settings, clock, tmp_path, RECORDER, "")
    try:
        ticket_id = deliver(app, VAGUE).ticket_id or 0
        deliver(app, member_mail(app, ticket_id, "/category acount\n", member))
        deliver(app, member_mail(app, ticket_id, "/category printer\n", member))
        first, second = outbox(app, "command_result")[-2:]
        assert meant in flat(words_of(first))
        assert listed in flat(words_of(second))
    finally:
        app.close()


def test_approve_after_the_entry_left_the_catalog_says_its_id(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app = command_app(settings, clock, tmp_path, RECORDER, "when: approved")
    try:
        ticket_id = deliver(app, ACCOUNT).ticket_id or 0
        start, end = CATALOG.index("  - id: account"), CATALOG.index("  - id: other")
        (tmp_path / "catalog.yaml").write_text(CATALOG[:start] + CATALOG[end:], encoding="utf-8")
        assert app.catalog.reload()
        deliver(app, member_mail(app, ticket_id, "/approve\n", "boss@example.test"))
        told = outbox(app, "command_result")[-1]
        assert "このチケットの項目「account」はもうカタログにありません" in flat(words_of(told))
    finally:
        app.close()


def test_the_approve_button_says_the_same_of_a_removed_entry(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The web and chat buttons call :func:`trigger.approve`, which said ``entry
    'account' has no action that waits for approval`` of an entry removed since."""
    app = command_app(settings, clock, tmp_path, RECORDER, "when: approved")
    try:
        ticket_id = deliver(app, ACCOUNT).ticket_id or 0
        current = app.catalog.current
        without = replace(current, entries=tuple(e for e in current.entries if e.id != "account"))
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, ticket_id)
            assert ticket is not None
            with pytest.raises(trigger.ApprovalRefused) as refused:
                trigger.approve(
                    s,
                    MEMBERS,
                    without,
                    ticket,
                    clock.now(),
                    actor="boss@example.test",
                    channel="web",
                )
        assert translate(refused.value.reason, "en").startswith(
            "this ticket's entry 'account' is no longer in the catalog"
        )
    finally:
        app.close()


ROOMS = Entry(
    id="projector",
    names={"ja": "プロジェクター", "en": "Projector"},
    fields=(
        Field("room_no", {"ja": "部屋番号", "en": "Room number"}, required=True),
        Field("kind", {"ja": "種類", "en": "Kind"}, type="choice", choices=("lcd", "laser")),
        Field("serial", {}),  # no label: said by its name alone
    ),
)


@pytest.mark.parametrize(
    ("line", "en", "ja"),
    [
        (  # the sheet's field was renamed (room → room_no) while the member knew the old
            "/field room 305",
            "unknown field 'room' for entry 'Projector'; did you mean Room number (room_no)?",
            "カタログ項目「プロジェクター」のパラメータシートに「room」はありません。"
            "部屋番号（room_no）のことでしょうか",
        ),
        (  # a label slip, as the notices show labels
            "/field 部屋番 305",
            "unknown field '部屋番' for entry 'Projector'; did you mean Room number (room_no)?",
            "カタログ項目「プロジェクター」のパラメータシートに「部屋番」はありません。"
            "部屋番号（room_no）のことでしょうか",
        ),
        (  # near none: the sheet's fields, as /category lists the entries
            "/field floor 4",
            "unknown field 'floor' for entry 'Projector'; its fields are: "
            "Room number (room_no), Kind (kind), serial",
            "カタログ項目「プロジェクター」のパラメータシートに「floor」はありません。"
            "項目は次のとおりです: 部屋番号（room_no）、種類（kind）、serial",
        ),
    ],
)
def test_an_unknown_field_names_the_one_meant_or_the_sheet(line: str, en: str, ja: str) -> None:
    """It said ``unknown field 'room' for entry 'Projector'`` and nothing more: after the
    team renamed a field, a member had to find the sheet's names elsewhere."""
    assert said(refused(line, (ROOMS,), ROOMS)) == (en, ja)


def test_field_on_an_entry_without_a_sheet_says_it_has_none() -> None:
    en, ja = said(refused("/field room 305", (ACCOUNTS,), ACCOUNTS))
    assert en == "unknown field 'room': entry 'Accounts' has no parameter sheet"
    assert ja == "カタログ項目「アカウント」にはパラメータシートがありません（「room」）"


VPN = Entry(id="vpn", names={"ja": "VPN・リモートアクセス", "en": "VPN and remote access"})


@pytest.mark.parametrize(
    "line",
    [
        "/category VPN and remote access",  # a name of several words, as the pages show it
        "/category vpn  and remote  access",  # any case, any spacing
        "／ｃａｔｅｇｏｒｙ　ＶＰＮ・リモートアクセス",
    ],
)
def test_an_entry_is_filed_under_by_a_name_of_several_words(line: str) -> None:
    """Names of several words were refused ("takes exactly one argument")."""
    ctx = c.CommandContext(
        Role.MEMBER, (), ("account", "vpn"), None, NOW, "UTC", catalog=(ACCOUNTS, VPN)
    )
    [cmd] = c.parse_commands(line, 20).commands
    assert c.decide(cmd, ctx) == c.SetCategory("vpn")
