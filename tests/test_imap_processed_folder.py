"""A ``processed_folder`` the server will not create (a name it refuses, a right or a
folder quota the account lacks), tried against the real Dovecot of the other IMAP tests:
nothing is read, since nothing read could be moved, and the operator is told which
setting to change, once, in the log and in ``status``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from gateway.receive.imap import ImapError
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.polling import running
from tests.support.waiting import eventually
from tests.test_imap_trouble import append, folder_flags, poller


@pytest.fixture
def refused_folder(dovecot: Dovecot) -> Iterator[tuple[str, str]]:
    """A mailbox with one message, and a folder name Dovecot refuses to create."""
    user = dovecot.add_user()
    append(dovecot, user, mail("waiting"))
    yield user, "Done/2026"  # Maildir++ separates with '.': '/' is no character of a name


@sqlite_only
def test_a_processed_folder_that_cannot_be_created_names_the_setting_and_reads_nothing(
    app: App, dovecot: Dovecot, refused_folder: tuple[str, str]
) -> None:
    """It was said as ``127.0.0.1:… refused a command: create failed: [CANNOT] …``,
    which names neither the folder nor the setting to change."""
    user, name = refused_folder
    account = dovecot.account(user, after="move", processed_folder=name)
    p = poller(app, account)
    with pytest.raises(ImapError) as refused:
        p.poll_once()
    p.close()
    where = f"{account.host}:{account.port}"
    assert str(refused.value) == (
        f"the folder 'Done/2026' for processed messages cannot be created on {where}: "
        "[CANNOT] Invalid mailbox name: Name must not have '/' characters.; create it by "
        "hand, or set processed_folder to a folder the account may create; messages stay "
        "on the server until then"
    )
    assert inbox_rows(app) == []
    assert list(folder_flags(dovecot, user)) == [1]


@sqlite_only
def test_it_is_said_once_retried_and_the_mail_is_read_once_the_setting_is_changed(
    app: App,
    dovecot: Dovecot,
    refused_folder: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    user, name = refused_folder
    account = dovecot.account(user, after="move", processed_folder=name)
    p = poller(app, account)
    with caplog.at_level(logging.INFO, logger="gateway.imap"), running(p):
        assert eventually(lambda: p.status.failures >= 3)
        assert inbox_rows(app) == []
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"imap {account.key}: the folder 'Done/2026' for processed")
    assert str(p.status.last_problem).endswith("messages stay on the server until then")
    fixed = dovecot.account(user, after="move", processed_folder="Done")
    with poller(app, fixed) as q:
        assert q.poll_once() == 1
    assert folder_flags(dovecot, user) == {}
    assert list(folder_flags(dovecot, user, "Done")) == [1]
