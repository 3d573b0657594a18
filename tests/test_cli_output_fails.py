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
EX_TEMPFAIL = 75
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


def _run(
    exe: str,
    config: Path,
    *args: str,
    out: int,
    stdin: bytes = b"",
    lang: str = "C.UTF-8",
    closed: bool = False,
) -> subprocess.CompletedProcess[bytes]:
    """The console script; ``closed``: with its standard output closed, as ``>&-``
    leaves it (``out`` is then not used)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TICKET_GATEWAY_", "LANG", "LC_"))
    }
    env["LANG"] = lang
    command = [exe, "--config", str(config), *args]
    if closed:  # the shell's own way: fd 1 is not open when the program starts
        command = ["sh", "-c", 'exec "$0" "$@" >&-', *command]
    return subprocess.run(
        command,
        input=stdin,
        env=env,
        stdout=None if closed else out,
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
        ("--help",),  # argparse's own write, which swallowed the error (exit 0)
        ("tickets", "--help"),  # a subcommand's parser
    ],
)
def test_a_full_disk_is_said_in_one_line(site: tuple[str, Path], args: tuple[str, ...]) -> None:
    with FULL.open("wb") as full:
        done = _run(*site, *args, out=full.fileno())
    err = done.stderr.decode()
    assert done.returncode == EX_IOERR, err
    # in our words (gateway.core.os_errors), not the C library's
    assert err == "ticket-gateway: cannot write the output: no space left on the disk\n"


@pytest.mark.parametrize(
    "args",
    [
        ("tickets", "list"),
        ("tickets", "show", "1", "--json"),
        ("catalog", "check"),
        ("--version",),
        ("--help",),
    ],
)
def test_a_closed_output_is_said_in_one_line(site: tuple[str, Path], args: tuple[str, ...]) -> None:
    """``>&-``: Python's ``print`` wrote nothing, silently, and the command exited 0."""
    done = _run(*site, *args, out=subprocess.DEVNULL, closed=True)
    err = done.stderr.decode()
    assert done.returncode == EX_IOERR, err
    assert err == "ticket-gateway: cannot write the output: it is closed\n"


def test_the_line_is_in_the_readers_language(site: tuple[str, Path]) -> None:
    """Before any config is read (``--help``), the language is the environment's."""
    done = _run(*site, "--help", out=subprocess.DEVNULL, lang="ja_JP.UTF-8", closed=True)
    assert done.returncode == EX_IOERR
    assert done.stderr.decode() == "ticket-gateway: 出力を書き込めません: 閉じられています\n"


@pytest.mark.parametrize("closed", [False, True])
def test_the_mtas_pipe_says_it_too(site: tuple[str, Path], tmp_path: Path, closed: bool) -> None:
    """``ingest -`` (on SQLite its fast path, which printed past the full disk into a
    traceback and exit 1): stored all the same, and the one line; 75, not 74, which an
    MTA bounces (the message is ours already: its retry is a duplicate, exit 0)."""
    raw = mail(subject=f"Projector {closed}", date=datetime.now(UTC))
    with FULL.open("wb") as full:
        done = _run(*site, "ingest", "-", out=full.fileno(), stdin=raw, closed=closed)
    err = done.stderr.decode()
    assert done.returncode == EX_TEMPFAIL, err
    said = "it is closed" if closed else "no space left on the disk"
    assert err == f"ticket-gateway: cannot write the output: {said}\n"
    again = _run(*site, "ingest", "-", out=subprocess.PIPE, stdin=raw)
    assert again.returncode == 0 and b"already stored" in again.stdout, again
