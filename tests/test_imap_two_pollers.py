"""Two pollers on one folder store each message once, and say it when they meet.

The mailbox lock lets one instance poll a folder (``mailbox_lock``), but two may meet
there all the same: old and new releases side by side during an upgrade (README,
"Several instances"), or an instance that lost its lock finishing the batch in hand.
When both fetched a message and one committed it first, the other's INSERT broke the
unique content hash on PostgreSQL: its pass failed as an "unexpected IntegrityError"
with a traceback, retried with backoff. Now the batch is stored again, the message
recognised as stored, and one warning says what happened.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from gateway.config.settings import ImapSettings
from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from store.accept import generic
from tests.support.databases import postgres_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows


def poller(app: App, account: ImapSettings) -> ImapPoller:
    return ImapPoller(account, app.settings, app.sessions, app.clock)


@postgres_only  # SQLite writes one at a time: no race to lose
def test_a_message_the_other_poller_stored_meanwhile_is_recognised(
    app: App,
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        c.append("INBOX", mail("both pollers fetch this"))
    account = dovecot.account(user, after="flag")
    late, quick = poller(app, account), poller(app, account)
    real = generic._known
    met: list[bool] = []

    def quick_stores_meanwhile(*args: Any, **kwargs: Any) -> Any:
        """``late`` has looked for the message and not found it; ``quick`` stores it
        and commits before ``late`` writes its row."""
        known = real(*args, **kwargs)
        if not met:
            met.append(True)
            assert quick.poll_once() == 1
        return known

    monkeypatch.setattr(generic, "_known", quick_stores_meanwhile)
    with caplog.at_level(logging.INFO, logger="gateway.imap"):
        assert late.poll_once() == 0
        assert late.poll_once() == 0
    late.close()
    quick.close()
    assert met and len(inbox_rows(app)) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert said == [
        f"imap {account.key}: uid 1: stored meanwhile by another poller of this "
        "folder (is another instance polling it?); recognised as stored"
    ]
