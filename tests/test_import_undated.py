"""A message with no usable ``Date`` (none, or one nobody can read) in a bulk import:
nothing says it is recent, so it is filed like an archive's old mail — no answer, no
catalog action — and the ticket says why. The live doors (the SMTP listener, an MTA's
``ingest -``) answer it as always: its sender is waiting now, whatever their client wrote.
"""

from __future__ import annotations

import io
import smtplib
import sys
from pathlib import Path
from typing import Any

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import Msg
from gateway.receive import bulk
from gateway.runner.filing import held_by
from gateway.runtime.app import App
from store import tickets
from store.db import transaction
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, recorded, runs, script
from tests.support.pipeline import outbox, show
from tests.support.smtp import crlf, listening, smtp_settings

UNANSWERED = "an imported message with no usable date, not answered"
NOT_ACTED = "an imported message with no usable date, not acted on"


def _eml(subject: str, date: str | None, body: str = "The printer is jammed.\n") -> bytes:
    """A person's request; ``date``: its Date header's value, None for no Date at all."""
    dated = f"Date: {date}\n" if date is not None else ""
    return (
        "From: Alice Example <alice@customer.test>\n"
        "To: support@example.test\n"
        f"Subject: {subject}\n"
        f"{dated}"
        f"Message-ID: <{subject.replace(' ', '-')}@customer.test>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        f"{body}"
    ).encode()


def _ingest(app: App, *specs: str) -> list[str]:
    lines: list[Msg] = []
    bulk.ingest(app.runner, list(specs), lines.append)
    return [str(line) for line in lines]


def _by_subject(app: App) -> dict[str, dict[str, Any]]:
    with transaction(app.sessions) as s:
        ids = [t["id"] for t in tickets.list_tickets(s)]
        shown = [tickets.detail(s, i) for i in ids]
    return {t["subject"]: t for t in shown if t is not None}


def _withheld(ticket: dict[str, Any], kind: str = "no-auto-answer") -> list[str]:
    return [e["detail"]["reason"] for e in ticket["events"] if e["kind"] == kind]


def test_an_import_files_undated_messages_without_answering_them(app: App, tmp_path: Path) -> None:
    """A folder and an mbox: no Date, an unreadable Date, and (the control) a Date of
    yesterday, which an import answers as before. The mbox's ``From `` line has a date
    of its own; it is not the sender's, and says nothing about the message's age."""
    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "1.eml").write_bytes(_eml("no date", None))
    (folder / "2.eml").write_bytes(_eml("unreadable date", "sometime last spring"))
    (folder / "3.eml").write_bytes(_eml("recent", "Sun, 01 Mar 2026 09:00:00 +0000"))
    box = tmp_path / "old.mbox"
    box.write_bytes(b"From alice@customer.test Mon Mar  2 00:30:00 2026\n" + _eml("in mbox", None))

    _ingest(app, str(folder), str(box))

    filed = _by_subject(app)
    assert sorted(filed) == ["in mbox", "no date", "recent", "unreadable date"]
    acks = {row.ticket_id for row in outbox(app, "acknowledgement")}
    assert acks == {filed["recent"]["id"]}
    assert _withheld(filed["recent"]) == []
    for subject in ("no date", "unreadable date", "in mbox"):
        assert _withheld(filed[subject]) == [UNANSWERED], subject
        assert filed[subject]["state"] == "new"  # filed as any request


def test_an_undated_imported_request_starts_no_action(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """Its sheet is complete, but a request of unknown age must not create an account
    today: the action is held, as an old archive's is, and filing it again holds it too."""
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    app = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}\n")
    try:
        (tmp_path / "a.eml").write_bytes(_eml("account", None, "User ID: taro\n"))
        _ingest(app, str(tmp_path / "a.eml"))
        [ticket] = _by_subject(app).values()
        assert ticket["catalog"] == "account" and ticket["fields"]["user_id"] == "taro"
        assert runs(app) == [] and drain(app) == [] and recorded(log) == []
        assert _withheld(ticket, "action-held") == [NOT_ACTED]
        assert outbox(app, "acknowledgement") == []
        with transaction(app.sessions) as s:
            hold = held_by(s, ticket["id"], "account")
        assert hold is not None and str(hold) == NOT_ACTED
    finally:
        app.close()


def test_the_mtas_pipe_answers_an_undated_message(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ingest -`` is an MTA delivering live mail: answered, Date or not."""
    raw = _eml("piped", None)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    _ingest(app, "-")
    [ticket] = _by_subject(app).values()
    assert _withheld(ticket) == []
    assert [r.ticket_id for r in outbox(app, "acknowledgement")] == [ticket["id"]]


def test_the_smtp_listener_answers_an_undated_message(app: App, settings: Settings) -> None:
    with (
        listening(smtp_settings(settings), app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.sendmail("alice@customer.test", ["support@example.test"], crlf(_eml("live", None)))
    [out] = app.runner.process_pending()
    assert out.ticket_id is not None
    assert _withheld(show(app, out.ticket_id)) == []
    assert [r.ticket_id for r in outbox(app, "acknowledgement")] == [out.ticket_id]
