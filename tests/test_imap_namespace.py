"""A server that keeps an account's folders under a prefix (Courier-IMAP, the server of
many Japanese ISPs' and cPanel hosts' mailboxes: ``INBOX.``, separated by dots),
played by the real Dovecot of the other IMAP tests with such a namespace.

The default ``processed_folder = "Processed"`` cannot be created there. Courier
answers only ``NO Invalid mailbox name.``, so the operator was told "create it by
hand, or set processed_folder to a folder the account may create" without the name
that would work; the server's NAMESPACE says it: ``INBOX.Processed``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.core.i18n import translate
from gateway.receive.imap import ImapError
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Certs, Dovecot
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.test_imap_trouble import append, folder_flags, poller

FLAT = "namespace inbox {\n  inbox = yes\n}"
PREFIXED = "namespace inbox {\n  inbox = yes\n  prefix = INBOX.\n  separator = .\n}"


@pytest.fixture
def courier(dovecot_certs: Certs) -> Iterator[Dovecot]:
    """A Dovecot whose personal namespace is ``INBOX.`` with ``.``, as Courier's."""
    server = Dovecot(dovecot_certs)
    config = server.root / "dovecot.conf"
    assert FLAT in config.read_text()
    config.write_text(config.read_text().replace(FLAT, PREFIXED))
    server.start()
    yield server
    server.destroy()


@sqlite_only
def test_a_processed_folder_outside_the_namespace_is_said_with_the_name_that_works(
    app: App, courier: Dovecot
) -> None:
    user = courier.add_user()
    append(courier, user, mail("waiting"))
    account = courier.account(user, after="move")
    with pytest.raises(ImapError) as refused:
        poller(app, account).poll_once()
    said = str(refused.value)
    assert said.startswith("the folder 'Processed' for processed messages cannot be created")
    assert said.endswith(
        "; the server keeps the account's folders under 'INBOX.': set processed_folder = "
        "'INBOX.Processed'; messages stay on the server until then"
    ), said
    japanese = translate(refused.value.message, "ja")
    assert "processed_folder = 'INBOX.Processed'" in japanese and "server" not in japanese
    assert inbox_rows(app) == []

    fixed = courier.account(user, after="move", processed_folder="INBOX.Processed")
    with poller(app, fixed) as p:
        assert p.poll_once() == 1
    assert folder_flags(courier, user) == {}
    assert list(folder_flags(courier, user, "INBOX.Processed")) == [1]


@sqlite_only
def test_a_folder_outside_the_namespace_is_said_with_the_name_that_works(
    app: App, courier: Dovecot
) -> None:
    """``folder = "Support"`` on such a server: it was said as "… refused a command:
    select failed: …", naming neither the setting nor the name the folder has there."""
    user = courier.add_user()
    with courier.client(user) as c:
        c.create_folder("INBOX.Support")
        c.append("INBOX.Support", mail("for the team"))
    account = courier.account(user, folder="Support", after="flag")
    with pytest.raises(ImapError) as refused:
        poller(app, account).poll_once()
    said = str(refused.value)
    assert said.startswith(
        f"the folder 'Support' does not exist on 127.0.0.1:{account.port} for the account "
        f"'{user}' ("
    ), said
    assert said.endswith(
        "); the server keeps the account's folders under 'INBOX.': set folder = 'INBOX.Support'"
    ), said
    assert "folder = 'INBOX.Support'" in translate(refused.value.message, "ja")

    fixed = courier.account(user, folder="INBOX.Support", after="flag")
    with poller(app, fixed) as p:
        assert p.poll_once() == 1


@sqlite_only
def test_a_folder_that_does_not_exist_names_the_setting(app: App, courier: Dovecot) -> None:
    user = courier.add_user()
    account = courier.account(user, folder="INBOX.Gone", after="flag")
    with pytest.raises(ImapError) as refused:
        poller(app, account).poll_once()
    said = str(refused.value)
    assert said.startswith(
        f"the folder 'INBOX.Gone' does not exist on 127.0.0.1:{account.port} for the "
        f"account '{user}' ("
    ), said
    assert said.endswith("); set folder to one the account has (was it renamed or deleted?)")
