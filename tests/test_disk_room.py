"""How much room ``status`` and the daemon's start call too little, without filling a disk:
the free-space reader (:func:`gateway.runtime.disk_space.read_space`, our own edge) is
given the figures under test. A real full disk is tested in test_disk_full.py (where a
tmpfs may be mounted).

Less room than two of the largest mails is a problem (exit 1: mail is about to be
refused); less than 100 MB, or less than 1 % of the file system, is a warning (the
disk is nearly full, mail still comes in).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.i18n import translate
from gateway.runtime import daemon, disk_space
from gateway.runtime.disk_space import Room, Space, disk_problems, disk_warnings, nearly_full
from tests.support.cli import run
from tests.support.config import with_database, write_config

MB, GB = 1_000_000, 1_000_000_000
MAX_MESSAGE = 25 * MB  # [smtp] max_message_size by default: a problem below 50 MB
NO_DAEMON = "[health]\ndaemon = false\n"  # status alone: no daemon is a problem otherwise
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _disk(monkeypatch: pytest.MonkeyPatch, free: int, size: int) -> None:
    """Every folder the gateway writes to is on one file system with ``free`` bytes of
    ``size`` left for us."""
    reader: Callable[[Path], Space] = lambda _folder: Space(1, free, size)  # noqa: E731
    monkeypatch.setattr(disk_space, "read_space", reader)


@pytest.mark.parametrize(
    ("free", "size", "said"),
    [
        (200 * MB, 10 * GB, None),  # 2 %, and more than 100 MB
        (99 * MB, 1 * GB, "warning"),  # under 100 MB
        (100 * MB, 1 * GB, None),  # 100 MB exactly: enough
        (5 * GB, 1000 * GB, "warning"),  # 0.5 % of a big disk: nearly full all the same
        (10 * GB, 1000 * GB, None),  # 1 % exactly
        (50 * MB, 1 * GB, "warning"),  # two of the largest mails fit: still a warning
        (50 * MB - 1, 1 * GB, "problem"),  # they do not: a problem, and only that
        (0, 4 * MB, "problem"),
    ],
)
def test_thresholds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, free: int, size: int, said: str | None
) -> None:
    settings = load_settings(write_config(tmp_path, secret_file=True))
    assert settings.smtp.max_message_size == MAX_MESSAGE
    _disk(monkeypatch, free, size)
    problems, warnings = disk_problems(settings), disk_warnings(settings)
    assert (len(problems), len(warnings)) == {
        None: (0, 0),
        "warning": (0, 1),
        "problem": (1, 0),
    }[said]


def test_status_warns_of_a_nearly_full_disk_and_stays_healthy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = with_database(write_config(tmp_path, secret_file=True, locale="en", extra=NO_DAEMON))
    _disk(monkeypatch, 80 * MB, 20 * GB)
    said = run(config, "status", capsys=capsys)
    assert said.code == 0, said
    [line] = [line for line in said.out.splitlines() if "nearly full" in line]
    assert line.startswith("  warning: the disk holding ") and str(tmp_path) in line, line
    assert "80.0 MB free of 20.0 GB" in line, line  # in MB and GB for people
    document = json.loads(run(config, "status", "--json", capsys=capsys).out)
    assert document["healthy"] is True and document["problems"] == []
    [warning] = [w for w in document["warnings"] if w["code"] == "disk_nearly_full"]
    assert str(tmp_path) in warning["text"] and "80000000 bytes free" in warning["text"]


def test_status_says_it_in_japanese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = with_database(write_config(tmp_path, secret_file=True, locale="ja", extra=NO_DAEMON))
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    _disk(monkeypatch, 80 * MB, 20 * GB)
    said = run(config, "status", capsys=capsys)
    assert said.code == 0, said
    [line] = [line for line in said.out.splitlines() if "80.0 MB" in line]
    assert KANA_OR_KANJI.search(line) and "nearly" not in line and "bytes" not in line, line
    _disk(monkeypatch, 10 * MB, 20 * GB)
    said = run(config, "status", capsys=capsys)
    assert said.code == 1, said
    [line] = [line for line in said.out.splitlines() if "10.0 MB" in line]
    assert KANA_OR_KANJI.search(line) and "bytes" not in line, line


def test_status_json_names_the_problem_by_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = with_database(write_config(tmp_path, secret_file=True, locale="en", extra=NO_DAEMON))
    _disk(monkeypatch, 10 * MB, 20 * GB)
    said = run(config, "status", "--json", capsys=capsys)
    assert said.code == 1, said
    document = json.loads(said.out)
    assert document["healthy"] is False
    [problem] = [p for p in document["problems"] if p["key"].startswith("disk:")]
    assert str(tmp_path) in problem["key"] and "max_message_size" in problem["text"]
    assert not [w for w in document["warnings"] if w["code"] == "disk_nearly_full"]  # once


@pytest.mark.parametrize(("free", "word"), [(80 * MB, "nearly full"), (10 * MB, "451")])
def test_the_daemon_says_it_at_start(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    free: int,
    word: str,
) -> None:
    """In the journal an admin reads first, as a warning: the daemon starts all the same
    (a full disk refuses mail for now; it does not stop the doors)."""
    settings = load_settings(write_config(tmp_path, secret_file=True))
    _disk(monkeypatch, free, 20 * GB)
    with caplog.at_level(logging.WARNING, logger="gateway.daemon"):
        daemon.warn_at_start(settings)
    [record] = [r for r in caplog.records if word in r.getMessage()]
    assert record.levelno == logging.WARNING and str(tmp_path) in record.getMessage()


def test_the_warning_is_translated() -> None:
    """Both catalogs carry it (tools/i18n.py check says the rest)."""
    message = nearly_full(Room(Path("/srv/gw"), 80 * MB, 20 * GB))
    assert "nearly full" in translate(message, "en")
    assert KANA_OR_KANJI.search(translate(message, "ja"))


def test_a_full_disk_under_the_outbound_maildir_alone_says_outgoing_mail_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The outbound maildir on a disk of its own, full; the database's disk roomy. Mail
    still comes in (the listener writes to the database), and what waits is outgoing
    mail, in the outbox, retried. ``status`` said incoming mail was refused ("SMTP 451,
    ingest exit 75, left on the IMAP server"), sending the person on call to the MTA."""
    outbound = tmp_path / "outbound-disk" / "maildir"
    outbound.mkdir(parents=True)
    extra = NO_DAEMON + f'[outbound]\nmode = "maildir"\nmaildir = "{outbound}"\n'
    config = with_database(write_config(tmp_path, secret_file=True, locale="en", extra=extra))

    def reader(folder: Path) -> Space:
        if folder == outbound or outbound in folder.parents:
            return Space(2, 0, 4 * MB)
        return Space(1, 200 * GB, 1000 * GB)

    monkeypatch.setattr(disk_space, "read_space", reader)
    for args in (("status",), ("status", "--json")):
        said = run(config, *args, capsys=capsys)
        assert said.code == 1, said
        assert str(outbound) in said.out, said
        assert "451" not in said.out and "refused" not in said.out, said
        assert "outgoing mail waits in the outbox" in said.out, said
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    said = run(config, "status", capsys=capsys)
    assert "送信するメールは送信箱で待ち" in said.out and "受信は続きます" in said.out, said
