"""``[smtp] max_message_size`` holds on the bytes the poller fetched, not on the size the
server announced.

The poller asks ``RFC822.SIZE`` before it fetches and leaves a message over the limit in
the folder unread (test_imap_batch_bytes). But a size of 0 (or none: ``RFC822.SIZE NIL``,
as Exchange answers for a message it cannot convert) or one smaller than the message
let any size through: fetched whole into memory, then stored. Now the content is fetched
as its first ``max_message_size + 1`` bytes, and a message that fills them is over the
limit whatever was announced: it is treated as an honest one over the limit is (the
keyword ``$GatewayUnreadable``, one error, left in the folder for a person, stepped over,
never moved or flagged), and the mail around it is stored.

A real Dovecot cannot be made to hand out more than it announces: a Maildir file whose
name says a smaller virtual size (``W=``) is announced *and* handed out cut to that
size, and a wrong physical size (``S=``) fails the FETCH as damaged. So the fake server
of tests/support/imap_quirks.py plays the lying server.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.receive.imap import ImapPoller
from gateway.receive.imap.batches import FETCH_BYTES
from gateway.receive.imap.folder import UNREADABLE
from gateway.runtime.app import App
from store import sources
from store.db import transaction
from tests.support.databases import sqlite_only
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.pipeline import inbox_raw, inbox_rows
from tests.support.refused_acks import MODES, acknowledged, setup

MOST = 10_000


def _big(subject: str, size: int) -> bytes:
    line = b"A" * 76 + b"\r\n"
    return mail(subject).replace(b"\n", b"\r\n") + line * (size // len(line))


LIES = [
    pytest.param({"size": 0}, id="RFC822.SIZE 0"),
    pytest.param({"size_nil": True}, id="RFC822.SIZE NIL"),
    pytest.param({"size": 2_000}, id="RFC822.SIZE smaller than the message"),
]


@sqlite_only
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("lie", LIES)
def test_a_message_over_the_limit_is_left_whatever_size_the_server_announced(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    lie: dict[str, object],
    mode: str,
) -> None:
    quirky.add(Message(first := mail("small")))
    big = quirky.add(Message(_big("too big", 3 * MOST), **lie))  # type: ignore[arg-type]
    quirky.add(Message(third := mail("small too")))
    account = setup(quirky, tls_files, mode)
    settings = replace(app.settings, smtp=replace(app.settings.smtp, max_message_size=MOST))
    with caplog.at_level(logging.ERROR, logger="gateway.imap"):
        p = ImapPoller(account, settings, app.sessions, app.clock)
        assert p.poll_once() == 2
        assert p.poll_once() == 0
        p.close()
        restarted = ImapPoller(account, settings, app.sessions, app.clock)
        assert restarted.poll_once() == 0
        restarted.close()
    rows = inbox_rows(app)
    assert sorted(inbox_raw(app, r.id) for r in rows) == sorted([first, third])
    assert all(len(inbox_raw(app, r.id)) <= MOST for r in rows)
    assert quirky.messages[big].fetched == 1  # read once, never again
    assert big in quirky.messages and UNREADABLE in quirky.messages[big].flags
    assert sorted(acknowledged(quirky, account)) == sorted([first, third])
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1, said
    assert said[0].startswith(f"imap {account.key}: uid {big} is more than {MOST} bytes")
    assert f"max_message_size ({MOST} bytes)" in said[0]
    with transaction(app.sessions) as s:
        assert sources.bookmark(s, account.source).last_uid == 3


@sqlite_only
@pytest.mark.parametrize("lie", LIES)
def test_a_batch_whose_sizes_lie_holds_no_more_than_fetch_bytes(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], lie: dict[str, object]
) -> None:
    """Each message is fetched as at most ``max_message_size + 1`` bytes, but a batch is
    cut by the sizes announced: messages announced as 0 (or none, or less) beside an
    honest one came in one FETCH, ``batch_size`` times that limit at worst (here three
    of 2/5 of FETCH_BYTES, under a limit of half of it: 6/5 of FETCH_BYTES held at
    once). Now no FETCH brings more than FETCH_BYTES of mail whatever was announced,
    and every message is stored whole, once."""
    size = FETCH_BYTES * 2 // 5
    raws = [
        _big("honest scan", size),
        _big("scan that lies", size),
        _big("another that lies", size),
        mail("small"),
    ]
    quirky.add(Message(raws[0]))
    for raw in raws[1:3]:
        quirky.add(Message(raw, **lie))  # type: ignore[arg-type]
    quirky.add(Message(raws[3]))
    account = setup(quirky, tls_files, "move")
    smtp = replace(app.settings.smtp, max_message_size=FETCH_BYTES // 2)
    with ImapPoller(account, replace(app.settings, smtp=smtp), app.sessions, app.clock) as p:
        assert p.poll_once() == len(raws)
        assert p.poll_once() == 0
    assert quirky.most_fetched <= FETCH_BYTES
    assert sorted(inbox_raw(app, r.id) for r in inbox_rows(app)) == sorted(raws)
    assert sorted(acknowledged(quirky, account)) == sorted(raws)
    with transaction(app.sessions) as s:
        assert sources.bookmark(s, account.source).last_uid == len(raws)
