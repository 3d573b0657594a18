"""A data folder that others may change: one that already existed keeps its owner's mode
(only what we make is 0700), so ``var`` made by hand under ``umask 000``, a ``775`` one
or one another user owns let them put a key of their own where ours is made (replies
signed with it, and the commands they carry, are believed), or a database of theirs.
``status`` said nothing of it; now it warns (``data_folder_writable``) and the daemon
says it at start, as for a secret file others may read. A private folder reached
through a symbolic link is no warning; an open one is, wherever the link leads."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import with_database, write_config

CODE = "data_folder_writable"
NO_DAEMON = "[health]\ndaemon = false\n"


def _warned(config: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    said = run(config, "status", "--json", capsys=capsys)
    assert said.out.startswith("{"), said
    return [w["text"] for w in json.loads(said.out)["warnings"] if w["code"] == CODE]


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777, 0o702])
def test_a_data_folder_others_may_write_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int
) -> None:
    (tmp_path / "var").mkdir()
    os.chmod(tmp_path / "var", mode)
    config = with_database(write_config(tmp_path, locale="en", extra=NO_DAEMON))
    [text] = _warned(config, capsys)
    assert str(tmp_path / "var") in text and f"chmod 700 {tmp_path / 'var'}" in text, text


@pytest.mark.parametrize("mode", [0o700, 0o750, 0o755])
def test_a_data_folder_only_its_owner_writes_is_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int
) -> None:
    """Others may read it (the admin's choice, as for the database), not write it."""
    (tmp_path / "var").mkdir()
    os.chmod(tmp_path / "var", mode)
    config = with_database(write_config(tmp_path, locale="en", extra=NO_DAEMON))
    assert _warned(config, capsys) == []


def test_through_a_link_the_folder_it_leads_to_is_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "real").mkdir(mode=0o700)
    os.chmod(tmp_path / "real", 0o700)
    (tmp_path / "var").symlink_to(tmp_path / "real")
    config = with_database(write_config(tmp_path, locale="en", extra=NO_DAEMON))
    assert _warned(config, capsys) == []
    os.chmod(tmp_path / "real", 0o777)
    assert len(_warned(config, capsys)) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user takes root")
def test_a_data_folder_another_user_owns_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "var").mkdir(mode=0o700)
    os.chown(tmp_path / "var", 65534, 65534)  # nobody: may chmod it and write there
    config = with_database(write_config(tmp_path, locale="en", extra=NO_DAEMON))
    [text] = _warned(config, capsys)
    assert str(tmp_path / "var") in text and "65534" in text, text


def test_the_daemon_says_it_at_start_in_its_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from gateway.config.load import load_settings
    from gateway.runtime.start_warnings import warn_at_start

    (tmp_path / "var").mkdir()
    os.chmod(tmp_path / "var", 0o777)
    settings = load_settings(write_config(tmp_path, extra=NO_DAEMON))
    with caplog.at_level(logging.WARNING, logger="gateway.daemon"):
        warn_at_start(settings)
    assert [r for r in caplog.records if "data folder" in r.getMessage()], caplog.text
