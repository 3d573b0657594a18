"""Output that cannot be written: ``tickets list --json > out.json`` on a full disk.

The write's OSError ended the command in a traceback and exit 1, the status a script
cannot tell from any other crash. Now the command says in one line what failed and
exits 74 (sysexits' EX_IOERR), with nothing more on its standard error. A reader that
went away (``| head``) is still the quiet SIGPIPE status, 141.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.config import write_config
from tests.support.mails import mail

EX_IOERR = 74
FULL = Path("/dev/full")  # every write fails with ENOSPC (Linux)

pytestmark = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("full")
    config = write_config(folder, secret_file=True, locale="en")
    raw = mail(subject="VPN down", date=datetime.now(UTC))
    with_file = raw.replace(  # one attachment, for tickets attachment -o -
        b"Content-Type: text/plain",
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain',
        1,
    )
    with_file += (
        b"\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; "
        b'filename="a.bin"\nContent-Transfer-Encoding: base64\n\naGVsbG8K\n--b--\n'
    )
    (folder / "req.eml").write_bytes(with_file)
    exe = shutil.which("ticket-gateway", path=str(Path(sys.executable).parent))
    assert exe
    done = _run(exe, config, "ingest", str(folder / "req.eml"), out=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return exe, config


def _run(exe: str, config: Path, *args: str, out: int) -> subprocess.CompletedProcess[bytes]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TICKET_GATEWAY_", "LANG", "LC_"))
    }
    env["LANG"] = "C.UTF-8"
    return subprocess.run(
        [exe, "--config", str(config), *args],
        env=env,
        stdout=out,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("tickets", "list"),
        ("tickets", "list", "--json"),
        ("tickets", "show", "1", "--json"),
        ("tickets", "cc", "1", "list"),  # one short line
        ("stats", "--json"),
        ("tickets", "attachment", "1", "1", "-o", "-"),  # bytes, not lines
        ("--version",),  # said while the arguments are read
    ],
)
def test_a_full_disk_is_said_in_one_line(site: tuple[str, Path], args: tuple[str, ...]) -> None:
    with FULL.open("wb") as full:
        done = _run(*site, *args, out=full.fileno())
    err = done.stderr.decode()
    assert done.returncode == EX_IOERR, err
    # in our words (gateway.core.os_errors), not the C library's
    assert err == "ticket-gateway: cannot write the output: no space left on the disk\n"
