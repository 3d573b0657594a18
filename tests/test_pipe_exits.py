"""Every way ``ingest -`` (an MTA's pipe) can end says 0, 65 or 75 (README's table).

Postfix's pipe(8) and local(8) defer only on 75 and 71 and bounce on anything else
(sys_exits.c), as Exim's pipe does on all but 73 and 75: only a message that is not
mail (65) is the message's fault. A slip in master.cf's argv (``ingest - -f``) was
argparse's usage error, exit 2, and every mail bounced until it was fixed.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.support.config import KEY, write_config
from tests.support.daemon import clean_env, console_script
from tests.support.mails import mail


@pytest.fixture
def config(tmp_path: Path) -> str:
    return str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))


def _gateway(
    *args: str, stdin: bytes = b"", cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [console_script(), *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        env=clean_env(LANG="C.UTF-8"),
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("ingest", "-", "-f"),  # an option ingest does not have
        ("ingest", "-f"),  # … with no path: standard input, as an MTA runs it
        ("ingest", "--bogus=1", "-"),
        ("--bogus", "ingest", "-"),  # before the command
    ],
    ids=["after", "no-path", "with-value", "before"],
)
def test_a_usage_error_in_the_mtas_argv_exits_75(config: str, args: tuple[str, ...]) -> None:
    done = _gateway("--config", config, *args, stdin=mail(subject="printer"))
    err = done.stderr.decode()
    assert done.returncode == 75, err
    assert "unrecognized arguments" in err or "error:" in err  # argparse's own words
    assert "not stored: the message stays with the sender, who tries again later" in err


def test_a_usage_error_with_a_file_named_is_still_2(config: str, tmp_path: Path) -> None:
    """A person's command (a path, no standard input) keeps argparse's 2."""
    message = tmp_path / "in.eml"
    message.write_bytes(mail(subject="printer"))
    done = _gateway("--config", config, "ingest", "-f", str(message))
    assert done.returncode == 2, done.stderr


@pytest.mark.parametrize(
    "slip",
    [
        '[databse]\nurl = "sqlite:///{real}"\n',  # the table misspelt
        '[database]\nulr = "sqlite:///{real}"\n',  # its key misspelt
        'data_dirr = "{real_dir}"\n',  # the data folder's key misspelt: ./var instead
    ],
    ids=["table", "url-key", "data-dir-key"],
)
def test_a_misspelt_name_of_where_to_store_is_not_a_database_elsewhere(
    tmp_path: Path, slip: str
) -> None:
    """The pipe's fast path reads only the keys that say where to store, without the
    settings reader. A misspelt one there was read as absent: the default database (the
    site's SQLite left in its data folder after its move to PostgreSQL, or one left by a
    first try) took the mail, exit 0, and nobody ever processed it, as the site's daemon
    reads another database and the drainer stopped at the configuration error. The full
    reader refuses the name; the pipe says it and exits 75, so the MTA keeps the mail."""
    (tmp_path / "secret.key").write_text(KEY)
    (tmp_path / "secret.key").chmod(0o600)
    config = tmp_path / "gateway.toml"
    data = "" if "data_dirr" in slip else 'data_dir = "state"\n'
    head = f'[gateway]\naddress = "support@example.test"\nsecret_file = "secret.key"\n{data}'
    config.write_text(head, encoding="utf-8")
    first = tmp_path / "first.eml"
    first.write_bytes(mail(subject="first try"))
    ran = _gateway("--config", str(config), "ingest", str(first), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    stray = tmp_path / ("var" if "data_dirr" in slip else "state") / "gateway.db"
    assert stray.exists()  # the defaults' database in the data folder, current
    real = tmp_path / "site"
    config.write_text(head + slip.format(real=real / "gw.db", real_dir=real), encoding="utf-8")
    done = _gateway(
        "--config", str(config), "ingest", "-", stdin=mail(subject="printer"), cwd=tmp_path
    )
    err = done.stderr.decode()
    assert done.returncode == 75, (done.stdout, err)
    assert "unknown key" in err and "not stored: the message stays with the sender" in err
    with sqlite3.connect(stray) as db:
        assert db.execute("SELECT count(*) FROM inbox").fetchone() == (1,)  # the first only
