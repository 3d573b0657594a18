"""Files an operator names in the config that are not the small text files they should
be: a named pipe (``mkfifo``, or a path some tool turned into one), a device
(``/dev/zero``, ``/dev/urandom`` written where a key file was meant), a file far larger
than any config, catalog or key, and a TOML file nested deeper than the parser recurses.

Each ended as a hang (``open()`` of a pipe waits for a writer forever), a
``MemoryError`` traceback (a device never ends) or a ``RecursionError`` traceback. Each
must end at once with exit 78, naming the file and the key, in the reader's language.
The command runs in a child process with a timeout, so a regression fails the test
instead of hanging the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

import pytest

from gateway.core.errors import ConfigError
from tests.support.config import KEY, LOCAL, with_database

BASE = LOCAL + 'address = "support@example.test"\n'


def _run(folder: Path, config: str, *command: str, lang: str = "en_US.UTF-8") -> tuple[int, str]:
    """``ticket-gateway --config folder/gateway.toml COMMAND`` as an operator runs it;
    (exit status, what it said: ``status`` reports on stdout, errors go to stderr).
    At most 60 s: a hang is a failure."""
    path = folder / "gateway.toml"
    path.write_text(config, encoding="utf-8")
    with suppress(ConfigError):  # the site's database, as `run` makes it (status reads it)
        with_database(path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TICKET_GATEWAY", "LC_"))}
    env["LANG"] = lang
    try:
        done = subprocess.run(
            [sys.executable, "-m", "gateway", "--config", str(path), *command],
            cwd=folder,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(command)} hung on {config!r}")
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")


def _said_clearly(status: int, err: str, path: Path, key: str) -> None:
    assert status == 78, err
    assert "Traceback" not in err and "Error:" not in err, err
    assert str(path) in err and key in err, err


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_secret_file_that_is_no_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(tmp_path / "secret.key")
        where = "secret.key"
    else:
        where = "/dev/zero"  # never ends: read whole, it took all memory
    status, err = _run(tmp_path, BASE + f'secret_file = "{where}"\n', "status")
    _said_clearly(status, err, tmp_path / "gateway.toml", "gateway.secret_file")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_catalog_that_is_no_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(tmp_path / "catalog.yaml")
        where = "catalog.yaml"
    else:
        where = "/dev/zero"
    (tmp_path / "m.eml").write_bytes(b"From: a@example.test\nSubject: x\n\nhello\n")
    config = BASE + f'[catalog]\npath = "{where}"\n'
    status, err = _run(tmp_path, config, "catalog", "match", "m.eml")
    assert status == 78, err
    assert "Traceback" not in err and where.split("/")[-1] in err, err


def test_a_config_file_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKET_GATEWAY")}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "gateway", "--config", str(tmp_path / "fifo.toml"), "status"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("a config file that is a named pipe hung the command")
    err = done.stderr.decode()
    assert done.returncode == 78 and "Traceback" not in err and "fifo.toml" in err, err


def test_a_huge_secret_file_is_refused_not_read(tmp_path: Path) -> None:
    """A key is tens of bytes; a file of 2 MB named as one is a mistake (a log, a disk
    image), refused before it is read into memory."""
    big = tmp_path / "secret.key"
    big.write_bytes(KEY.encode() * 60_000)
    big.chmod(0o600)
    status, err = _run(tmp_path, BASE + 'secret_file = "secret.key"\n', "status")
    _said_clearly(status, err, tmp_path / "gateway.toml", "gateway.secret_file")


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "ja_JP.UTF-8"])
@pytest.mark.parametrize("value", ["[" * 3000 + "]" * 3000, "{a=" * 2000 + "1" + "}" * 2000])
def test_a_toml_value_nested_too_deeply_is_refused_not_a_traceback(
    tmp_path: Path, value: str, lang: str
) -> None:
    status, err = _run(tmp_path, BASE + f"[priority]\nx = {value}\n", "status", lang=lang)
    assert status == 78, err
    assert "Traceback" not in err and "RecursionError" not in err, err
    assert str(tmp_path / "gateway.toml") in err
    assert ("nested too deeply" in err) == (lang.startswith("en")), err


def test_the_mta_pipe_with_a_config_nested_too_deeply_exits_75(tmp_path: Path) -> None:
    """``ingest -`` reads the config on a fast path of its own first (the MTA pipe):
    a RecursionError there was a traceback and exit 1, which an MTA bounces. So is 78
    (Postfix: 5.3.5): the pipe says the configuration error and exits 75, kept."""
    config = tmp_path / "gateway.toml"
    config.write_text(BASE + "[priority]\nx = " + "[" * 3000 + "]" * 3000 + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKET_GATEWAY")}
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "--config", str(config), "ingest", "-"],
        input=b"From: a@example.test\nSubject: x\n\nhello\n",
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    err = done.stderr.decode()
    assert done.returncode == 75 and "Traceback" not in err and str(config) in err, err
    assert "not stored: the message stays with the sender" in err, err


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_tls_certificate_that_is_no_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    """``[smtp] tls_cert`` was opened to see that it is readable (a pipe: forever) and
    then read whole for its PEM header (``/dev/zero``: until memory ran out)."""
    (tmp_path / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    if kind == "fifo":
        os.mkfifo(tmp_path / "cert.pem")
        where = "cert.pem"
    else:
        where = "/dev/zero"
    config = BASE + f'[smtp]\ntls_cert = "{where}"\ntls_key = "key.pem"\n'
    status, err = _run(tmp_path, config, "status")
    _said_clearly(status, err, tmp_path / "gateway.toml", "smtp.tls_cert")
