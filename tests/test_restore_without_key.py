"""A database restored on a new machine without its reply-token key (README "Backups":
keep the key with the backups). The gateway made a key of its own in the new data
folder, silently: every reply address already sent out (a member's commands by reply
among them) stopped verifying, and nothing said why. A key is now made only for a
database that holds no ticket yet; for one that does, what needs the key is refused
(exit 78), naming where the key belongs and the database, and nothing is made."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail

EX_CONFIG = 78


@pytest.fixture(autouse=True)
def _no_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    monkeypatch.delenv("TICKET_GATEWAY_DATABASE_URL", raising=False)


def _old_site(folder: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A site whose key the gateway made (``<data_dir>/secret``), with one ticket; its
    ``db backup`` at ``folder/backup.db``."""
    folder.mkdir()
    config = write_config(folder)
    message = folder / "first.eml"
    message.write_bytes(mail("Printer on floor 3 jams"))
    assert run(config, "ingest", str(message), capsys=capsys).code == 0
    assert (folder / "var" / "secret").is_file()
    assert run(config, "db", "backup", str(folder / "backup.db"), capsys=capsys).code == 0
    return config


def test_a_restored_database_without_its_key_is_refused_not_given_a_new_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_site(tmp_path / "old", capsys)
    new = tmp_path / "new"
    new.mkdir()
    config = write_config(new)
    shutil.copyfile(tmp_path / "old" / "backup.db", new / "gateway.db")  # restored, key left
    key = new / "var" / "secret"
    message = new / "second.eml"
    message.write_bytes(mail("Printer on floor 4 jams too"))
    said = run(config, "ingest", str(message), capsys=capsys)
    assert said.code == EX_CONFIG, said
    assert str(key) in said.err and str(new / "gateway.db") in said.err, said
    assert "openssl rand -hex 32" in said.err, said
    assert not key.exists()  # no key of its own
    listed = run(config, "tickets", "list", "--json", capsys=capsys)  # reading needs no key
    assert listed.code == 0 and "Printer on floor 3 jams" in listed.out, listed
    status = run(config, "status", capsys=capsys)
    assert status.code == EX_CONFIG and str(key) in status.out + status.err, status
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    said = run(config, "ingest", str(message), capsys=capsys)
    assert said.code == EX_CONFIG and "返信用アドレス" in said.err, said
    assert not key.exists()
    # the key brought over from the old machine: it works, with the old tickets' addresses
    key.parent.mkdir(exist_ok=True)
    shutil.copyfile(tmp_path / "old" / "var" / "secret", key)
    key.chmod(0o600)
    assert run(config, "ingest", str(message), capsys=capsys).code == 0


def test_a_new_site_still_gets_a_key_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    assert run(config, "db", "upgrade", capsys=capsys).code == 0  # a database, no ticket yet
    message = tmp_path / "first.eml"
    message.write_bytes(mail("Printer on floor 3 jams"))
    assert run(config, "ingest", str(message), capsys=capsys).code == 0
    assert (tmp_path / "var" / "secret").is_file()
