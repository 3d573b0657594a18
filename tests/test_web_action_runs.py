"""The ticket page lists the ticket's catalog action runs, as Zammad and RT show a
ticket's trigger and scrip runs: the action (the entry's name and the action's type),
its state, its attempts, when it started and finished, and its last error, all in the
page's language. The page showed none of them: a member saw "Action run: Failed" in the
history and had to ask the command line why."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from store.db import transaction
from store.models import ActionRun
from tests.support.actions import FAST, argv_yaml, catalog_text, drain, script
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig
from tests.test_event_language import _pages, _shown
from tests.test_web_history import READERS

REFUSES = """
    import sys
    sys.stdin.read()
    print("directory says: no such OU", file=sys.stderr)
    sys.exit(65)
"""


def _runs(page: str) -> list[list[str]]:
    """The rows of the page's action runs, each a list of its cells' text."""
    found = re.search(r'<section id="action-runs">(.*?)</section>', page, re.DOTALL)
    if found is None:
        return []
    body = found.group(1).split("<tbody>")[1]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("</tr>"))
        if cells
    ]


def test_a_failed_run_is_listed_with_its_error_in_the_pages_language(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    argv = script(tmp_path, "create.py", REFUSES)
    path = tmp_path / "catalog.yaml"
    path.write_text(catalog_text(f"type: command\nargv: {argv_yaml(argv)}\nretries: 0"), "utf-8")
    with rig(replace(settings, actions=FAST), clock, catalog=path) as r:
        tid = deliver(r.app, mail("account", "User ID: taro\n")).ticket_id
        assert tid is not None
        before = member_page(r, READERS["ja"], f"/tickets/{tid}")
        assert len(drain(r.app)) == 1
        ja, en = (member_page(r, READERS[loc], f"/tickets/{tid}") for loc in ("ja", "en"))
    # before it ran: waiting, no attempt, no error
    assert _runs(before) == [["1", "アカウント (コマンド)", "実行待ち", "0", "", "", ""]]
    at = "2026年3月2日(月) 10:00 JST"  # the fake clock's now, in the team's zone, as said
    assert _runs(ja) == [
        ["1", "アカウント (コマンド)", "失敗", "1", at, at, "終了コード 65 で終わりました"]
    ]
    at = "Mon, Mar 2, 2026, 10:00 JST"
    assert _runs(en) == [["1", "Accounts (Command)", "Failed", "1", at, at, "exit 65"]]
    section = ja.split('<section id="action-runs">')[1].split("</section>")[0]
    assert not re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", re.sub(r"<[^>]+>", "", section))


def test_a_ticket_without_runs_has_no_such_section(settings: Settings, clock: FakeClock) -> None:
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail("Printer jam on 3F")).ticket_id
        page = member_page(r, READERS["en"], f"/tickets/{tid}")
    assert 'id="action-runs"' not in page and "Action runs" not in page


def test_a_run_recorded_before_errors_were_msgs_shows_its_text_escaped(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """An older row's English text (or the far end's words in one) is shown as it was
    stored, as text: never markup."""
    (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789\n")
    action = "type: webhook\nurl: https://hooks.example.test/x\nsecret_file: hook.secret\n"
    path = tmp_path / "catalog.yaml"
    path.write_text(catalog_text(action), "utf-8")
    with rig(replace(settings, actions=FAST), clock, catalog=path) as r:
        tid = deliver(r.app, mail("account", "User ID: taro\n")).ticket_id
        with transaction(r.app.sessions) as s:
            [run] = s.scalars(select(ActionRun))
            run.state, run.attempts = "pending", 2
            run.last_error, run.last_error_said = "<b>HTTP 502</b> & <script>x()</script>", None
            run.next_attempt_at = clock.now()
        ja = member_page(r, READERS["ja"], f"/tickets/{tid}")
    [row] = _runs(ja)
    assert row[1] == "アカウント (Webhook)" and row[3] == "2"
    assert row[2] == "実行待ち (次回 2026年3月2日(月) 10:00 JST)", row
    assert row[6] == "<b>HTTP 502</b> & <script>x()</script>"  # as text …
    assert "&lt;b&gt;HTTP 502&lt;/b&gt; &amp; &lt;script&gt;" in ja  # … escaped
    assert "<script>x()" not in ja and "<b>HTTP" not in ja


SUCCEEDS = """
    import sys
    sys.stdin.read()
    print('{"account": "taro"}')
"""


@pytest.mark.parametrize(
    ("program", "ja_said", "en_said"),
    [
        (
            SUCCEEDS,
            "アカウントの自動処理（コマンド）が成功しました",
            "The action of Accounts (Command) succeeded",
        ),
        (
            REFUSES,
            "アカウントの自動処理（コマンド）は 1 回試して失敗しました",
            "The action of Accounts (Command) failed",
        ),
    ],
    ids=["succeeded", "failed"],
)
def test_the_note_after_a_run_names_its_entry_in_the_readers_language(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
    program: str,
    ja_said: str,
    en_said: str,
) -> None:
    """The note the end of a run writes named the entry by its id (``account``) and the
    action's type as the catalog writes it (``command``), in both languages: a reader
    knows the entry by its name (アカウント, Accounts), as the page's runs say it."""
    argv = script(tmp_path, "create.py", program)
    path = tmp_path / "catalog.yaml"
    path.write_text(catalog_text(f"type: command\nargv: {argv_yaml(argv)}\nretries: 0"), "utf-8")
    with rig(replace(settings, actions=FAST), clock, catalog=path) as r:
        tid = deliver(r.app, mail("account", "User ID: taro\n")).ticket_id
        assert tid is not None and len(drain(r.app)) == 1
        ja, en = _pages(r, tid)
        cli_ja, cli_en, data = _shown(r, tid, tmp_path / "cli", capsys, monkeypatch)
    [note] = [e for e in data["events"] if e["kind"] == "note"]
    team = {"ja": ja_said, "en": en_said}[settings.gateway.locale]
    assert team in note["detail"]["text"], note  # --json: the team's language
    for said in (ja, cli_ja):
        [line] = [n for n in said.splitlines() if "自動処理（" in n]
        assert ja_said in line, line
        assert not re.search(r"\baccount\b|\bcommand\b|\bexit\b", line), line
    for said in (en, cli_en):
        [line] = [n for n in said.splitlines() if "The action of" in n]
        assert en_said in line and "account (" not in line, line
