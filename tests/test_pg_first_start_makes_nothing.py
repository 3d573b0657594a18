"""A first start on PostgreSQL (no data folder, no reply-token key yet), as SQLite's
refusals do (tests/test_cli_refusals_make_nothing.py), makes nothing it is refused.

A server that answers nothing, or a URL naming a database the server lacks: ``ingest``
(the MTA's pipe), ``run`` and ``db upgrade`` made the data folder and a new key in it
(``<data_dir>/secret``) and then exited 75; the key was made without looking whether
the database held tickets signed with another one. They exit 75 (the MTA retries,
systemd restarts ``run``) and leave the disk as they found it.

A database holding tickets whose data folder lost its key got a new key silently, and
every reply address sent so far stopped verifying: it is refused (exit 78) naming the
file the key belongs in, as on SQLite (tests/test_restore_without_key.py); reading
commands still read, and make no key either. The real console script, in subprocesses.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PG_URL, postgres_reachable
from tests.support.daemon import clean_env, console_script
from tests.support.databases import postgres_only
from tests.support.mails import mail

EX_OK, EX_TEMPFAIL, EX_CONFIG = 0, 75, 78


def _closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (a socket bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _url(database: str | None = None, port: int | None = None) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    if database is not None:
        url = url.set(database=database)
    if port is not None:
        url = url.set(port=port)
    return url.render_as_string(hide_password=False)


def _cli(
    folder: Path, *args: str, stdin: bytes = b"", lang: str = "C.UTF-8", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The console script in ``folder``, the key left to the gateway (no
    ``$TICKET_GATEWAY_SECRET``, no ``secret_file``)."""
    done = subprocess.run(
        [console_script(), "--config", str(folder / "gateway.toml"), *args],
        input=stdin,
        capture_output=True,
        cwd=folder,
        env=clean_env(LANG=lang),
        timeout=timeout,  # a daemon that waits for its database instead: failed
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def _config(folder: Path, url: str, data_dir: str = "var") -> None:
    text = f'[gateway]\ndata_dir = "{data_dir}"\n[database]\nurl = "{url}"\n'
    (folder / "gateway.toml").write_text(text, encoding="utf-8")


def _everything(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*")}


UNREACHABLE = [
    pytest.param(lambda: _url(port=_closed_port()), "refused the connection", id="closed-port"),
    pytest.param(
        lambda: _url(database="no_such_gateway_db"), "does not exist", id="missing-database"
    ),
]


@pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL not reachable")
@pytest.mark.parametrize(("url", "said"), UNREACHABLE)
@pytest.mark.parametrize("command", [("ingest", "-"), ("ingest", "in.eml"), ("db", "upgrade")])
def test_a_database_not_there_makes_nothing_and_exits_75(
    tmp_path: Path, url: object, said: str, command: tuple[str, ...]
) -> None:
    assert callable(url)
    _config(tmp_path, url())
    (tmp_path / "in.eml").write_bytes(mail())
    before = _everything(tmp_path)
    done = _cli(tmp_path, *command, stdin=mail())
    assert done.returncode == EX_TEMPFAIL, (done.stdout, done.stderr)
    assert said in done.stderr, done.stderr
    assert _everything(tmp_path) == before  # no data folder, no key


@pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL not reachable")
def test_run_against_a_server_that_answers_nothing_makes_nothing_and_exits_75(
    tmp_path: Path,
) -> None:
    """The daemon's first start: exit 75 (systemd restarts it), not a key made for a
    database nobody looked at, nor a wait that leaves the folder and key behind."""
    _config(tmp_path, _url(port=_closed_port()))
    before = _everything(tmp_path)
    done = _cli(tmp_path, "run", timeout=60)
    assert done.returncode == EX_TEMPFAIL, (done.stdout, done.stderr)
    assert _everything(tmp_path) == before


@postgres_only
def test_tickets_without_their_key_are_refused_not_given_a_new_one(
    db_url: str, tmp_path: Path
) -> None:
    _config(tmp_path, db_url, data_dir="first")
    assert _cli(tmp_path, "ingest", "-", stdin=mail()).returncode == EX_OK
    assert (tmp_path / "first" / "secret").is_file()
    # the data folder lost its key (moved on without it, a new machine, a restore)
    _config(tmp_path, db_url, data_dir="second")
    key = tmp_path / "second" / "secret"
    (tmp_path / "in.eml").write_bytes(mail(subject="another"))
    before = _everything(tmp_path)
    # the MTA's pipe keeps the mail at the MTA (75) until the key is back
    refusals = [
        (("ingest", "-"), EX_TEMPFAIL),
        (("ingest", "in.eml"), EX_CONFIG),
        (("run",), EX_CONFIG),
    ]
    for command, code in refusals:
        done = _cli(tmp_path, *command, stdin=mail(subject="another"))
        assert done.returncode == code, (command, done.stdout, done.stderr)
        assert str(key) in done.stderr and "holds tickets" in done.stderr, done.stderr
        assert "openssl rand -hex 32" in done.stderr, done.stderr
        assert _everything(tmp_path) == before, command  # no folder, no key
    done = _cli(tmp_path, "ingest", "in.eml", lang="ja_JP.UTF-8")
    assert done.returncode == EX_CONFIG and "返信用アドレス" in done.stderr, done.stderr
    # reading needs no key, and makes none; db upgrade makes none either
    listed = _cli(tmp_path, "tickets", "list", "--json")
    assert listed.returncode == EX_OK and "VPN does not connect" in listed.stdout, listed
    assert _cli(tmp_path, "db", "upgrade").returncode == EX_OK
    assert not os.path.lexists(key)
    # the key brought back: the gateway works with it
    key.parent.mkdir(mode=0o700, exist_ok=True)
    key.write_bytes((tmp_path / "first" / "secret").read_bytes())
    key.chmod(0o600)
    done = _cli(tmp_path, "ingest", "-", stdin=mail(subject="another"))
    assert done.returncode == EX_OK, done.stderr


@postgres_only
def test_a_database_with_no_ticket_yet_still_gets_a_key(db_url: str, tmp_path: Path) -> None:
    _config(tmp_path, db_url)
    assert _cli(tmp_path, "db", "upgrade").returncode == EX_OK
    assert _cli(tmp_path, "ingest", "-", stdin=mail()).returncode == EX_OK
    assert (tmp_path / "var" / "secret").is_file()
