"""The real Dovecot stops between the FETCH of a batch and its move or flag (the
provider's maintenance, a crash): after it is back, every message is stored exactly
once, none is lost, and each is moved or flagged once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from imapclient import IMAPClient

from gateway.receive.imap import ImapError, ImapPoller
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Certs, Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows


@pytest.fixture
def server(dovecot_certs: Certs) -> Iterator[Dovecot]:
    server = Dovecot(dovecot_certs)
    server.start()
    yield server
    server.destroy()


def message_ids(server: Dovecot, user: str, folder: str) -> Counter[bytes]:
    with server.client(user) as c:
        c.select_folder(folder, readonly=True)
        found = c.fetch(c.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    return Counter(d[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].strip() for d in found.values())


@sqlite_only
@pytest.mark.parametrize(("after", "legacy"), [("move", False), ("move", True), ("flag", False)])
def test_the_server_stopping_after_the_fetch_loses_nothing_and_doubles_nothing(
    app: App, server: Dovecot, monkeypatch: pytest.MonkeyPatch, after: str, legacy: bool
) -> None:
    user = server.add_user(legacy=legacy)
    with server.client(user) as c:
        for n in range(5):
            c.append("INBOX", mail(f"request {n}", message_id=f"<r{n}@customer.test>"))
    account = server.account(user, after=after, batch_size=2)
    command = {"move": "copy" if legacy else "move", "flag": "add_flags"}[after]
    real = getattr(IMAPClient, command)
    stopped: list[bool] = []

    def stop_first(client: IMAPClient, *args: Any, **kwargs: Any) -> Any:
        if not stopped and len(inbox_rows(app)) == 4:  # the second batch stored
            stopped.append(True)
            server.stop()
        return real(client, *args, **kwargs)

    monkeypatch.setattr(IMAPClient, command, stop_first)
    p = ImapPoller(account, app.settings, app.sessions, app.clock)
    with pytest.raises(ImapError):
        p.poll_once()
    assert stopped and len(inbox_rows(app)) == 4
    with pytest.raises(ImapError, match="connection refused"):
        p.poll_once()  # still down: an outage, nothing stepped over
    server.start()
    assert p.poll_once() == 1
    assert p.poll_once() == 0
    p.close()
    assert p._acks.left == {} and p._acks.refused == {}
    stored = Counter(r.message_id for r in inbox_rows(app))
    assert len(stored) == 5 and set(stored.values()) == {1}
    if after == "flag":
        with server.client(user) as c:
            c.select_folder("INBOX", readonly=True)
            flags = c.get_flags(c.search("ALL"))
        assert len(flags) == 5 and all(b"$Processed" in f for f in flags.values())
        return
    assert message_ids(server, user, "INBOX") == Counter()
    moved = message_ids(server, user, account.processed_folder)
    assert len(moved) == 5 and set(moved.values()) == {1}, moved
