"""``ingest``'s line for a row that did not end in a verdict, in the reader's language:
an outage (the row stays pending and is retried), a failure of ours (the row is
shunted, kept for a person), a row another runner processed first. The row's reason
stays the English record (``inbox list --json``, the log); the error's own text may
stand in the line as a quoted detail, the sentence around it is the catalogs'.

QA found ``受信箱 #1 に保存しました。処理は延期されました（transient: database is
locked）`` and ``…: 保留（RuntimeError: a bug in a stage）``: English sentences in a
Japanese line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core import db_errors
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.core.i18n import translate
from gateway.runner import chain
from gateway.runtime.app import App
from store import inbox
from store.db import transaction
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.test_one_language import findings

BUG = "RuntimeError: a bug in a stage"  # the error's own text: a quoted detail


def _failing(exc: Exception) -> tuple[chain.Link, ...]:
    """The chain with a first stage that raises ``exc``."""

    def failing(a: object) -> object:
        raise exc

    return (chain.Link("failing", failing), *chain.CHAIN)


@pytest.mark.parametrize(("locale", "language"), [("ja_JP.UTF-8", "ja"), ("C.UTF-8", "en")])
@pytest.mark.parametrize(
    ("exc", "state", "detail"),
    [
        (RuntimeError("a bug in a stage"), "shunted", BUG),
        (
            TransientError("database is locked", reason=db_errors.SQLITE_SAID["SQLITE_BUSY"]),
            "pending",
            "",
        ),
        (TransientError("shutting down"), "pending", "shutting down"),  # no reason known
    ],
)
def test_a_row_that_failed_is_said_in_one_language(
    tmp_path: Path,
    locale: str,
    language: str,
    exc: Exception,
    state: str,
    detail: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write_config(tmp_path, secret_file=True, locale="en" if language == "ja" else "ja")
    monkeypatch.setenv("LC_ALL", locale)
    eml = tmp_path / "a.eml"
    eml.write_bytes(mail())
    monkeypatch.setattr(chain, "CHAIN", _failing(exc))
    done = run(config, "ingest", str(eml), capsys=capsys)
    assert done.out.count("\n") == 1, done
    assert findings(done.out, language, [str(eml), *([detail] if detail else [])]) == [], done.out
    if detail:
        assert detail in done.out
    if language == "ja":  # not one English word around the detail ("transient:" was one)
        left = done.out.replace(str(eml), "").replace(detail or str(eml), "")
        assert re.findall(r"[A-Za-z]+", left) == [], done.out
    if isinstance(exc, TransientError) and exc.reason is not None:
        assert translate(exc.reason, language) in done.out, done.out
    [row] = json.loads(run(config, "inbox", "list", "--json", capsys=capsys).out)
    assert row["state"] == state
    if state == "shunted":  # the record as it was, in English
        assert row["reason"] == BUG


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_row_processed_elsewhere_first_is_said_in_one_language(
    app: App, settings: Settings, clock: FakeClock, language: str
) -> None:
    """A runner that claims a row another runner has processed reports what it
    decided: its record says ``already done: new ticket, …`` (English, for the log); a
    person reads that it was processed already, in their language."""
    with transaction(app.sessions) as s:
        inbox_id = inbox.accept(s, mail(), source="test", now=clock.now()).inbox_id
    first = app.runner.process_one(inbox_id)
    again = app.runner.process_one(inbox_id)  # another runner's turn, after the first
    assert again.reason.startswith(f"already done: {first.reason}")
    assert again.said is not None
    said = translate(again.said, language)
    assert findings(said, language) == [] and said, said
    gone = app.runner.process_one(inbox_id + 100)
    assert gone.said is not None and findings(translate(gone.said, language), language) == []
    if language == "ja":
        assert re.findall(r"[A-Za-z]+", said + translate(gone.said, "ja")) == []


@pytest.mark.parametrize(("locale", "language"), [("ja_JP.UTF-8", "ja"), ("C.UTF-8", "en")])
def test_inbox_retry_says_its_rows_in_one_language(
    tmp_path: Path,
    locale: str,
    language: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``inbox retry`` says each row it processed again as ``ingest`` says a row: the
    state and what the runner did in the reader's words. It printed the English state
    (``shunted``, ``done``) and the runner's English record in a Japanese line."""
    config = write_config(tmp_path, secret_file=True, locale="en" if language == "ja" else "ja")
    monkeypatch.setenv("LC_ALL", locale)
    eml = tmp_path / "a.eml"
    eml.write_bytes(mail())
    with monkeypatch.context() as broken:  # ends as the fix is deployed
        broken.setattr(chain, "CHAIN", _failing(RuntimeError("a bug in a stage")))
        assert run(config, "ingest", str(eml), capsys=capsys).code == 0
        again = run(config, "inbox", "retry", "--shunted", capsys=capsys)  # still broken
    assert again.code == 70
    assert findings(again.out, language, [BUG]) == [] and BUG in again.out, again.out
    if language == "ja":
        assert re.findall(r"[A-Za-z]+", again.out.replace(BUG, "")) == [], again.out
    fixed = run(config, "inbox", "retry", "1", capsys=capsys)
    assert fixed.code == 0
    assert findings(fixed.out, language) == [], fixed.out
    if language == "ja":  # but the entry's id, data (`catalog match` says it so)
        assert re.findall(r"[A-Za-z]+", fixed.out) == ["vpn"], fixed.out
