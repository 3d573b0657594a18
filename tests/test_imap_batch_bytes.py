"""A batch of the IMAP poller holds a bounded amount of mail, not ``batch_size`` messages
of any size.

A support mailbox full of scans and screenshots is ordinary: 50 messages of 10 MB (the
default ``batch_size``) fetched in one FETCH took about three times their size in
memory, 1.4 GB, past the unit's ``MemoryMax=1G``. The daemon was killed, restarted,
fetched the same batch again and was killed again, and nothing after that batch was ever
read (nor any SMTP mail taken meanwhile). So the sizes are asked first and a fetch stops
at :data:`gateway.receive.imap.batches.FETCH_BYTES`; a message bigger than that comes
alone.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from gateway.receive.imap import ImapPoller
from gateway.receive.imap.batches import FETCH_BYTES
from gateway.receive.imap.folder import UNREADABLE
from gateway.runtime.app import App
from store import sources
from store.db import transaction
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows


def _big(subject: str, size: int) -> bytes:
    """A message of about ``size`` bytes (lines of 76, as base64 would be)."""
    line = b"A" * 76 + b"\r\n"
    return mail(subject).replace(b"\n", b"\r\n") + line * (size // len(line))


@sqlite_only
def test_a_fetch_stops_at_fetch_bytes_and_a_bigger_message_comes_alone(
    app: App, dovecot: Dovecot
) -> None:
    user = dovecot.add_user()
    sizes = [FETCH_BYTES * 2 // 5] * 4 + [FETCH_BYTES + 1000] + [2000] * 3
    with dovecot.client(user) as c:
        for n, size in enumerate(sizes):
            c.append("INBOX", _big(f"scan {n}", size))
    batches: list[int] = []
    account = dovecot.account(user, batch_size=50)
    with ImapPoller(
        account,
        app.settings,
        app.sessions,
        app.clock,
        on_stored=lambda: batches.append(len(inbox_rows(app))),
    ) as p:
        assert p.poll_once() == len(sizes)
    # two of 2/5 fit under the limit, the third would not; the big one alone; the
    # small ones after it together
    assert batches == [2, 4, 5, 8]
    with dovecot.client(user) as c:
        c.select_folder("Processed", readonly=True)
        assert len(c.search("ALL")) == len(sizes)


@sqlite_only
@pytest.mark.parametrize("newest", [False, True])
def test_a_message_over_max_message_size_is_left_in_the_folder_and_stepped_over(
    app: App, dovecot: Dovecot, caplog: pytest.LogCaptureFixture, newest: bool
) -> None:
    """``[smtp] max_message_size`` bounds what SMTP takes (and what the disk check
    keeps room for); the poller fetched a message of any size whole, into memory and
    into the database. Now one over the limit is never fetched: it keeps the keyword
    $GatewayUnreadable and stays in the folder for a person, one error says its size,
    and the mail before and after it is stored; a second pass says nothing again."""
    user = dovecot.add_user()
    subjects = ["small", "small too", "too big"] if newest else ["small", "too big", "small too"]
    with dovecot.client(user) as c:
        for subject in subjects:
            c.append("INBOX", _big(subject, 20_000 if subject == "too big" else 0))
    smtp = replace(app.settings.smtp, max_message_size=10_000)
    account = dovecot.account(user)
    big = subjects.index("too big") + 1
    with (
        ImapPoller(account, replace(app.settings, smtp=smtp), app.sessions, app.clock) as p,
        caplog.at_level(logging.ERROR, logger="gateway.imap"),
    ):
        assert p.poll_once() == 2
        assert p.poll_once() == 0
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and said[0].startswith(f"imap {account.key}: uid {big} is 20"), said
    assert "max_message_size (10000 bytes)" in said[0]
    with dovecot.client(user) as c:
        c.select_folder("INBOX", readonly=True)
        assert c.search("ALL") == [big]
        assert UNREADABLE.encode() in c.get_flags([big])[big]
        c.select_folder("Processed", readonly=True)
        assert len(c.search("ALL")) == 2
    with transaction(app.sessions) as s:
        assert sources.bookmark(s, account.source).last_uid == 3
