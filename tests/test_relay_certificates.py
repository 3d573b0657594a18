"""A relay whose TLS certificate does not verify: nothing is sent, the mail waits, and
the administrator reads the change that can help. "set [outbound] ca_file" was said for
every certificate, also one made out to another host name or one that expired, where
no CA file helps (as the IMAP poller already says, README "When things go wrong")."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import OutboundSettings, Settings
from gateway.core.i18n import translate
from gateway.outbound.sender import Sender
from gateway.outbound.transport import transport_for
from gateway.runtime.app import App
from store import outbox
from store.db import transaction
from store.models import OutboxRow
from tests.support.sink import local_relay, sink
from tests.support.smtp import expired_self_signed, server_context

RAW = b"From: support@example.test\r\nTo: a@customer.test\r\nSubject: hi\r\n\r\nhello\r\n"


@pytest.fixture
def relay(settings: Settings) -> OutboundSettings:
    return replace(local_relay(settings), tls="starttls", timeout=timedelta(seconds=2))


def _queue(app: App) -> int:
    with transaction(app.sessions) as s:
        mail = outbox.NewMail(
            "k",
            "weekly_digest",
            "1@example.test",
            "support@example.test",
            ("a@customer.test",),
            RAW,
        )
        found = outbox.enqueue(s, mail, app.clock.now())
    assert found is not None
    return found


def _said(app: App, relay: OutboundSettings, files: tuple[Path, Path]) -> tuple[str, str]:
    """Drain one mail against a relay presenting ``files``: it must wait, unsent."""
    oid = _queue(app)
    with sink(relay.port, tls_context=server_context(files)) as got:
        report = Sender(relay, app.clock, app.sessions, lambda: transport_for(relay)).drain()
    assert report.retried == [oid] and report.sent == [] and got.received == []
    with transaction(app.sessions) as s:
        row = s.get(OutboxRow, oid)
        assert row is not None and row.state == "pending"
        said = outbox.said_error(row)
    return translate(said, "en"), translate(said, "ja")


def test_a_certificate_for_another_host_name_says_to_change_host_not_ca_file(
    app: App, relay: OutboundSettings, tls_files: tuple[Path, Path]
) -> None:
    """The certificate is for localhost and 127.0.0.1, trusted through ca_file; the relay
    is named ``127.1`` (the same machine, another name)."""
    other = replace(relay, host="127.1", ca_file=tls_files[0])
    en, ja = _said(app, other, tls_files)
    assert en == (
        f"TLS certificate of 127.1:{relay.port} is not for the host name 127.1; set "
        "[outbound] host to a name the certificate is for (ca_file cannot help)"
    )
    assert "127.1" in ja and "ca_file" in ja and ja != en


def test_an_expired_certificate_says_the_relay_needs_a_valid_one(
    app: App, relay: OutboundSettings, tmp_path: Path
) -> None:
    files = expired_self_signed(tmp_path)
    en, ja = _said(app, replace(relay, ca_file=files[0]), files)
    assert "has expired" in en and "ca_file cannot help" in en, en
    assert "set [outbound] ca_file" not in en
    assert ja != en and "ca_file" in ja


def test_a_self_signed_certificate_still_says_to_set_ca_file(
    app: App, relay: OutboundSettings, tls_files: tuple[Path, Path]
) -> None:
    en, _ = _said(app, relay, tls_files)
    assert "self-signed" in en and en.endswith("set [outbound] ca_file"), en
