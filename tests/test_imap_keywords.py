"""Flag mode on a server that keeps no keyword of ours (Exchange, Microsoft 365).

Exchange announces ``PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)``,
without ``\\*``: it keeps no keyword a client makes up, and refuses a STORE of one. With
``after = "flag"`` and the default ``processed_flag = "$Processed"``, every stored
message was refused its flag, tried again five times and then left in the folder as a
health problem of its own (each one an alert to the managers). The setting cannot work
there, so it is said once, before anything is read, with what to set instead; the mail
waits on the server until then. A flag the server keeps (``\\Flagged``) works, and a
server that announces no PERMANENTFLAGS keeps every flag (RFC 3501).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gateway.receive.imap import ImapError
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.polling import running
from tests.support.refused_acks import poller, setup
from tests.support.waiting import eventually

EXCHANGE = r"\Seen \Answered \Flagged \Deleted \Draft"


@sqlite_only
def test_a_keyword_the_server_cannot_keep_is_said_once_and_nothing_is_read(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    quirky.permanent_flags = EXCHANGE
    quirky.add(Message(mail("waits on the server")))
    account = setup(quirky, tls_files, "flag")
    first = poller(app, account)
    with pytest.raises(ImapError) as raised:
        first.poll_once()
    first.close()
    said = str(raised.value)
    assert said.startswith(
        f"the folder INBOX on 127.0.0.1:{quirky.port} keeps no keyword $Processed "
        f"(PERMANENTFLAGS: {EXCHANGE}): "
    ), said
    assert 'processed_flag = "\\\\Flagged"' in said and 'after = "move"' in said
    assert inbox_rows(app) == [] and quirky.messages[1].flags == set()

    p = poller(app, account)
    with caplog.at_level(logging.INFO, logger="gateway.imap"), running(p):
        assert eventually(lambda: p.status.failures >= 3)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "keeps no keyword $Processed" in errors[0], errors
    assert inbox_rows(app) == []


@sqlite_only
@pytest.mark.parametrize(
    ("announced", "flag", "after"),
    [
        (EXCHANGE, "\\Flagged", "flag"),  # a system flag it keeps
        (EXCHANGE, "$Processed", "move"),  # no flag needed
        (EXCHANGE.replace("Draft", "Draft $Processed"), "$Processed", "flag"),  # listed
        (EXCHANGE + r" \*", "$Processed", "flag"),  # Dovecot's: any keyword
        (None, "$Processed", "flag"),  # no PERMANENTFLAGS line: all are kept
    ],
)
def test_a_flag_the_server_keeps_is_set(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    announced: str | None,
    flag: str,
    after: str,
) -> None:
    quirky.permanent_flags = announced
    quirky.add(Message(mail("stored and acknowledged")))
    account = setup(quirky, tls_files, after, processed_flag=flag)
    p = poller(app, account)
    assert p.poll_once() == 1
    assert p.poll_once() == 0
    p.close()
    assert len(inbox_rows(app)) == 1
    if after == "flag":
        assert quirky.messages[1].flags == {flag}
    else:
        assert quirky.messages == {} and len(quirky.folders["Processed"]) == 1
