"""``tickets list --assignee WORD`` and ``tickets assign ID WORD`` refuse a word that
names no member with one helper (``gateway.runtime.cli.unknown_member``), each in its
own words: the list also takes any address, a ticket is given only to a member. Both
name the configuration, the members' short forms (or that there are none), in the
command line's language, and leave ``/assign``'s other refusals as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config.settings import Member
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import members_toml, write_config

TEAM = (  # the example catalog's members, and short forms with a dot, a digit
    *MEMBERS,
    Member(email="kimura@ops.example", name="木村 健"),
    Member(email="sato.k@ops.example", name="Sato Kei"),
    Member(email="Yamada2@help.example", name="山田"),
)
SHORTS = "ops, ops2, boss, kimura, sato.k, yamada2"


def _config(tmp_path: Path, members: bool) -> Path:
    extra = members_toml(TEAM) if members else ""
    config = write_config(tmp_path, secret_file=True, extra=extra)
    (tmp_path / "a.eml").write_bytes(b"From: a@example.org\r\nSubject: x\r\n\r\nhi\r\n")
    return config


def _refused(config: Path, command: str, word: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What ``command`` says of ``word``; it exits as it always did (64 for list's
    usage error, 65 for assign's refused change) and prints nothing on stdout."""
    if command == "list":
        code, out, err = run(config, "tickets", "list", "--assignee", word, capsys=capsys)
        assert (code, out) == (64, "")
        return err
    ingest = run(config, "ingest", str(config.parent / "a.eml"), capsys=capsys)
    assert ingest.code == 0
    code, _, err = run(config, "tickets", "assign", "1", word, capsys=capsys)
    assert code == 65
    return err


# the command, the language, and the words that carry each command's own meaning
MEANING = {
    ("list", "en"): ("give an address", "whole address (hoshino@…)"),
    ("list", "ja"): ("メールアドレスか", "メールアドレス全体（hoshino@…）"),
    ("assign", "en"): ("unknown member 'hoshino' (not in", "a ticket is given only to a member"),
    ("assign", "ja"): ("にいるのは", "メンバーにしか割り当てられません"),
}


@pytest.mark.parametrize("command", ["list", "assign"])
@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_word_no_member_has_names_the_config_and_the_short_forms(
    command: str,
    language: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8" if language == "ja" else "C.UTF-8")
    config = _config(tmp_path, members=True)
    err = _refused(config, command, "hoshino", capsys)
    listed, _ = MEANING[command, language]
    assert "hoshino" in err and str(config) in err and SHORTS in err and listed in err


@pytest.mark.parametrize("command", ["list", "assign"])
@pytest.mark.parametrize("language", ["en", "ja"])
def test_with_no_members_each_says_what_it_takes_instead(
    command: str,
    language: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8" if language == "ja" else "C.UTF-8")
    config = _config(tmp_path, members=False)
    err = _refused(config, command, "hoshino", capsys)
    _, none = MEANING[command, language]
    assert "hoshino" in err and str(config) in err and "[[members]]" in err and none in err
    assert "kimura" not in err  # no short forms to list


@pytest.mark.parametrize("command", ["list", "assign"])
def test_a_name_two_members_share_is_assigns_own_refusal(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not "no member": the name is a member's, twice; neither lists the short forms."""
    two = (*TEAM, Member(email="kimura.h@ops.example", name="木村 花子"))
    config = write_config(tmp_path, secret_file=True, extra=members_toml(two))
    (tmp_path / "a.eml").write_bytes(b"From: a@example.org\r\nSubject: x\r\n\r\nhi\r\n")
    err = _refused(config, command, "木村さん", capsys)
    assert "names several members" in err and SHORTS not in err
