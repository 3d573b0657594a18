"""``--config ''``: a script's ``--config "$CONF"`` with ``$CONF`` unset.

An empty ``--config`` was taken for none given: the command went on with
``$TICKET_GATEWAY_CONFIG``, ``./gateway.toml`` or the built-in defaults, whatever the
working folder held, and an MTA's ``ticket-gateway --config "$CONF" ingest -`` stored
the mail in a database of its own under ``./var`` (exit 0), where nobody looks. It is
now a usage error naming the option (exit 2, as argparse's own), on the pipe's fast
path too, and nothing is stored or made. For ``ingest -`` the usage error is 75, as
every exit of the pipe that is not the message's fault (an MTA bounces on 2; on 75 it
keeps the mail queued until the command line is mended).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.runtime.cli.main import main
from tests.support.mails import mail


def test_an_empty_config_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["--config", "", "tickets", "list"])
    assert exited.value.code == 2
    assert "--config" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no ./var, no database


@pytest.mark.parametrize("form", [("--config", ""), ("--config=",)])
def test_the_mta_pipe_stores_nothing_under_an_empty_config(
    tmp_path: Path, form: tuple[str, ...]
) -> None:
    exe = shutil.which("ticket-gateway", path=str(Path(sys.executable).parent))
    assert exe
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TICKET_GATEWAY_", "LANG", "LC_"))
    }
    env["LANG"] = "C.UTF-8"
    done = subprocess.run(
        [exe, *form, "ingest", "-"],
        input=mail("VPN down"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 75, done.stdout + done.stderr  # the MTA keeps the mail
    assert b"--config" in done.stderr
    assert list(tmp_path.iterdir()) == []
