"""The sender against a real aiosmtpd relay on a loopback port, and into a maildir:
threading of the acknowledgement, retries with backoff while the relay is away, a 550
recorded on the ticket and not retried, and nothing sent twice after a restart."""

from __future__ import annotations

import email
import email.policy
import mailbox
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from gateway.config.settings import OutboundSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.outbound import sender as sender_module
from gateway.outbound.sender import Sender
from gateway.outbound.transport import (
    MaildirTransport,
    RelayDown,
    SmtpTransport,
    transport_for,
)
from gateway.runtime.app import App
from store import outbox
from store.db import transaction
from store.models import OutboxRow
from store.outbox import DueMail
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.sink import SinkHandler, local_relay, password_checker, sink
from tests.support.smtp import server_context

REQUEST_ID = "<req-1@customer.test>"


@pytest.fixture
def relay(settings: Settings) -> OutboundSettings:
    return local_relay(settings)


def _sender(app: App, relay: OutboundSettings) -> Sender:
    return Sender(relay, app.clock, app.sessions, lambda: transport_for(relay))


def _row(app: App, outbox_id: int) -> OutboxRow:
    with transaction(app.sessions) as s:
        row = s.get(OutboxRow, outbox_id)
        assert row is not None
        return row


def _request(app: App) -> int:
    out = deliver(
        app,
        mail(
            message_id=REQUEST_ID,
            subject="VPN が繋がりません",
            sender="山田 花子 <alice@customer.test>",
        ),
    )
    assert out.ticket_id is not None
    return out.ticket_id


def test_acknowledgement_arrives_threaded_under_the_request(
    app: App, relay: OutboundSettings
) -> None:
    tid = _request(app)
    with sink(relay.port) as relay_sink:
        report = _sender(app, relay).drain()
    assert len(report.sent) == 1 and not report.retried and not report.failed
    [got] = relay_sink.received
    assert got.mail_from == "support@example.test" and got.rcpt_tos == ["alice@customer.test"]
    msg = email.message_from_bytes(got.data, policy=email.policy.default)
    assert msg["In-Reply-To"] == REQUEST_ID and REQUEST_ID in msg["References"]
    assert msg["Subject"].startswith(f"[#{tid}] ") and "VPN が繋がりません" in msg["Subject"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["Reply-To"].addresses[0].addr_spec == reply_address(app, tid, "alice@customer.test")
    assert _row(app, report.sent[0]).state == "sent"
    # the ack is on the ticket, and a reply to it threads back by In-Reply-To alone
    ack = show(app, tid)["messages"][1]
    assert ack["direction"] == "out" and f"<{ack['message_id']}>" == msg["Message-ID"]
    reply = deliver(app, mail(subject="totally different", in_reply_to=msg["Message-ID"]))
    assert reply.ticket_id == tid and "headers" in reply.reason


def test_relay_down_is_retried_with_backoff_and_delivered_once_back(
    app: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    _request(app)
    sender = _sender(app, relay)
    first = sender.drain()  # nobody listens on the port: connection refused
    [oid] = first.retried
    row = _row(app, oid)
    assert row.state == "pending" and row.attempts == 1 and "unreachable" in row.last_error
    assert row.next_attempt_at == clock.now() + relay.retry_initial
    assert sender.drain().retried == []  # not due yet: no busy loop
    clock.advance(relay.retry_initial)
    assert sender.drain().retried == [oid]
    assert _row(app, oid).next_attempt_at == clock.now() + 2 * relay.retry_initial  # doubled
    with sink(relay.port) as relay_sink:
        clock.advance(2 * relay.retry_initial)
        assert sender.drain().sent == [oid]
    assert len(relay_sink.received) == 1 and _row(app, oid).state == "sent"


def test_temporary_refusal_451_is_retried(
    app: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    _request(app)
    handler = SinkHandler(answer="451 4.3.0 try again later")
    with sink(relay.port, handler):
        [oid] = _sender(app, relay).drain().retried
        assert "451" in _row(app, oid).last_error
        handler.answer = "250 OK"
        clock.advance(relay.retry_initial)
        assert _sender(app, relay).drain().sent == [oid]
    assert len(handler.received) == 1


def test_550_is_recorded_on_the_ticket_and_not_retried(
    app: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    tid = _request(app)
    handler = SinkHandler(answer="550 5.1.1 mailbox unavailable")
    with sink(relay.port, handler):
        [oid] = _sender(app, relay).drain().failed
        clock.advance(timedelta(days=1))
        handler.answer = "250 OK"
        later = _sender(app, relay).drain()
    assert later.sent == [] and handler.received == []
    row = _row(app, oid)
    assert row.state == "failed" and "550" in row.last_error
    [event] = [e for e in show(app, tid)["events"] if e["kind"] == "delivery-failed"]
    assert event["detail"]["code"] == 550 and event["detail"]["recipients"] == [
        "alice@customer.test"
    ]
    assert event["new"] == "acknowledgement"


def test_gives_up_after_give_up_after(app: App, relay: OutboundSettings, clock: FakeClock) -> None:
    tid = _request(app)
    short = replace(relay, give_up_after=timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    assert len(_sender(app, short).drain().failed) == 1
    assert any(e["kind"] == "delivery-failed" for e in show(app, tid)["events"])


def test_a_restarted_sender_resends_nothing_already_accepted(
    app: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    _request(app)
    deliver(app, mail(message_id="<req-2@customer.test>", sender="bob@customer.test"))
    with sink(relay.port) as relay_sink:
        assert len(_sender(app, relay).drain().sent) == 2
        clock.advance(timedelta(hours=1))
        again = _sender(app, relay).drain()  # a new process after a kill
    assert again.sent == [] and len(relay_sink.received) == 2


def test_crash_between_250_and_the_update_resends_with_the_same_message_id(
    app: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    """At-least-once: the lease expires, the same bytes go out again (README says so)."""
    _request(app)
    with sink(relay.port) as relay_sink:
        with transaction(app.sessions) as s:
            [claimed] = outbox.claim_due(s, clock.now())
        transport = SmtpTransport(relay)
        transport.send(claimed)  # the relay said 250 … and the sender died here
        transport.close()
        assert _sender(app, relay).drain().sent == []  # still leased
        clock.advance(outbox.LEASE)
        assert _sender(app, relay).drain().sent == [claimed.id]
    first, second = relay_sink.received
    ids = [email.message_from_bytes(r.data)["Message-ID"] for r in (first, second)]
    assert ids[0] == ids[1] and first.data == second.data


def test_maildir_delivery_is_readable(app: App, settings: Settings) -> None:
    tid = _request(app)
    folder = settings.gateway.data_dir / "outbound"
    local = replace(settings.outbound, mode="maildir", maildir=folder)
    report = Sender(local, app.clock, app.sessions, lambda: MaildirTransport(folder)).drain()
    assert len(report.sent) == 1
    box = mailbox.Maildir(str(folder), factory=None, create=False)
    [stored] = [box.get_bytes(k) for k in box.iterkeys()]
    assert b"\r\n" not in stored
    msg = email.message_from_bytes(stored, policy=email.policy.default)
    assert msg["Subject"].startswith(f"[#{tid}] ") and msg["In-Reply-To"] == REQUEST_ID
    assert "山田 花子 様" in msg.get_body(("plain",)).get_content()


def test_a_maildir_that_cannot_be_written_is_not_logged_as_a_relay(
    app: App, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """``[outbound] mode = "maildir"`` and the maildir not writable (a full disk, a file in
    its way): the log said "outbound relay unavailable", and the person searching it
    looked for a relay the site does not have."""
    _request(app)
    folder = settings.gateway.data_dir / "outbound"
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the maildir should be")
    local = replace(settings.outbound, mode="maildir", maildir=folder)
    with caplog.at_level("WARNING", logger="gateway.sender"):
        report = Sender(local, app.clock, app.sessions, lambda: MaildirTransport(folder)).drain()
    assert not report.sent
    [line] = [r.getMessage() for r in caplog.records if "wait" in r.getMessage()]
    assert "relay" not in line and "outbound maildir unavailable" in line, line
    assert "1 mail waiting" in line and str(folder) in line, line  # not "1 mail wait"


# ---------------------------------------------------------------- TLS and AUTH


def test_starttls_with_verification_and_auth(
    app: App, relay: OutboundSettings, tls_files: tuple[Path, Path], tmp_path: Path
) -> None:
    (tmp_path / "relay.password").write_text("s3cret\n", encoding="utf-8")
    secure = replace(
        relay,
        tls="starttls",
        ca_file=tls_files[0],
        username="gw",
        password_file=tmp_path / "relay.password",
    )
    _request(app)
    with sink(
        relay.port,
        tls_context=server_context(tls_files),
        require_starttls=True,
        authenticator=password_checker("gw", "s3cret"),
        auth_required=True,
    ) as got:
        assert len(_sender(app, secure).drain().sent) == 1
    assert len(got.received) == 1


def test_a_relay_password_saved_by_notepad_still_logs_in(
    app: App, relay: OutboundSettings, tls_files: tuple[Path, Path], tmp_path: Path
) -> None:
    """Windows Notepad starts the file with a UTF-8 byte-order mark; kept, it was part of
    the password and the relay refused it with no hint why. It is not part of it."""
    (tmp_path / "relay.password").write_bytes(b"\xef\xbb\xbfs3cret\r\n")
    secure = replace(
        relay,
        tls="starttls",
        ca_file=tls_files[0],
        username="gw",
        password_file=tmp_path / "relay.password",
    )
    _request(app)
    with sink(
        relay.port,
        tls_context=server_context(tls_files),
        require_starttls=True,
        authenticator=password_checker("gw", "s3cret"),
        auth_required=True,
    ) as got:
        assert len(_sender(app, secure).drain().sent) == 1
    assert len(got.received) == 1


def test_implicit_tls(app: App, relay: OutboundSettings, tls_files: tuple[Path, Path]) -> None:
    secure = replace(relay, tls="implicit", ca_file=tls_files[0])
    _request(app)
    with sink(relay.port, ssl_context=server_context(tls_files)) as got:
        assert len(_sender(app, secure).drain().sent) == 1
    assert len(got.received) == 1


def test_untrusted_certificate_is_retried_not_sent_in_clear(
    app: App, relay: OutboundSettings, tls_files: tuple[Path, Path]
) -> None:
    secure = replace(relay, tls="starttls")  # no ca_file: the self-signed cert is unknown
    _request(app)
    with sink(relay.port, tls_context=server_context(tls_files)) as got:
        [oid] = _sender(app, secure).drain().retried
    assert got.received == [] and "not trusted" in _row(app, oid).last_error


def test_wrong_password_is_retried_not_failed(
    app: App, relay: OutboundSettings, tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAY_PW", "wrong")
    secure = replace(
        relay, tls="starttls", ca_file=tls_files[0], username="gw", password_env="RELAY_PW"
    )
    _request(app)
    with sink(
        relay.port,
        tls_context=server_context(tls_files),
        authenticator=password_checker("gw", "s3cret"),
        auth_required=True,
    ) as got:
        [oid] = _sender(app, secure).drain().retried
    assert got.received == [] and "refused our login" in _row(app, oid).last_error


def test_missing_password_is_retried_with_a_clear_reason(
    app: App, relay: OutboundSettings, tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RELAY_PW_UNSET", raising=False)
    secure = replace(
        relay, tls="starttls", ca_file=tls_files[0], username="gw", password_env="RELAY_PW_UNSET"
    )
    _request(app)
    with sink(
        relay.port,
        tls_context=server_context(tls_files),
        authenticator=password_checker("gw", "s3cret"),
        auth_required=True,
    ) as got:
        [oid] = _sender(app, secure).drain().retried
    assert got.received == [] and "RELAY_PW_UNSET is not set" in _row(app, oid).last_error


class _DownAfter:
    """A relay that takes ``taken`` mails and is then unreachable (a local fake: a
    relay that goes away in the middle of a batch cannot be arranged for real)."""

    def __init__(self, taken: int) -> None:
        self.taken, self.sent = taken, list[int]()

    def send(self, mail: DueMail) -> None:
        if len(self.sent) == self.taken:
            raise RelayDown("connection refused")
        self.sent.append(mail.id)

    def close(self) -> None:
        pass


def test_mails_sent_before_the_relay_went_down_are_marked_sent_in_one_transaction(
    app: App, relay: OutboundSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sent ones of a batch are marked together (one wait for the write lock, not
    one per mail), also when the relay goes down half-way: those are sent, the rest
    wait for their backoff."""
    for n in range(4):
        deliver(app, mail(message_id=f"<req-{n}@customer.test>", sender=f"u{n}@customer.test"))
    writes: list[bool] = []
    real = sender_module.transaction

    def counted(sessions: Any, *, read_only: bool = False) -> Any:
        writes.append(read_only)
        return real(sessions, read_only=read_only)

    monkeypatch.setattr(sender_module, "transaction", counted)
    relay_fake = _DownAfter(2)
    report = Sender(relay, app.clock, app.sessions, lambda: relay_fake).drain()
    assert report.sent == relay_fake.sent and len(report.sent) == 2
    assert len(report.retried) == 2 and not set(report.retried) & set(report.sent)
    assert len(writes) == 1 + 2 + 1  # the claim, a retry each, the marks together
    with transaction(app.sessions) as s:
        states = {r.id: (r.state, r.sent_at) for r in s.query(OutboxRow)}
    assert all(states[i][0] == "sent" and states[i][1] == app.clock.now() for i in report.sent)
    assert all(states[i][0] == "pending" for i in report.retried)


def test_a_batch_whose_sent_marks_cannot_be_written_goes_out_again_the_same(
    app: App, relay: OutboundSettings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At least once, batch by batch: the relay took both mails, then the database went
    away before they were marked. The drain reports a temporary failure, the rows stay
    leased, and after the lease both go out again byte for byte."""
    _request(app)
    deliver(app, mail(message_id="<req-2@customer.test>", sender="bob@customer.test"))
    mark = outbox.mark_sent

    def gone(*args: Any) -> None:
        raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))

    with sink(relay.port) as relay_sink:
        monkeypatch.setattr(outbox, "mark_sent", gone)
        with pytest.raises(TransientError):
            _sender(app, relay).drain()
        assert len(relay_sink.received) == 2
        monkeypatch.setattr(outbox, "mark_sent", mark)
        assert _sender(app, relay).drain().sent == []  # still leased
        clock.advance(outbox.LEASE)
        assert len(_sender(app, relay).drain().sent) == 2
    first, second = relay_sink.received[:2], relay_sink.received[2:]
    assert sorted(r.data for r in first) == sorted(r.data for r in second)
    with transaction(app.sessions) as s:
        assert {r.state for r in s.query(OutboxRow)} == {"sent"}


@pytest.mark.parametrize(
    ("bad", "fails"),
    [
        ("田中@例え.jp", True),  # needs SMTPUTF8 from us: smtplib cannot encode the RCPT
        # smtplib's quoting reads one address out of it (alice's): nothing is injected
        ("alice@customer.test>\r\nRCPT TO:<victim@elsewhere.test", False),
    ],
)
def test_a_mail_no_relay_command_can_carry_fails_alone_and_the_queue_goes_on(
    app: App, relay: OutboundSettings, bad: str, fails: bool
) -> None:
    """Whatever door a recipient came through, a mail whose envelope cannot be written
    in an SMTP command failed the whole drain (an exception out of the sender), so the
    mails queued behind it waited for ever. It fails for good, alone."""
    first = _request(app)
    deliver(app, mail(subject="second", sender="bob@customer.test"))
    with transaction(app.sessions) as s:
        [row] = [r for r in s.query(OutboxRow) if r.ticket_id == first]
        row.recipients = [bad]
        poisoned = row.id
    handler = SinkHandler()
    with sink(relay.port, handler):
        report = _sender(app, relay).drain()
    assert (report.failed == [poisoned]) is fails
    assert (_row(app, poisoned).state == "failed") is fails
    assert ["bob@customer.test"] in [r.rcpt_tos for r in handler.received]
    assert "victim" not in " ".join(r for got in handler.received for r in got.rcpt_tos)
