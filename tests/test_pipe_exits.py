"""Every way ``ingest -`` (an MTA's pipe) can end says 0, 65 or 75 (README's table).

Postfix's pipe(8) and local(8) defer only on 75 and 71 and bounce on anything else
(sys_exits.c), as Exim's pipe does on all but 73 and 75: only a message that is not
mail (65) is the message's fault. A slip in master.cf's argv (``ingest - -f``) was
argparse's usage error, exit 2, and every mail bounced until it was fixed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.config import write_config
from tests.support.daemon import clean_env, console_script
from tests.support.mails import mail


@pytest.fixture
def config(tmp_path: Path) -> str:
    return str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))


def _gateway(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [console_script(), *args],
        input=stdin,
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
