"""``status --json`` when there is no report to give: a config that does not load, a
database file that is not a database, no database where the config says.

It printed nothing on standard output (the reason on stderr, the exit code alone for
a script): a monitoring script that parses ``--json`` got no JSON and failed on its
own parser. Now it prints the report's shape as far as it goes: ``healthy`` false and
``problems``, each with a ``key`` and an English ``text``, as a report's problems are;
the exit code is the one the failure always had (README "ticket-gateway status").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config


@pytest.fixture(autouse=True)
def _japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Japanese terminal: the JSON stays English whatever LANG says."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)


def _document(out: str) -> dict[str, object]:
    document = json.loads(out)
    assert isinstance(document, dict)
    return document


def test_a_config_that_does_not_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text("[database\n", encoding="utf-8")
    ran = run(config, "status", "--json", capsys=capsys)
    assert ran.code == 78
    document = _document(ran.out)
    assert document["healthy"] is False
    [problem] = document["problems"]  # type: ignore[misc]
    assert problem["key"] == "config"
    assert "not valid TOML" in problem["text"]
    assert str(config) in problem["text"]
    assert "設定" in ran.err  # people still read it on stderr, in their language


def test_a_file_that_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"these are my notes, not a database\n" * 200)
    config = write_config(tmp_path, url=f"sqlite:///{notes}")
    ran = run(config, "status", "--json", capsys=capsys)
    assert ran.code == 75
    document = _document(ran.out)
    assert document["healthy"] is False
    [problem] = document["problems"]  # type: ignore[misc]
    assert problem["key"] == "database"
    assert "not a database" in problem["text"]


def test_no_database_where_the_config_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    ran = run(config, "status", "--json", capsys=capsys)
    assert ran.code == 66
    document = _document(ran.out)
    assert document["healthy"] is False
    problems = document["problems"]
    assert isinstance(problems, list) and problems
    assert {p["key"] for p in problems} == {"database"}
    assert "no gateway database" in problems[0]["text"]
    assert not (tmp_path / "var").exists()


def test_without_json_stdout_stays_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text("[database\n", encoding="utf-8")
    ran = run(config, "status", capsys=capsys)
    assert ran.code == 78
    assert ran.out == ""
