"""A rescan after a UIDVALIDITY change loses no mail that reuses a Message-ID.

Devices and small mailers number their mail ``<1@localhost>`` (a monitor, a printer,
a UPS). A rescan counted every Message-ID this mailbox had stored before as a copy and
skipped it at the door, then moved it to ``processed_folder``: the monitor's new alert
in the folder when the provider rebuilt it was never stored, and gone from the inbox.
As at the SMTP door, only the same bytes are a copy there; a rewritten copy of a stored
mail (a migration that added a header) is stored and then ignored by the runner as a
copy (same Message-ID, sender and subject), and another mail under the id is a ticket.
"""

from __future__ import annotations

import pytest

from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, inbox_rows

MONITOR = "Monitor <monitor@dc.customer.test>"


def rebuild(server: Dovecot, user: str, *raws: bytes) -> None:
    """The provider rebuilds the folder (a new UIDVALIDITY) and it holds ``raws``."""
    with server.client(user) as c:
        c.delete_folder("Support")
        c.create_folder("Support")
        for raw in raws:
            c.append("Support", raw)


@pytest.mark.parametrize("after", ["move", "flag"])
def test_a_new_alert_under_a_reused_message_id_is_stored_in_a_rescan(
    app: App, dovecot: Dovecot, after: str
) -> None:
    user = dovecot.add_user()
    problem = mail("PROBLEM: db1 disk full", sender=MONITOR, message_id="<1@localhost>")
    with dovecot.client(user) as c:
        c.create_folder("Support")
        c.append("Support", problem)
    account = dovecot.account(user, folder="Support", after=after)
    with ImapPoller(account, app.settings, app.sessions, app.clock) as p:
        assert p.poll_once() == 1
    app.runner.process_pending()

    recovery = mail("RECOVERY: db1 disk full", sender=MONITOR, message_id="<1@localhost>")
    rewritten = b"X-Migrated: yes\r\n" + problem  # the stored one, its bytes changed
    rebuild(dovecot, user, *([rewritten] if after == "flag" else []), recovery)
    with ImapPoller(account, app.settings, app.sessions, app.clock) as p:
        p.poll_once()
        assert p.poll_once() == 0
    app.runner.process_pending()
    subjects = sorted(t["subject"] for t in all_tickets(app))
    assert subjects == ["PROBLEM: db1 disk full", "RECOVERY: db1 disk full"], subjects
    assert [r.state for r in inbox_rows(app)].count("done") == 2
