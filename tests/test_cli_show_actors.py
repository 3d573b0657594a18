"""Who did what in ``tickets show``'s history, as the ticket page says it.

The page names a member by their name and the gateway's own doings by a label
(「ゲートウェイ」, "the gateway": gateway.notify.labels.SYSTEM_ACTORS); ``tickets show``
printed the raw actor, ``gateway via system:`` and ``ops@example.test``, so a member
reading the history in a terminal met a word they never configured and an address where
the page showed a colleague's name. ``--json`` keeps the stored actor."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.app import MEMBERS, configured_reply_address
from tests.support.cli import run
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.mails import mail

CATALOG = """
entries:
  - id: vpn
    name: {ja: VPN 接続, en: VPN access}
    keywords: [vpn]
    assignee: ops@example.test
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """A ticket filed by the gateway (category and assignee), then handed on."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    site = '[catalog]\npath = "catalog.yaml"\n'
    path = write_config(tmp_path, extra=site + members_toml(MEMBERS))
    message = tmp_path / "req.eml"
    message.write_bytes(mail("VPN down", date=datetime.now(UTC)))
    assert run(path, "ingest", str(message), capsys=capsys).code == 0
    return path


def _history(out: str, heading: str) -> list[str]:
    return out.split(f"\n{heading}\n", 1)[1].splitlines()


def test_the_gateway_and_members_are_named_in_english(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = run(config, "tickets", "show", "1", capsys=capsys)
    history = _history(shown.out, "Events:")
    assert any(" the gateway via system: category vpn" in line for line in history), history
    assert not any(" gateway via system" in line.replace("the gateway", "") for line in history)
    data = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    assert {e["actor"] for e in data["events"]} >= {"gateway"}  # the stored value stays


def test_a_member_who_acted_is_named_as_on_the_page(
    config: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    to = configured_reply_address(config, 1, "ops@example.test")
    reply = tmp_path / "reply.eml"
    reply.write_bytes(
        mail("Re: VPN down", "/assign Boss\n", sender="Ops One <ops@example.test>", to=to)
    )
    assert run(config, "ingest", str(reply), capsys=capsys).code == 0
    history = _history(run(config, "tickets", "show", "1", capsys=capsys).out, "Events:")
    assert any(" Ops One via email: assign" in line for line in history), history


def test_japanese_says_the_gateway_in_japanese(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    history = _history(run(config, "tickets", "show", "1", capsys=capsys).out, "履歴:")
    assert any(" ゲートウェイ（システム）: " in line for line in history), history
    assert not any(" gateway（" in line for line in history), history


def test_the_assignee_line_names_the_member_as_the_requester_line_does(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``assignee: ops@example.test (Ops One)``, as ``requester: … (Alice Example)``:
    the page's header names them; the address stays first, as commands take it."""
    out = run(config, "tickets", "show", "1", capsys=capsys).out
    [line] = [x for x in out.splitlines() if x.startswith("  assignee:")]
    assert line == "  assignee: ops@example.test (Ops One)", line
