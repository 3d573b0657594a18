"""A mail from someone not on a ticket is attached, and the member who answers for the
ticket is told: its assignee while on the team, else its entry's manager. ``inbox list``
(the log's words) and what ``ingest`` says of the mail (in the CLI's language) name who
was told, by role and address; they said "the assignee told" when it was the manager."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.runtime.cli import main as cli
from tests.support.app import MEMBERS, PLAIN_CATALOG
from tests.support.config import members_toml, write_config
from tests.support.daemon import clean_env, console_script
from tests.support.mails import mail

REQUEST_ID = "<req-1@customer.test>"
OPS = "ops@example.test"


def _cli(config: Path, *args: str, lang: str = "en_US.UTF-8") -> str:
    done = subprocess.run(
        [console_script(), "--config", str(config), *args],
        capture_output=True,
        env=clean_env(LANG=lang, LC_ALL="", LC_MESSAGES=""),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def _here(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> str:
    """The same command in this process: for what is the same whichever process runs it
    (the log's words, English; a step of the set-up), one interpreter start fewer each."""
    capsys.readouterr()
    code = cli.main(["--config", str(config), *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def _config(tmp_path: Path, url: str, members: str) -> Path:
    return write_config(
        tmp_path,
        url=url,
        secret_file=True,
        extra=f'[catalog]\npath = "{PLAIN_CATALOG}"\n' + members,
    )


def _ingest(config: Path, words: bytes, lang: str = "en_US.UTF-8") -> str:
    """Stored and processed by ``ingest FILE`` itself (``ingest -`` leaves the processing
    to a drainer, which may still be there, with the config it read, for the next): what
    it says of the mail, in ``lang``."""
    path = config.parent / "in.eml"
    path.write_bytes(words)
    return _cli(config, "ingest", str(path), lang=lang)


def _outsider(
    capsys: pytest.CaptureFixture[str], config: Path, n: int, lang: str
) -> tuple[str, str]:
    """A stranger's answer found by the request's Message-ID: what ``ingest`` said of
    it, in ``lang``, and its ``inbox list`` line (the log's words, English)."""
    words = mail(
        f"Re: VPN {n}",
        sender=f"stranger{n}@elsewhere.test",
        in_reply_to=REQUEST_ID,
        date=datetime.now(UTC),
    )
    said = _ingest(config, words, lang)
    [line] = [
        x for x in _here(capsys, config, "inbox", "list").splitlines() if f"stranger{n}@" in x
    ]
    return said, line


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "ja_JP.UTF-8"])
def test_inbox_says_whom_an_outsiders_mail_was_told_to(
    db_url: str, tmp_path: Path, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, db_url, members_toml(MEMBERS))
    _ingest(config, mail("VPN", message_id=REQUEST_ID, date=datetime.now(UTC)))
    _here(capsys, config, "tickets", "assign", "1", OPS)
    said_assignee, assignee = _outsider(capsys, config, 1, lang)
    # ops leaves the team: the ticket's entry's manager answers for it now
    config = _config(tmp_path, db_url, members_toml(m for m in MEMBERS if m.email != OPS))
    said_manager, manager = _outsider(capsys, config, 2, lang)
    assert f"assignee {OPS} told" in assignee, assignee
    assert "boss@example.test" not in assignee
    assert "manager boss@example.test told" in manager, manager
    assert "assignee" not in manager and OPS not in manager
    if lang.startswith("ja"):
        assert f"担当者 {OPS} に通知" in said_assignee, said_assignee
        assert "マネージャー boss@example.test に通知" in said_manager, said_manager
        assert "担当者" not in said_manager
    else:
        assert f"the assignee {OPS} told" in said_assignee, said_assignee
        assert "the manager boss@example.test told" in said_manager, said_manager
        assert "assignee" not in said_manager
