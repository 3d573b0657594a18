"""The daemon out of file descriptors (``LimitNOFILE`` reached) while SMTP clients and
browsers connect at once. It does not stall: once connections close, mail is taken and
pages are served again. But asyncio logged a traceback for every accept it tried on
the listening socket, up to the listen backlog each time and again at every retry:
some 2,800 tracebacks (over a megabyte of journal) in five seconds, none of them
saying what to do. Now one warning per listener and minute says it in our words."""

from __future__ import annotations

import resource
import smtplib
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

LIMIT = 96  # the daemon's RLIMIT_NOFILE: enough to start, soon used up by clients


@sqlite_only
def test_out_of_file_descriptors_is_said_once_and_the_doors_come_back(
    tmp_path: Path, db_url: str
) -> None:
    smtp_port, web_port = free_port(), free_port()
    config = write_config(tmp_path, port=smtp_port, extra=f"[web]\nport = {web_port}\n")
    log = tmp_path / "stderr.log"

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))

    with log.open("wb") as err:
        proc = subprocess.Popen(
            [console_script(), "--config", str(config), "run"],
            env=clean_env(**SECRET_ENV),
            stderr=err,
            preexec_fn=limited,
        )
        try:
            wait_for_port(smtp_port, proc)
            wait_for_port(web_port, proc)
            held = [
                socket.create_connection(("127.0.0.1", web_port if n % 2 else smtp_port), 2)
                for n in range(LIMIT + 20)
            ]
            # the limit reached (said in the log), not a fixed 1.5s a loaded machine
            # may need more than
            assert eventually(lambda: "is reached" in log.read_text(errors="replace"))
            for s in held:
                s.close()
            time.sleep(1.2)  # the accept retries, a second apart
            # answered once the accept is tried again: only a failure waits this long
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=PATIENCE) as client:
                client.sendmail("a@customer.test", ["support@example.test"], mail("after"))
            with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/", timeout=PATIENCE) as page:
                assert page.status == 200
        finally:
            proc.terminate()
            proc.wait(30)
    text = log.read_text(errors="replace")
    assert text.count("Traceback") == 0, text[text.find("Traceback") - 200 :][:4000]
    # (the start's "the daemon may hold N open files" is not one of them)
    said = [line for line in text.splitlines() if "open files" in line and "reached" in line]
    assert 1 <= len(said) <= 2, said  # the web listener, and the SMTP one if it hit it too
    assert f"limit of open files ({LIMIT}) is reached" in said[0], said
    assert "LimitNOFILE" in said[0], said
