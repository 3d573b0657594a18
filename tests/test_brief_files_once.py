"""The new-ticket brief names the files the customer sent, not a signature's logo; which
pictures the HTML shows is known from the parse the arrival already made, so the request
is not parsed a second time on the path of every new mail. A later brief (a ticket given
to a member afterwards) reads it again from the raw mail, but only one the runner itself
would parse in its own process: a big or hostile-shaped request is parsed in a killable
worker (gateway.runner.budget), never again in the daemon's thread."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gateway.config.settings import Settings
from gateway.notify import brief
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from store.db import transaction
from tests.support.pipeline import deliver, outbox, text_of
from tests.test_notice_told_files import _listed, _outlook_mail


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    parsed: list[bytes] = []

    def counting(raw: bytes, **kw: object) -> object:
        parsed.append(raw)
        return parse_message(raw)

    monkeypatch.setattr(brief, "parse_message", counting)
    return parsed


def test_the_new_ticket_brief_uses_the_arrivals_parse(
    team: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = _counted(monkeypatch)
    tid = deliver(team, _outlook_mail("support@example.test", "VPN down", "VPN is down")).ticket_id
    assert tid is not None
    listed = _listed(text_of(outbox(team, "new_ticket")[0]))
    assert "log.pdf" in listed and "image001.png" not in listed
    assert parsed == [], "the request was parsed again to write its brief"


def test_a_later_brief_reads_the_raw_mail_only_when_small_and_plain(
    team: App, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = deliver(team, _outlook_mail("support@example.test", "VPN down", "VPN is down")).ticket_id
    assert tid is not None
    parsed = _counted(monkeypatch)
    with transaction(team.sessions) as s:
        names = [n for n, _ in brief.request_files(s, settings, tid)]
    assert "image001.png" not in names and "log.pdf" in names
    assert len(parsed) == 1
    small = replace(settings, limits=replace(settings.limits, isolate_above=1000))
    with transaction(team.sessions) as s:
        names = [n for n, _ in brief.request_files(s, small, tid)]
    assert len(parsed) == 1, "a request the runner parses in a worker was parsed in-process"
    assert "log.pdf" in names and "winmail.dat" not in names  # the stored rows, told as sent


def test_the_new_ticket_brief_reads_no_stored_files_back(team: App) -> None:
    """The arrival holds the request's files as parsed, which are the rows it has just
    stored: the brief names them from there, without reading the message and its
    attachment rows back (two queries on the path of every new request)."""
    from tests.support.statements import statements

    with statements(team.engine, "attachments") as seen:
        mail = _outlook_mail("support@example.test", "VPN down", "VPN is down")
        assert deliver(team, mail).ticket_id is not None
    assert [q for q in seen if q.lstrip().upper().startswith("SELECT")] == []
    listed = _listed(text_of(outbox(team, "new_ticket")[0]))
    assert "log.pdf" in listed and "image001.png" not in listed
