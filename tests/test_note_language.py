"""The gateway's own internal notes (a catalog action's outcome) in the reader's language.

The note is stored in the team's language (``[gateway] locale``, Japanese by default),
and so it was shown: an English ticket page or command line had a Japanese sentence in
it. The note now keeps the words it translates too, and a page or command line says
them in its own language; a person's note is shown as written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import N_, Msg, translate
from gateway.runtime.app import App, build
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig

# the words of gateway/actions/results.py, as the action worker says them
SUCCEEDED = N_(
    "The action of {entry} ({type}) succeeded: {status} on attempt {attempts} (run #{run}).",
    entry="account",
    type="command",
    status="exit 0",
    attempts=1,
    run=7,
)
EN = "The action of account (command) succeeded: exit 0 on attempt 1 (run #7)."
JA = translate(SUCCEEDED, "ja")
PERSON = "電話で確認済み"


def _notes(app: App, said: Msg) -> int:
    """A request, the gateway's note on it in the team's Japanese, and a person's note."""
    tid = deliver(app, mail(subject="New account", date=datetime.now(UTC))).ticket_id or 0
    now = app.clock.now()
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        text = translate(said, "ja")
        changes.add_note(s, ticket, text, now, actor="gateway", channel="system", said=said)
        changes.add_note(s, ticket, PERSON, now, actor="ops@example.test", channel="web")
    return tid


def test_the_translation_exists() -> None:
    """Else the tests below would compare English with English."""
    assert JA != EN and "account" in JA


@pytest.mark.parametrize(
    ("member", "shown", "hidden"),
    [("ops@example.test", EN, JA), ("ops2@example.test", JA, EN)],  # locale en, ja
)
def test_the_ticket_page_says_the_note_in_the_members_language(
    settings: Settings, clock: FakeClock, member: str, shown: str, hidden: str
) -> None:
    with rig(settings, clock) as r:
        html = member_page(r, member, f"/tickets/{_notes(r.app, SUCCEEDED)}")
    assert shown in html and hidden not in html
    assert PERSON in html  # a person's note as written


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"), [("C.UTF-8", EN, JA), ("ja_JP.UTF-8", JA, EN)]
)
def test_tickets_show_says_the_note_in_the_command_lines_language(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    shown: str,
    hidden: str,
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LC_ALL", lang)
    config = write_config(tmp_path)  # the team's language: Japanese, the default
    app = build(load_settings(config))
    try:
        tid = _notes(app, SUCCEEDED)
    finally:
        app.close()
    out = run(config, "tickets", "show", str(tid), capsys=capsys).out
    assert f"note: {shown}" in out and hidden not in out
    assert f"note: {PERSON}" in out
    data = run(config, "tickets", "show", str(tid), "--json", capsys=capsys).out
    assert JA in data  # the stored text stays the team's; the JSON is data
