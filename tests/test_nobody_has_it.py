"""One meaning of "nobody has it" in every view: a ticket whose assignee was taken out
of ``[[members]]`` is nobody's, as the digest and the reminders treat it
(``Settings.on_team``), in ``tickets list --assignee -``, in ``stats`` (the managers'
figures: the "(nobody)" row's open, stale and SLA counts, its oldest ticket) — where
before those views counted only the tickets with no assignee at all, and a manager
looking for work nobody does missed exactly the tickets of the one who left. Their
ticket still names them (``--assignee ADDRESS`` finds it, to hand it on). With no
``[[members]]`` configured anyone may hold a ticket: nothing changes. Run through the
real ``main()`` on SQLite and PostgreSQL (the store's rule is SQL)."""

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

CATALOG = """
entries:
  - id: vpn
    name: {ja: VPN, en: VPN}
    keywords: [vpn]
    assignee: ops@example.test
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""
SITE = '[catalog]\npath = "catalog.yaml"\n'
SUBJECTS = ("VPN down", "printer jam", "VPN slow", "mail bounced", "VPN again")


@pytest.fixture
def site(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """Five requests: the VPN ones (1, 3, 5) go to ops@, the others (2, 4) to the
    fallback's manager, boss@."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    path = write_config(tmp_path, url=db_url, extra=SITE + members_toml(MEMBERS))
    assert run(path, "db", "upgrade", capsys=capsys).code == 0
    for n, subject in enumerate(SUBJECTS):
        message = tmp_path / f"req{n}.eml"
        message.write_bytes(mail(subject, body=f"{subject}\n", date=datetime.now(UTC)))
        assert run(path, "ingest", str(message), capsys=capsys).code == 0
    return path


def _team(config: Path, members: tuple[Member, ...] | None, db_url: str) -> None:
    """The config as an operator edits it: ``members`` the team, None no [[members]]."""
    extra = SITE + (members_toml(members) if members else "")
    write_config(config.parent, url=db_url, extra=extra)


def _listed(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[int]:
    ran = run(config, "tickets", "list", *args, "--json", capsys=capsys)
    assert ran.code == 0, ran
    return [t["id"] for t in json.loads(ran.out)]


def _assignees(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str | None, dict]:
    ran = run(config, "stats", "--json", capsys=capsys)
    assert ran.code == 0, ran
    return {a["assignee"]: a for a in json.loads(ran.out)["assignees"]}


def test_a_leavers_tickets_are_nobodys_in_the_list_and_in_stats(
    site: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for tid, who in ((2, "ops2@example.test"), (4, "-")):
        assert run(site, "tickets", "assign", str(tid), who, capsys=capsys).code == 0
    assert _listed(site, capsys, "--assignee", "-") == [4]  # ops2 on the team yet
    before = _assignees(site, capsys)
    assert before[None]["open"] == 1 and before["ops2@example.test"]["open"] == 1
    # ops2 leaves (the catalog names ops@ and boss@ only: they stay)
    _team(site, tuple(m for m in MEMBERS if m.email != "ops2@example.test"), db_url)
    assert _listed(site, capsys, "--assignee", "-") == [2, 4]
    assert _listed(site, capsys, "--assignee", "-", "--state", "active") == [2, 4]
    assert _listed(site, capsys, "--assignee", "ops2@example.test") == [2]  # to hand on
    shown = run(site, "tickets", "list", "--assignee", "-", capsys=capsys).out
    assert "ops2@example.test" in shown  # the row still names them
    after = _assignees(site, capsys)
    assert "ops2@example.test" not in after
    assert after[None]["open"] == 2 and after[None]["oldest_ticket"] == 2
    assert after["ops@example.test"]["open"] == 3
    assert sum(a["open"] for a in after.values()) == len(SUBJECTS)  # none counted twice
    # taken on again by a member: theirs, nobody's no more
    assert run(site, "tickets", "assign", "2", "ops@example.test", capsys=capsys).code == 0
    assert _listed(site, capsys, "--assignee", "-") == [4]
    assert _assignees(site, capsys)[None]["open"] == 1


def test_with_no_members_configured_only_a_ticket_without_assignee_is_nobodys(
    site: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for tid, who in ((2, "ops2@example.test"), (4, "-")):
        assert run(site, "tickets", "assign", str(tid), who, capsys=capsys).code == 0
    _team(site, None, db_url)
    assert _listed(site, capsys, "--assignee", "-") == [4]
    figures = _assignees(site, capsys)
    assert figures[None]["open"] == 1 and figures["ops2@example.test"]["open"] == 1


def test_many_members_are_asked_in_chunks(
    site: Path, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team longer than one statement's list (the chunk made small here) is the same
    team: one who left is nobody, every member still someone."""
    from store import in_lists

    monkeypatch.setattr(in_lists, "CHUNK", 2)
    assert run(site, "tickets", "assign", "2", "ops2@example.test", capsys=capsys).code == 0
    assert run(site, "tickets", "assign", "4", "-", capsys=capsys).code == 0
    # the team in three chunks; ops@, who has 1, 3 and 5, in the last (sorted) of them
    joined = tuple(Member(email=f"a{n}@example.test", name=f"A{n}") for n in range(4))
    _team(site, (*joined, *(m for m in MEMBERS if m.email != "ops2@example.test")), db_url)
    assert _listed(site, capsys, "--assignee", "-") == [2, 4]
    after = _assignees(site, capsys)
    assert after[None]["open"] == 2 and after["ops@example.test"]["open"] == 3
