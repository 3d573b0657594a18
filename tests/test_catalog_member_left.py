"""A member taken out of ``[[members]]`` while the catalog still names them (the
fallback's manager, an entry's assignee): every command and the daemon refuse the
catalog, so the refusal must say which key of which entry names them, in which file,
and where the team's ``[[members]]`` are read from, the configuration file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.catalogs import GOOD
from tests.support.cli import run
from tests.support.config import with_database, write_config

# the team after the fallback's manager left and ops2 with them: the catalog unchanged
TEAM = (
    '[catalog]\npath = "catalog.yaml"\n'
    '[[members]]\nemail = "ops@example.test"\n'
    '[[members]]\nemail = "chief@example.test"\nrole = "manager"\n'
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "catalog.yaml").write_text(GOOD, encoding="utf-8")
    return with_database(write_config(tmp_path, secret_file=True, extra=TEAM))


def test_catalog_check_names_the_key_the_entry_and_both_files(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(site, "catalog", "check", capsys=capsys)
    assert code == 78
    catalog = site.parent / "catalog.yaml"
    lines = out.splitlines()
    assert lines[:2] == [
        f"{catalog}:5: entry 'vpn': assignee: unknown member 'ops2@example.test'"
        " (not in [[members]])",
        f"{catalog}:15: entry 'other': manager: unknown member 'boss@example.test'"
        " (not in [[members]])",
    ]
    assert f"[[members]] of {site}" in lines[-1]  # the config file, once
    assert sum(str(site) in line for line in lines) == 1


def test_every_command_refused_says_where_the_members_are(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(site, "tickets", "list", capsys=capsys)
    assert code == 78
    lines = err.splitlines()
    assert any("entry 'other': manager: unknown member 'boss@example.test'" in x for x in lines)
    assert f"[[members]] of {site}" in lines[-1]


def test_the_members_hint_in_japanese(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    _, _, err = run(site, "tickets", "list", capsys=capsys)
    last = err.splitlines()[-1]
    assert last.startswith(f"ticket-gateway: チームのメンバーは {site} の [[members]] です。")
    said = "カタログの項目 'other' の manager: メンバー 'boss@example.test' はいません"
    assert any(said in line for line in err.splitlines())


def test_a_manager_who_stepped_down_is_named_with_the_entry_and_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fallback's manager still in the team with another role (``ops``): the line
    names the entry and the key as for one who left; no hint about leaving."""
    (tmp_path / "catalog.yaml").write_text(GOOD, encoding="utf-8")
    team = (
        '[catalog]\npath = "catalog.yaml"\n'
        '[[members]]\nemail = "ops@example.test"\n'
        '[[members]]\nemail = "ops2@example.test"\n'
        '[[members]]\nemail = "boss@example.test"\nrole = "ops"\n'
    )
    config = write_config(tmp_path, secret_file=True, extra=team)
    code, out, _ = run(config, "catalog", "check", capsys=capsys)
    assert code == 78
    assert out.splitlines() == [
        f"{tmp_path / 'catalog.yaml'}:15: entry 'other': manager:"
        " 'boss@example.test' is not a manager (role = 'ops')"
    ]
