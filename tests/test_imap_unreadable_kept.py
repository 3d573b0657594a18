"""A message the poller stepped over without storing it (no content after a few passes,
or damaged) must never be moved or flagged processed: it is not stored.

That rested on the keyword ``$GatewayUnreadable`` alone, set on the server: the pass
after a restart (or any pass) moves or flags every message at or below the bookmark
that lacks it. But a server may refuse the keyword (``NO``: the message locked, or a
server that keeps no keywords of ours, as Exchange, the very server that answers
``BODY[] NIL``), or accept it for the session only and forget it. Refused, the pass
failed at every try, so the message was never stepped over: it and all the mail after
it were fetched again at every pass, for ever. Forgotten, it was moved after a restart
unstored. The poller now remembers what it stepped over in the database (with what it
left for a person), and the keyword is only a sign for people.

Dovecot keeps every keyword and refuses none, so the fake server of
tests/support/imap_quirks.py plays it, as in test_imap_damaged.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.core.clock import FakeClock
from gateway.receive.imap.damaged import NO_CONTENT_TRIES
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.refused_acks import MODES, acknowledged, poller, setup

LOCKED = "NO Message is locked by another process"


@sqlite_only
@pytest.mark.parametrize("mode", list(MODES))
def test_a_gap_whose_keyword_is_refused_is_stepped_over_and_never_acknowledged(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    clock: FakeClock = app.clock  # type: ignore[assignment]
    quirky.add(Message(first := mail("first")))
    gap = quirky.add(Message(b"", "nil", refuse=LOCKED, refused_by=("UID STORE",)))
    quirky.add(Message(third := mail("third")))
    account = setup(quirky, tls_files, mode)
    p = poller(app, account)
    with caplog.at_level(logging.WARNING, logger="gateway.imap"):
        for _ in range(NO_CONTENT_TRIES):
            p.poll_once()  # the last one steps over the gap, though the keyword is refused
            clock.advance(timedelta(minutes=1))
        fetched = quirky.messages[gap].fetched
        assert fetched == NO_CONTENT_TRIES
        quirky.add(Message(fourth := mail("fourth")))
        assert p.poll_once() == 1
        assert p.poll_once() == 0
    p.close()
    assert quirky.messages[gap].fetched == fetched  # not asked for any more
    restarted = poller(app, account)
    assert restarted.poll_once() == 0
    restarted.close()
    assert quirky.messages[gap].fetched == fetched
    assert gap in quirky.messages and quirky.messages[gap].flags == set()  # still there
    assert sorted(acknowledged(quirky, account)) == sorted([first, third, fourth])
    assert len(inbox_rows(app)) == 3
    assert f"uid {gap} came without its content {NO_CONTENT_TRIES} times" in caplog.text
    assert "locked by another process" in caplog.text  # the keyword's refusal is said


@sqlite_only
@pytest.mark.parametrize("mode", list(MODES))
def test_a_gap_whose_keyword_the_server_forgot_is_not_acknowledged_after_a_restart(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], mode: str
) -> None:
    """A server that accepts the keyword for the session only (it is not among its
    PERMANENTFLAGS) and has forgotten it by the next connection."""
    quirky.add(Message(first := mail("first")))
    gap = quirky.add(Message(b"", "nil"))
    account = setup(quirky, tls_files, mode)
    p = poller(app, account)
    for _ in range(NO_CONTENT_TRIES):
        p.poll_once()
    p.close()
    assert quirky.messages[gap].flags == {"$GatewayUnreadable"}
    quirky.messages[gap].flags.clear()  # forgotten
    restarted = poller(app, account)
    assert restarted.poll_once() == 0
    quirky.add(Message(third := mail("third")))
    assert restarted.poll_once() == 1
    restarted.close()
    assert gap in quirky.messages and quirky.messages[gap].flags == set()  # not acknowledged
    assert sorted(acknowledged(quirky, account)) == sorted([first, third])
