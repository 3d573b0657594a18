"""The packaged example catalog, refused for a team: the refusal says what to do.

Without ``[catalog] path`` the gateway files mail with the example it ships (the README's
quick start). Its entries give tickets to example addresses, so the first ``[[members]]``
an administrator writes makes it refuse to load: ``unknown member 'ops@example.test'``
eight times, naming a file inside site-packages, for a catalog they never wrote. Every
command that loads it (the daemon's start too), ``catalog check`` and ``status`` say once,
after its problems, that it is the example and that ``[catalog] path`` names the team's.
A catalog of the team's own with the same problems gets no such line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.catalogs import GOOD
from tests.support.cli import run
from tests.support.config import with_database, write_config

MEMBERS = '[[members]]\nemail = "tanaka@example.test"\n'
HINT = "this is the example catalog shipped with ticket-gateway"


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A config with a member of the team's own and no ``[catalog] path``."""
    return write_config(tmp_path, secret_file=True, extra=MEMBERS)


def test_a_command_refused_by_the_example_says_to_set_catalog_path(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(team, "tickets", "list", capsys=capsys)
    assert code == 78
    lines = err.splitlines()
    assert "unknown member 'ops@example.test' (not in [[members]])" in lines[1]
    assert HINT in lines[-1] and "[catalog] path" in lines[-1]
    assert sum(HINT in line for line in lines) == 1  # once, not per problem


def test_the_hint_is_in_the_command_lines_language(
    team: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    _, _, err = run(team, "tickets", "list", capsys=capsys)
    assert "同梱の見本のカタログ" in err.splitlines()[-1]
    assert HINT not in err


def test_catalog_check_ends_its_problems_with_the_hint(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(team, "catalog", "check", capsys=capsys)
    assert code == 78
    assert HINT in out.splitlines()[-1]


def test_status_has_the_hint_as_a_problem_of_its_own(
    team: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(with_database(team), "status", "--json", capsys=capsys)
    assert code == 78
    problems = json.loads(out)["problems"]
    assert [p["key"] for p in problems if HINT in p["text"]] == ["catalog:example"]


def test_a_catalog_of_the_teams_own_gets_no_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "catalog.yaml").write_text(GOOD, encoding="utf-8")
    extra = MEMBERS + '[catalog]\npath = "catalog.yaml"\n'
    cfg = write_config(tmp_path, secret_file=True, extra=extra)
    code, _, err = run(cfg, "tickets", "list", capsys=capsys)
    assert code == 78
    assert "unknown member" in err and HINT not in err
