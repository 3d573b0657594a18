"""A parameter sheet changed under tickets that hold its old values.

The team drops a choice (``dlp``) or makes a field a number while tickets hold values
the field no longer takes. A catalog action re-validates the sheet against the catalog
as it is now (gateway.actions.document), so such a value counts as missing there;
``tickets show`` showed it as filled, and a manager who read the sheet complete heard
"the sheet is not complete yet" from /approve. It marks the value now, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, text_of

SHEET = """\
entries:
  - id: projector
    name: {{ja: プロジェクター, en: Projector}}
    keywords: [projector]
    fields:
      - {{name: room, label: {{ja: 部屋, en: Room}}, type: {room}, required: true}}
      - name: kind
        label: {{ja: 種類, en: Kind}}
        type: choice
        required: true
        choices: [lcd, {kinds}]
  - id: other
    name: {{ja: その他, en: Other}}
    fallback: true
    manager: boss@example.test
"""
BEFORE = SHEET.format(room="text", kinds="{value: dlp, label: {ja: DLP方式, en: DLP type}}")
AFTER = SHEET.format(room="number", kinds="laser")  # dlp dropped, the room a number now


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Path:
    (tmp_path / "catalog.yaml").write_text(BEFORE, encoding="utf-8")
    people = '[[members]]\nemail = "ops@example.test"\nlocale = "en"\n'
    people += '[[members]]\nemail = "boss@example.test"\nrole = "manager"\n'
    return write_config(tmp_path, url=db_url, extra='[catalog]\npath = "catalog.yaml"\n' + people)


@pytest.fixture
def app(site: Path) -> Iterator[App]:
    application = build(load_settings(site), FakeClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)))
    yield application
    application.close()


def test_show_marks_a_value_the_changed_field_no_longer_takes(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "Room: A-301\nKind: DLP type\nThe projector is dark.\n"
    tid = deliver(app, mail(subject="Projector broken", body=body)).ticket_id
    assert tid is not None
    before = run(site, "tickets", "show", str(tid), capsys=capsys).out
    assert "  Kind (kind): DLP type\n" in before and "A-301\n" in before
    (site.parent / "catalog.yaml").write_text(AFTER, encoding="utf-8")

    after = run(site, "tickets", "show", str(tid), capsys=capsys).out

    lines = [ln.strip() for ln in after.splitlines()]
    assert (
        "Room (room): A-301  (required, not valid now: not a number: write one number, such as 3)"
        in lines
    )
    assert "Kind (kind): dlp  (required, not valid now: not one of lcd, laser)" in lines


def test_said_in_japanese(
    site: Path, app: App, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    body = "部屋: A-301\n種類: DLP方式\n映りません。\n"
    tid = deliver(app, mail(subject="projector 故障", body=body)).ticket_id
    (site.parent / "catalog.yaml").write_text(AFTER, encoding="utf-8")
    out = run(site, "tickets", "show", str(tid), capsys=capsys).out
    [kind] = [ln.strip() for ln in out.splitlines() if ln.strip().startswith("種類 (kind):")]
    assert kind.startswith("種類 (kind): dlp  （必須、今のシートでは使えない値: ")
    assert "lcd, laser" in kind and "not one of" not in kind


def test_the_new_assignees_brief_marks_it_too(
    site: Path, app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    """The notice that gives a member the ticket shows the sheet: a value the field no
    longer takes is said so there too, not shown as filled."""
    body = "Room: A-301\nKind: DLP type\nThe projector is dark.\n"
    tid = deliver(app, mail(subject="Projector broken", body=body)).ticket_id
    (site.parent / "catalog.yaml").write_text(AFTER, encoding="utf-8")
    assert run(site, "tickets", "assign", str(tid), "ops@example.test", capsys=capsys).code == 0
    [brief] = [r for r in outbox(app) if "ops@example.test" in r.recipients]
    lines = [ln.strip() for ln in text_of(brief).splitlines()]
    assert "Kind: dlp  (not valid now: not one of lcd, laser)" in lines
    assert "Room: A-301  (not valid now: not a number: write one number, such as 3)" in lines
