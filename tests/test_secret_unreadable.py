"""A reply-token key that cannot be read (its ``secret_file`` removed, unreadable, a
folder) stops only what needs the key: ``status`` still reports, and says so; reading
tickets still works; what would write a reply address (a state change's mail, the
daemon, ``ingest``) exits 78 naming the key and the file, as any configuration error."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.errors import ConfigError
from gateway.runtime import daemon
from gateway.runtime.cli.main import EX_CONFIG
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail


@pytest.fixture
def config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A site with one ticket, whose key file then went missing."""
    path = write_config(tmp_path, secret_file=True, extra=members_toml(MEMBERS))
    (tmp_path / "a.eml").write_bytes(mail())
    assert run(path, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    (tmp_path / "secret.key").unlink()
    return path


def _names_key_and_file(text: str, config: Path) -> bool:
    return (
        "gateway.secret_file" in text
        and str(config) in text
        and str(config.parent / "secret.key") in text
    )


def test_status_still_reports_and_names_the_key_and_the_file(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = run(config, "status", capsys=capsys)
    assert done.code == EX_CONFIG
    assert done.out.startswith("UNHEALTHY\n")
    [line] = [x for x in done.out.splitlines() if "secret_file" in x]
    assert line.startswith("  problem: ") and _names_key_and_file(line, config)
    assert "inbox: 0 pending" in done.out  # the rest of the report is there
    done = run(config, "status", "--json", capsys=capsys)
    assert done.code == EX_CONFIG
    data = json.loads(done.out)
    [problem] = [p for p in data["problems"] if p["key"] == "secret"]
    assert _names_key_and_file(problem["text"], config)


def test_reading_tickets_needs_no_key(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = run(config, "tickets", "list", "--json", capsys=capsys)
    assert done.code == 0 and [t["id"] for t in json.loads(done.out)] == [1]
    assert run(config, "tickets", "show", "1", capsys=capsys).code == 0


def test_a_change_that_mails_a_reply_address_exits_78_and_changes_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the new assignee is told, with the address to act on it by reply: it needs the key
    done = run(config, "tickets", "assign", "1", "ops2@example.test", capsys=capsys)
    assert done.code == EX_CONFIG
    assert "configuration error" in done.err and _names_key_and_file(done.err, config)
    shown = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    assert shown["assignee"] == "ops@example.test"  # as the catalog gave it: rolled back


def test_ingest_exits_78_so_the_mta_keeps_the_mail(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.eml").write_bytes(mail(subject="second", message_id="<b@c.test>"))
    done = run(config, "ingest", str(tmp_path / "b.eml"), capsys=capsys)
    assert done.code == EX_CONFIG and _names_key_and_file(done.err, config)


def test_the_daemon_refuses_to_start(config: Path) -> None:
    settings = load_settings(config)
    stop = threading.Event()
    stop.set()  # were the key not checked first, it would start and stop at once
    with pytest.raises(ConfigError) as raised:
        daemon.run(settings, stop=stop)
    assert raised.value.key == "gateway.secret_file"


def test_a_folder_where_the_key_file_should_be(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (config.parent / "secret.key").mkdir()
    try:
        done = run(config, "status", capsys=capsys)
        assert done.code == EX_CONFIG and "secret_file" in done.out
    finally:
        shutil.rmtree(config.parent / "secret.key")
