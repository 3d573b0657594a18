"""``[catalog] path`` naming something that is not a file to read (a named pipe, a
folder, nothing at all): every command says it as the configuration error it is, in
one line naming the config, the key and the file, as an unreadable ``secret_file`` is
said; it said ``fifo:0: cannot read: …`` naming neither the key nor the config. A
named pipe is never opened for a blocking read: the command answers at once (78)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.config import KEY, write_config
from tests.support.daemon import clean_env, console_script
from tests.support.mails import mail


def _cli(config: Path, *args: str, lang: str = "C.UTF-8") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=clean_env(LANG=lang, TICKET_GATEWAY_SECRET=KEY),
        timeout=60,  # a read that blocks on the pipe fails here
        check=False,
    )


def _broken(tmp_path: Path, kind: str) -> Path:
    where = tmp_path / "catalog.yaml"
    if kind == "fifo":
        os.mkfifo(where)
    elif kind == "folder":
        where.mkdir()
    return where


@pytest.mark.parametrize("kind", ["fifo", "folder", "missing"])
@pytest.mark.parametrize("command", [("catalog", "check"), ("ingest", "MAIL")])
def test_a_catalog_path_that_is_no_file_names_the_key_and_the_file(
    tmp_path: Path, kind: str, command: tuple[str, ...]
) -> None:
    catalog = _broken(tmp_path, kind)
    config = write_config(tmp_path, extra=f'[catalog]\npath = "{catalog.name}"\n')
    (tmp_path / "in.eml").write_bytes(mail())
    args = [str(tmp_path / "in.eml") if a == "MAIL" else a for a in command]
    done = _cli(config, *args)
    assert done.returncode == 78, (done.stdout, done.stderr)
    said = done.stdout + done.stderr
    [line] = [x for x in said.splitlines() if str(catalog) in x]
    assert "configuration error" in line and f"{config}: [catalog.path]" in line, said
    assert f"{catalog}:0:" not in said, said
    japanese = _cli(config, *args, lang="ja_JP.UTF-8")
    assert japanese.returncode == 78
    [ja_line] = [x for x in japanese.stderr.splitlines() if str(catalog) in x]
    assert "[catalog.path]" in ja_line and str(config) in ja_line, japanese.stderr
    assert "cannot" not in ja_line, ja_line  # said in Japanese


def test_a_catalog_check_of_a_named_pipe_given_on_the_command_line(tmp_path: Path) -> None:
    """A file named to ``catalog check`` is no configuration: still an input that
    cannot be read (66), answered at once."""
    fifo = _broken(tmp_path, "fifo")
    config = write_config(tmp_path)
    done = _cli(config, "catalog", "check", str(fifo))
    assert done.returncode == 66, (done.stdout, done.stderr)
    assert "named pipe" in done.stdout + done.stderr
