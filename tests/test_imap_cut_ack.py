"""The connection cut while the poller moves or flags what it stored, against the real
Dovecot of the other IMAP tests: before the server ran the command, or after it ran it
and before its answer came. Either way each message is stored once, nothing is lost,
and ``processed_folder`` holds each message once (the cut is an outage: nothing is
left for a person, and the next pass finishes the work).
"""

from __future__ import annotations

import contextlib
import imaplib
import socket
from collections import Counter
from typing import Any

import pytest
from imapclient import IMAPClient

from gateway.receive.imap import ImapError
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.test_imap_trouble import append, folder_flags, poller

# (after, a server without MOVE and UIDPLUS, the command cut): each way of acknowledging
CUTS = [
    ("move", False, "move"),  # MOVE
    ("move", True, "copy"),  # COPY, then \Deleted, then EXPUNGE
    ("move", True, "add_flags"),
    ("move", True, "expunge"),
    ("flag", False, "add_flags"),  # the keyword
]


def message_ids(dovecot: Dovecot, user: str, folder: str) -> Counter[bytes]:
    with dovecot.client(user) as c:
        c.select_folder(folder, readonly=True)
        found = c.fetch(c.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    return Counter(d[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].strip() for d in found.values())


@sqlite_only
@pytest.mark.parametrize("ran", [False, True], ids=["before-it-ran", "answer-lost"])
@pytest.mark.parametrize(("after", "legacy", "command"), CUTS)
def test_a_cut_while_acknowledging_stores_once_and_moves_once(
    app: App,
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    after: str,
    legacy: bool,
    command: str,
    ran: bool,
) -> None:
    user = dovecot.add_user(legacy=legacy)
    append(dovecot, user, mail("first"), mail("second"), mail("third"))
    account = dovecot.account(user, after=after, batch_size=2)
    p = poller(app, account)
    real = getattr(IMAPClient, command)
    cut: list[bool] = []

    def cut_once(client: IMAPClient, *args: Any, **kwargs: Any) -> Any:
        if client is not p._client or cut:
            return real(client, *args, **kwargs)
        cut.append(True)
        if ran:
            real(client, *args, **kwargs)  # the server ran it; its answer never comes
        client.socket().shutdown(socket.SHUT_RDWR)
        raise imaplib.IMAP4.abort("socket error: EOF")

    monkeypatch.setattr(IMAPClient, command, cut_once)
    for _ in range(3):
        with contextlib.suppress(ImapError):
            p.poll_once()
    p.close()
    assert cut
    assert len(inbox_rows(app)) == 3
    assert p._acks.left == {}
    if after == "flag":
        assert all(b"$Processed" in f for f in folder_flags(dovecot, user).values())
        return
    assert folder_flags(dovecot, user) == {}
    moved = message_ids(dovecot, user, account.processed_folder)
    assert len(moved) == 3 and set(moved.values()) == {1}, moved
