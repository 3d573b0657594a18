"""Why no automatic mail was sent is said in the history in its reader's language.

A ``no-auto-answer`` event kept its reason as English text ("sender never reads
answers", "acknowledgement is turned off ([mail] off)"); ``tickets show`` printed the
event's kind alone and the ticket page nothing after "No automatic answer". The event
keeps the reason as a Msg now (gateway.pipeline.unanswered) beside its English text,
and both say it in the reader's language; an event recorded before shows its text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from store.db import transaction
from store.models import TicketEvent
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig
from tests.test_web_history import READERS, _history

NOREPLY = "Saas Notices <noreply@saas.test>"


def _forget_the_msg(sessions: Any, ticket_id: int) -> None:
    """The event as an older release recorded it: its English text only."""
    with transaction(sessions) as s:
        for e in s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)):
            if e.kind == "no-auto-answer":
                e.detail = {k: v for k, v in e.detail.items() if k != "said"}


def test_the_page_says_why_in_the_readers_language(settings: Settings, clock: FakeClock) -> None:
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="請求書のお知らせ", sender=NOREPLY)).ticket_id
        assert tid
        ja = "\n".join(_history(member_page(r, READERS["ja"], f"/tickets/{tid}")))
        en = "\n".join(_history(member_page(r, READERS["en"], f"/tickets/{tid}")))
        assert "自動返信なし | 差出人は返信を読まないアドレスです" in ja, ja
        assert "sender never reads answers" not in ja
        assert "No automatic answer | sender never reads answers" in en, en
        assert "返信を読まない" not in en

        _forget_the_msg(r.app.sessions, tid)
        old = "\n".join(_history(member_page(r, READERS["ja"], f"/tickets/{tid}")))
        assert "自動返信なし | sender never reads answers" in old, old


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, locale="en", extra='[mail]\noff = ["acknowledgement"]\n')


def _ingest_a_request(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One request by ``ingest``: ticket #1, its acknowledgement not sent ([mail] off)."""
    request = tmp_path / "request.eml"
    request.write_bytes(mail(subject="VPN", date=datetime.now(UTC)))
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert run(config, "ingest", str(request), capsys=capsys).code == 0


def test_tickets_show_says_which_mail_and_why(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _ingest_a_request(config, tmp_path, capsys, monkeypatch)

    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    ja = run(config, "tickets", "show", "1", capsys=capsys).out
    assert "no-auto-answer: " in ja  # the event's kind, as --kind words are
    assert "acknowledgement は送らない設定です（[mail] off）" in ja, ja
    assert "is turned off" not in ja and "not sent" not in ja
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    en = run(config, "tickets", "show", "1", capsys=capsys).out
    assert (
        "no-auto-answer: acknowledgement not sent: acknowledgement is turned off ([mail] off)" in en
    ), en
    assert "送らない" not in en

    shown = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    [event] = [e for e in shown["events"] if e["kind"] == "no-auto-answer"]
    assert event["detail"]["reason"] == "acknowledgement is turned off ([mail] off)"  # English


def test_an_event_recorded_before_shows_its_text(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gateway.config.load import load_settings
    from gateway.runtime.app import build

    _ingest_a_request(config, tmp_path, capsys, monkeypatch)
    app = build(load_settings(config))
    try:
        _forget_the_msg(app.sessions, 1)
    finally:
        app.close()
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    ja = run(config, "tickets", "show", "1", capsys=capsys).out
    assert "acknowledgement is turned off ([mail] off)" in ja, ja
