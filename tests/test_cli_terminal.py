"""The CLI on a terminal that cannot show every character (an ASCII or EUC-JP one, or
``PYTHONIOENCODING`` set by a cron job): a subject or a translated line it cannot encode
is escaped, never a traceback, and ``--json`` stays valid JSON with the same data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.config import write_config
from tests.support.mails import mail

# a subject no narrow terminal encodes: kanji (not ASCII), a circled digit and an emoji
# (not EUC-JP), a character beyond the BMP (\U escapes are no JSON)
SUBJECT = "プリンタ故障 ① 🖨 end"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("terminal")
    config = write_config(folder, secret_file=True, locale="ja")
    (folder / "req.eml").write_bytes(mail(subject=SUBJECT, date=datetime.now(UTC)))
    exe = shutil.which("ticket-gateway", path=str(Path(sys.executable).parent))
    assert exe
    done = _run(exe, str(config), "ingest", str(folder / "req.eml"), encoding="utf-8")
    assert done.returncode == 0, done.stderr
    return exe, config


def _run(exe: str, config: str, *args: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TICKET_GATEWAY_", "LANG", "LC_"))
    }
    env.update(LANG="ja_JP.UTF-8", PYTHONIOENCODING=encoding)
    return subprocess.run(
        [exe, "--config", config, *args], env=env, capture_output=True, timeout=60, check=False
    )


@pytest.mark.parametrize("encoding", ["ascii", "euc-jp", "latin-1"])
@pytest.mark.parametrize(
    "args",
    [("tickets", "list"), ("tickets", "show", "1"), ("--help",), ("tickets", "show", "x")],
)
def test_lines_for_people_survive_a_narrow_terminal(
    site: tuple[str, Path], encoding: str, args: tuple[str, ...]
) -> None:
    done = _run(*site, *args, encoding=encoding)
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    assert done.returncode in (0, 2), done.stderr
    out = (done.stdout + done.stderr).decode(encoding)  # what it wrote, it could encode
    assert out.strip()


@pytest.mark.parametrize("encoding", ["ascii", "euc-jp", "latin-1", "utf-8"])
@pytest.mark.parametrize(
    "args", [("tickets", "list", "--json"), ("tickets", "show", "1", "--json")]
)
def test_json_is_valid_and_whole_on_any_terminal(
    site: tuple[str, Path], encoding: str, args: tuple[str, ...]
) -> None:
    done = _run(*site, *args, encoding=encoding)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    data = json.loads(done.stdout.decode(encoding))
    ticket = data[0] if isinstance(data, list) else data
    assert ticket["subject"] == SUBJECT


def _waiting_on_its_input(pid: int) -> bool:
    """Whether ``pid`` is blocked reading a pipe (Linux says so in ``wchan``)."""
    try:
        return "pipe_read" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False


@pytest.mark.parametrize("args", [("ingest", "-"), ("ingest",)])
def test_ctrl_c_while_ingest_waits_for_its_input_ends_quietly(
    site: tuple[str, Path], args: tuple[str, ...]
) -> None:
    """Ctrl-C on ``ingest -`` typed by hand (the MTA pipe's path, before argparse):
    130 as every interrupted command, no traceback, nothing stored."""
    import signal
    import time

    exe, config = site
    before = _run(exe, str(config), "inbox", "list", "--json", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TICKET_GATEWAY_", "LC_"))}
    env["LANG"] = "C.UTF-8"
    with subprocess.Popen(
        [exe, "--config", str(config), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        # as a shell starts it: Ctrl-C's default action. A test run before this one in
        # the same worker may leave SIGINT ignored, and a child inherits that (Python
        # then installs no KeyboardInterrupt at all, and the signal is lost)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as proc:
        deadline = time.monotonic() + 30
        while not _waiting_on_its_input(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert out == b""  # no line: nothing was read
    assert (proc.returncode, err) == (130, b""), err.decode(errors="replace")
    after = _run(exe, str(config), "inbox", "list", "--json", encoding="utf-8")
    assert json.loads(after.stdout) == json.loads(before.stdout)
