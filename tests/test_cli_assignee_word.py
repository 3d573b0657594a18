"""``tickets list --assignee WORD`` that names no member says what it takes instead.

The README's own example, ``tickets list --state active --assignee tanaka``, run on the
quick start's defaults (no ``[[members]]``) answered ``no member 'tanaka'``, exit 64, and
nothing about why: the short form is the part before the ``@`` of a configured member's
address, so with nobody configured only a whole address works, and a short form two
members share is nobody's. The refusal names the config, the members' short forms, or
the addresses that share it; the exit stays 64 (a usage error).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import members_toml, write_config


def _refused(config: Path, word: str, capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(config, "tickets", "list", "--assignee", word, capsys=capsys)
    assert code == 64 and out == ""
    return err


def test_a_word_no_member_has_lists_the_members_short_forms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, secret_file=True, extra=members_toml(MEMBERS))
    err = _refused(config, "tanaka", capsys)
    assert "'tanaka'" in err and str(config) in err
    assert "ops, ops2, boss" in err  # what --assignee takes here
    assert "address" in err


def test_with_no_members_configured_it_asks_for_the_whole_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, secret_file=True)
    err = _refused(config, "tanaka", capsys)
    assert "[[members]]" in err and "tanaka@" in err  # the form that works: an address


def test_a_short_form_two_members_share_names_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two = '[[members]]\nemail = "tanaka@a.example"\n[[members]]\nemail = "tanaka@b.example"\n'
    config = write_config(tmp_path, secret_file=True, extra=two)
    err = _refused(config, "tanaka", capsys)
    assert "tanaka@a.example" in err and "tanaka@b.example" in err


def test_the_refusal_is_in_the_command_lines_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    config = write_config(tmp_path, secret_file=True, extra=members_toml(MEMBERS))
    err = _refused(config, "tanaka", capsys)
    assert "メンバー" in err and "ops, ops2, boss" in err


def test_a_name_two_members_share_is_refused_as_assign_refuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two = (
        '[[members]]\nemail = "ichiro@example.test"\nname = "佐藤 一郎"\n'
        '[[members]]\nemail = "jiro@example.test"\nname = "佐藤 次郎"\n'
    )
    config = write_config(tmp_path, secret_file=True, extra=two)
    err = _refused(config, "佐藤さん", capsys)
    assert "names several members" in err


def test_tickets_assign_names_the_config_and_its_members_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``tickets assign 3 tanaka`` said only ``unknown member 'tanaka'``: on the quick
    start's defaults, with no ``[[members]]``, nobody can be given a ticket at all."""
    config = write_config(tmp_path, secret_file=True, extra=members_toml(MEMBERS))
    (tmp_path / "a.eml").write_bytes(b"From: a@example.org\r\nSubject: x\r\n\r\nhi\r\n")
    assert run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    code, _, err = run(config, "tickets", "assign", "1", "tanaka", capsys=capsys)
    assert code == 65
    assert "unknown member 'tanaka'" in err and str(config) in err and "ops, ops2, boss" in err
    bare = tmp_path / "bare"
    bare.mkdir()
    config = write_config(bare, secret_file=True)
    (bare / "a.eml").write_bytes(b"From: a@example.org\r\nSubject: x\r\n\r\nhi\r\n")
    assert run(config, "ingest", str(bare / "a.eml"), capsys=capsys).code == 0
    code, _, err = run(config, "tickets", "assign", "1", "tanaka@example.test", capsys=capsys)
    assert code == 65 and "[[members]]" in err and str(config) in err
