"""A customer's text cannot command the operator's terminal (a security regression).

A mail's subject and body, a sender's name and a note are printed by ``tickets list``,
``tickets show`` and the other commands. The parser drops the C0 controls of a mail,
but the C1 controls (U+009B is CSI, U+009D is OSC: ``\\x9b2J`` clears a VTE or xterm
screen, ``\\x9d0;TITLE\\x07`` retitles its window) and Unicode's bidirectional overrides
(an unclosed U+202E reverses the rest of the line) were written as they came, and an
operator's own ``tickets note`` with an ESC too. Every such character is written as its
``\\u`` escape: seen, never obeyed; ``--json`` stays valid JSON with the same strings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.config import write_config
from tests.support.mails import mail

SUBJECT = "invoice \u202etxt.exe done"
BODY = "line one \x9b2J\x9d0;PWNED\x07 after\nrlo \u2066x\u2069 end\n"
NOTE = "see \x1b[31mred\x1b[0m and \x1b]0;PWNED\x07 \r over"
# what a terminal would obey: C0 but tab and line feed, DEL, C1, bidi embeddings/isolates
OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("controls")
    config = write_config(folder, secret_file=True, locale="en")
    raw = mail(subject=SUBJECT, body=BODY, date=datetime.now(UTC))
    (folder / "req.eml").write_bytes(raw)
    exe = shutil.which("ticket-gateway", path=str(Path(sys.executable).parent))
    assert exe
    for args in (("ingest", str(folder / "req.eml")), ("tickets", "note", "1", NOTE)):
        done = _run(exe, config, *args)
        assert done.returncode == 0, done.stderr
    return exe, config


def _run(exe: str, config: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TICKET_GATEWAY_", "LANG", "LC_"))
    }
    env.update(LANG="C.UTF-8", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [exe, "--config", str(config), *args], env=env, capture_output=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ("tickets", "list"),
        ("tickets", "show", "1"),
        ("tickets", "list", "--json"),
        ("tickets", "show", "1", "--json"),
        ("inbox", "list"),
    ],
)
def test_no_control_character_reaches_the_terminal(
    site: tuple[str, Path], args: tuple[str, ...]
) -> None:
    done = _run(*site, *args)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    out = done.stdout.decode("utf-8") + done.stderr.decode("utf-8")
    assert not OBEYED.findall(out)


def test_the_lines_show_what_was_escaped(site: tuple[str, Path]) -> None:
    out = _run(*site, "tickets", "show", "1").stdout.decode("utf-8")
    assert "invoice \\u202etxt.exe done" in out
    assert "\\u009b2J\\u009d0;PWNED" in out
    assert "\\u001b[31mred" in out


@pytest.mark.parametrize(
    "args", [("tickets", "list", "--json"), ("tickets", "show", "1", "--json")]
)
def test_json_keeps_the_same_strings(site: tuple[str, Path], args: tuple[str, ...]) -> None:
    data = json.loads(_run(*site, *args).stdout)
    ticket = data[0] if isinstance(data, list) else data
    assert ticket["subject"] == SUBJECT
    if "messages" in ticket:
        assert "\x9b2J\x9d0;PWNED" in ticket["messages"][0]["text"]
        notes = [e["detail"]["text"] for e in ticket["events"] if e["kind"] == "note"]
        assert notes == [NOTE]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain\ttab\nline", "plain\ttab\nline"),
        ("日本語 é ✓", "日本語 é ✓"),
        ("\x1b[2J", "\\u001b[2J"),
        ("a\rb", "a\\u000db"),
        ("\x7f\x80\x9f", "\\u007f\\u0080\\u009f"),
        ("\u202a\u202e\u2066\u2069", "\\u202a\\u202e\\u2066\\u2069"),
        ("\u200f\u05d0", "\u200f\u05d0"),  # a mark and Hebrew letters: text, not commands
        ("bad\udcff.eml", "bad\\udcff.eml"),  # a file name's byte that is not UTF-8
    ],
)
def test_shown(text: str, expected: str) -> None:
    from gateway.runtime.cli.terminal import shown

    assert shown(text) == expected


def test_a_file_name_that_is_not_utf8_is_said_not_a_traceback(
    site: tuple[str, Path], tmp_path: Path
) -> None:
    """A UTF-8 terminal's encoder is strict (a ja_JP.UTF-8 login): the byte of a file
    name that is not UTF-8 reached it as a lone surrogate, and ``ingest`` ended in
    UnicodeEncodeError after storing the file (exit 75; a folder's later files never
    read). Now the name is said with the byte escaped, and the file is stored."""
    exe, config = site
    name = os.fsdecode(b"bad\xff.eml")
    (tmp_path / name).write_bytes(mail(subject="printer jam", date=datetime.now(UTC)))
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TICKET_GATEWAY_", "LANG", "LC_"))
    }
    env.update(LANG="C.UTF-8", PYTHONIOENCODING="utf-8:strict")
    done = subprocess.run(
        [exe, "--config", str(config), "ingest", str(tmp_path / name)],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert "bad\\udcff.eml: stored as inbox #" in done.stdout.decode("utf-8")


def _read_all(fd: int) -> bytes:
    import select

    got = b""
    while select.select([fd], [], [], 0.5)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        got += chunk
    return got


def test_an_attachment_is_not_written_to_a_terminal(tmp_path: Path) -> None:
    """``tickets attachment ID N -o -`` on a terminal: a customer's file holding escape
    sequences would be obeyed as they are written. It is refused there (exit 64, saying
    to pipe it or give --force); a pipe or a file gets the bytes as they are."""
    import pty
    from email.message import EmailMessage

    payload = b"\x1b]0;PWNED\x07\x1b[2Jwiped\n"
    msg = EmailMessage()
    msg["From"] = "Mallory <mallory@evil.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "a file"
    msg["Message-ID"] = "<file-1@evil.test>"
    msg.set_content("see the file\n")
    msg.add_attachment(payload, maintype="text", subtype="plain", filename="log.txt")
    config = write_config(tmp_path, secret_file=True, locale="en")
    (tmp_path / "req.eml").write_bytes(bytes(msg))
    exe = shutil.which("ticket-gateway", path=str(Path(sys.executable).parent))
    assert exe
    assert _run(exe, config, "ingest", str(tmp_path / "req.eml")).returncode == 0
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TICKET_GATEWAY_", "LANG", "LC_"))
    }
    env["LANG"] = "C.UTF-8"
    argv = [exe, "--config", str(config), "tickets", "attachment", "1", "1", "-o", "-"]
    for extra, code in (((), 64), (("--force",), 0)):
        main_fd, terminal = pty.openpty()
        try:
            done = subprocess.run(
                [*argv, *extra],
                env=env,
                stdout=terminal,
                stderr=subprocess.PIPE,
                timeout=60,
                check=False,
            )
            os.close(terminal)
            written = _read_all(main_fd)
        finally:
            os.close(main_fd)
        assert done.returncode == code, done.stderr.decode(errors="replace")
        assert (b"PWNED" in written) == bool(extra)
        if not extra:
            assert b"--force" in done.stderr
    piped = _run(exe, config, "tickets", "attachment", "1", "1", "-o", "-")
    assert (piped.returncode, piped.stdout) == (0, payload)
