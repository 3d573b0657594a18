"""Stored messages above a message that came without content, whose move or flag the
server refuses: the bookmark stays before the content-less one, so every pass reads
them again, and each pass used to try their acknowledgement again too, whatever
their refusal's wait (``refused``) and even once they were left for a person.

Dovecot can neither answer a FETCH without content nor refuse one message's MOVE, so
the fake server of tests/support/imap_quirks.py plays both, as in test_imap_damaged
and test_imap_refused_ack.

Read again under its own UID, such a message is found stored: that is no return
(``returns``: one put back under a new UID), and counted as one it had the real
returns kept in the folder one move too early.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.core.clock import FakeClock
from gateway.receive.imap import damaged
from gateway.receive.imap.refused import RETRY_FIRST, TRIES
from gateway.receive.imap.returns import MOVES_BACK
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.imap_quirks import Message, QuirkyImap
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.refused_acks import MODES, OVERQUOTA, acknowledged, poller, said, setup, tries_of


@sqlite_only
@pytest.mark.parametrize("mode", list(MODES))
def test_a_refused_one_above_a_gap_waits_for_its_turn(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], mode: str
) -> None:
    clock: FakeClock = app.clock  # type: ignore[assignment]
    quirky.add(Message(first := mail("first")))
    gap = quirky.add(Message(b"", "nil"))
    full = quirky.add(Message(raw := mail("full"), refuse=OVERQUOTA))
    account = setup(quirky, tls_files, mode, batch_size=1)
    p = poller(app, account)
    assert p.poll_once() == 2
    assert tries_of(quirky, full) == 1
    for _ in range(damaged.NO_CONTENT_TRIES - 2):  # the gap stays; passes come and go
        clock.advance(RETRY_FIRST / 4)
        assert p.poll_once() == 0
    assert quirky.messages[gap].flags == set()  # still a gap, read again at each pass
    assert tries_of(quirky, full) == 1  # but the refused move waits for its time
    clock.advance(RETRY_FIRST)
    assert p.poll_once() == 0  # the gap is stepped over now, and the move is due
    assert tries_of(quirky, full) == 2
    p.close()
    assert len(inbox_rows(app)) == 2
    assert quirky.messages[full].raw == raw  # stored, and still in the folder
    assert quirky.messages[gap].flags == {"$GatewayUnreadable"}
    assert acknowledged(quirky, account) == [first]


@sqlite_only
@pytest.mark.parametrize("mode", list(MODES))
def test_one_left_for_a_person_above_a_gap_is_left_alone(
    app: App,
    quirky: QuirkyImap,
    tls_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    """A gap that outlasts the refused one's tries (here: more passes without content
    than tries): once left, it is no longer moved at each pass, nor said again."""
    monkeypatch.setattr(damaged, "NO_CONTENT_TRIES", 3 * TRIES)
    clock: FakeClock = app.clock  # type: ignore[assignment]
    quirky.add(Message(b"", "nil"))
    full = quirky.add(Message(raw := mail("full"), refuse=OVERQUOTA))
    account = setup(quirky, tls_files, mode, batch_size=1)
    p = poller(app, account)
    with caplog.at_level(logging.WARNING, logger="gateway.imap"):
        for _ in range(TRIES):
            p.poll_once()
            clock.advance(timedelta(days=1))
        assert tries_of(quirky, full) == TRIES
        errors = said(caplog, logging.ERROR)
        assert len(errors) == 1 and f"uid {full} left in the folder" in errors[0]
        for _ in range(TRIES):
            assert p.poll_once() == 0
            clock.advance(timedelta(days=1))
    p.close()
    assert tries_of(quirky, full) == TRIES  # left alone
    assert said(caplog, logging.ERROR) == errors
    assert len(inbox_rows(app)) == 1
    assert quirky.messages[full].raw == raw


@pytest.mark.parametrize("mode", list(MODES))
def test_one_read_again_under_its_own_uid_is_no_return(
    app: App, quirky: QuirkyImap, tls_files: tuple[Path, Path], mode: str
) -> None:
    """Only a new UID carrying stored content is a return: :data:`MOVES_BACK` returns
    are acknowledged, the next is kept, whatever the passes read again below them."""
    quirky.add(Message(b"", "nil"))  # the bookmark waits before it
    quirky.add(Message(raw := mail("held"), refuse=OVERQUOTA))  # stored, stays there
    account = setup(quirky, tls_files, mode, batch_size=1)
    with poller(app, account) as p:
        assert p.poll_once() == 1
        for _ in range(MOVES_BACK):  # put back under new UIDs (a sync tool)
            quirky.add(Message(raw))
        assert p.poll_once() == 0  # reads the held one again under its own UID, and those
        assert acknowledged(quirky, account) == [raw] * MOVES_BACK
        kept = quirky.add(Message(raw))  # one return too many
        assert p.poll_once() == 0
    assert acknowledged(quirky, account) == [raw] * MOVES_BACK
    assert kept in quirky.messages
    assert len(inbox_rows(app)) == 1
