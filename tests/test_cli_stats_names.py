"""``stats``' text shows an assignee's address as people write it, as ``tickets list``
does: a member at an internationalised domain is kept (and compared, and given in
``--json``) in its ``xn--`` form, which nobody on the team would recognise as theirs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.settings import Member
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.mails import mail

SHOWN = "tanaka@例え.jp"
KEPT = "tanaka@xn--r8jz45g.jp"
CATALOG = """
entries:
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""
SITE = '[catalog]\npath = "catalog.yaml"\n'


@pytest.mark.parametrize("written", [SHOWN, KEPT])
def test_stats_names_an_assignee_as_people_write_the_address(
    tmp_path: Path,
    written: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    team = (*MEMBERS, Member(email=written, name="Tanaka", role="ops", locale="ja"))
    path = write_config(tmp_path, extra=SITE + members_toml(team))
    message = tmp_path / "req.eml"
    message.write_bytes(mail("request", date=datetime.now(UTC)))
    assert run(path, "ingest", str(message), capsys=capsys).code == 0
    assert run(path, "tickets", "assign", "1", written, capsys=capsys).code == 0
    ran = run(path, "stats", capsys=capsys)
    assert ran.code == 0, ran
    rows = [x for x in ran.out.splitlines() if x.startswith("tanaka@")]
    assert len(rows) == 1 and rows[0].startswith(f"{SHOWN} "), ran.out
    data = json.loads(run(path, "stats", "--json", capsys=capsys).out)
    assert [a["assignee"] for a in data["assignees"]] == [KEPT]  # the data: as kept
