"""A folder of 1 000 messages (a first start on a busy support box, or a backlog after
an outage), read from a real Dovecot: in batches, and a crash half-way loses nothing
and stores nothing twice."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from imapclient import IMAPClient

from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows

COUNT, BATCH = 1000, 50


class Crash(Exception):
    """The power cut: raised after a batch was committed, before it was moved."""


@sqlite_only
def test_a_crash_half_way_through_a_thousand_messages_loses_none_and_doubles_none(
    app: App, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        for n in range(COUNT):
            c.append("INBOX", mail(f"request {n}", message_id=f"<r{n}@customer.test>"))
    fetched: list[int] = []
    real_fetch = IMAPClient.fetch

    def counting(client: IMAPClient, messages: Any, data: Any, *args: Any, **kw: Any) -> Any:
        if any("BODY.PEEK[]" in str(item) for item in data):
            fetched.append(len(messages))
        return real_fetch(client, messages, data, *args, **kw)

    monkeypatch.setattr(IMAPClient, "fetch", counting)
    batches = 0

    def crash_at_the_eleventh() -> None:
        nonlocal batches
        batches += 1
        if batches == 11:
            raise Crash

    account = dovecot.account(user, batch_size=BATCH)
    crashing = ImapPoller(account, app.settings, app.sessions, app.clock, crash_at_the_eleventh)
    with pytest.raises(Crash):
        crashing.poll_once()
    crashing._drop()  # no LOGOUT: the process is gone
    assert len(inbox_rows(app)) == 11 * BATCH  # the eleventh was committed, not moved
    assert max(fetched) <= BATCH

    with ImapPoller(account, app.settings, app.sessions, app.clock) as again:
        assert again.poll_once() == COUNT - 11 * BATCH
        assert again.poll_once() == 0
    assert max(fetched) <= BATCH
    refs = Counter(r.message_id for r in inbox_rows(app))
    assert len(refs) == COUNT and set(refs.values()) == {1}
    with dovecot.client(user) as c:
        c.select_folder("INBOX", readonly=True)
        assert c.search("ALL") == []
        c.select_folder(account.processed_folder, readonly=True)
        moved = c.fetch(c.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    ids = Counter(d[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].strip() for d in moved.values())
    assert len(ids) == COUNT and set(ids.values()) == {1}
