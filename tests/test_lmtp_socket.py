"""The LMTP unix socket is one the MTA can reach, under the unit's sandbox.

Postfix's ``lmtp`` client runs as the ``postfix`` user, Dovecot's as its own; the unit
runs the daemon with ``UMask=0077``, which made the socket ``srwx------`` and every
delivery failed with "Permission denied" (Postfix deferred the mail for ever). The
socket is made for every user to connect to, as Dovecot's own LMTP socket is (0666):
who may reach it is decided by the folder it is in.
"""

from __future__ import annotations

import os
import smtplib
import stat
from pathlib import Path

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows
from tests.support.smtp import listening, smtp_settings


def test_the_socket_is_open_to_the_mta_whatever_the_umask(
    app: App, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "lmtp.sock"
    old = os.umask(0o077)  # as systemd/ticket-gateway.service sets it
    try:
        with listening(smtp_settings(settings, lmtp=True, host=str(path)), app.sessions, app.clock):
            mode = stat.S_IMODE(path.stat().st_mode)
            client = smtplib.LMTP(str(path))
            try:
                assert client.sendmail("a@customer.test", ["support@example.test"], mail()) == {}
            finally:
                client.quit()
    finally:
        os.umask(old)
    assert mode == 0o666
    assert len(inbox_rows(app)) == 1
