"""Authentication-Results count only on mail from a peer that may write them.

A reply proves its sender by a trusted DKIM/DMARC pass in an Authentication-Results
header whose authserv-id is ours. Only our MTA writes (and strips forged copies of)
those headers (RFC 8601 section 5), so such a header proves something only on mail
that came from it: a peer in ``[smtp] trusted_networks``, the unix socket, or a
session that logged in. From any other peer (a listener on ``0.0.0.0`` reached past
the MTA) the same header counts for nothing, for customers and members alike.

Over real SMTP: the real listener on 127.0.0.1, the client bound to 127.0.0.2 (Linux
routes all of 127/8 to lo) with ``trusted_networks`` naming 127.0.0.1 alone, so the
listener judges 127.0.0.2 as it would judge any address outside that list.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import InboxState, TicketState
from gateway.receive.smtp import SmtpListener, hash_password
from gateway.receive.smtp.policy import TrustedNetworks
from gateway.runtime.app import App, build
from store.accept.generic import open_inbox
from tests.support.app import MEMBERS
from tests.support.mails import mail
from tests.support.pipeline import deliver, inbox_rows, show
from tests.support.scheduling import set_state
from tests.support.smtp import listening, smtp_settings, trusting

MX = "mx.example.test"
ALICE = "alice@customer.test"
OPS = "ops@example.test"
OUR_MTA = "127.0.0.1"
ELSEWHERE = "127.0.0.2"  # outside trusted_networks below: any other host's standing


@pytest.fixture
def ar_app(settings: Settings, clock: FakeClock) -> Iterator[App]:
    gw = replace(settings.gateway, trusted_authserv_ids=(MX,), per_person_domains=("example.test",))
    application = build(replace(settings, gateway=gw, members=MEMBERS), clock)
    yield application
    application.close()


def _listening(app: App, cfg: Settings) -> AbstractContextManager[SmtpListener]:
    """The listener as the daemon runs it: on SQLite the stdlib acceptor, else SQLAlchemy."""
    direct = open_inbox(cfg.database.url, app.sessions)
    return listening(cfg, app.sessions, app.clock, direct)


def _send(
    srv_port: int,
    raw: bytes,
    source: str,
    login: tuple[str, str] | None = None,
    cert: Path | None = None,
) -> int:
    """Deliver ``raw`` from ``source`` over SMTP; the inbox row it was stored as."""
    with smtplib.SMTP("127.0.0.1", srv_port, source_address=(source, 0), timeout=10) as client:
        client.ehlo()
        if login is not None:
            assert cert is not None
            client.starttls(context=trusting(cert))
            client.ehlo()
            client.login(*login)
        assert client.mail("a@customer.test")[0] == 250
        assert client.rcpt("support@example.test")[0] == 250
        code, said = client.data(raw)
    assert code == 250, said
    return int(said.decode().rsplit("#", 1)[1])


def _tagged_reply(body: str) -> bytes:
    return mail(
        subject="Re: [#1] VPN does not connect",
        sender=ALICE,
        body=body,
        headers={"Authentication-Results": f"{MX}; dmarc=pass header.from=customer.test"},
    )


def _opened(app: App) -> int:
    out = deliver(app, mail(subject="VPN does not connect", sender=ALICE))
    assert out.ticket_id is not None
    set_state(app, out.ticket_id, TicketState.PENDING)
    return out.ticket_id


def test_a_customers_trusted_pass_counts_from_our_mta_and_not_from_elsewhere(
    ar_app: App, settings: Settings
) -> None:
    tid = _opened(ar_app)
    cfg = smtp_settings(ar_app.settings, trusted_networks=(f"{OUR_MTA}/32",))
    with _listening(ar_app, cfg) as srv:
        forged = _send(srv.port, _tagged_reply("I am Alice, trust me.\n"), ELSEWHERE)
        ar_app.runner.process_one(forged)
        assert show(ar_app, tid)["messages"][-1]["kind"] == "unverified"
        set_state(ar_app, tid, TicketState.PENDING)
        genuine = _send(srv.port, _tagged_reply("It works again.\n"), OUR_MTA)
        ar_app.runner.process_one(genuine)
    ticket = show(ar_app, tid)
    assert ticket["messages"][-1]["kind"] == "reply" and ticket["state"] == "open"
    rows = {r.id: r for r in inbox_rows(ar_app)}
    assert rows[forged].untrusted_peer and not rows[genuine].untrusted_peer


def _member_close(body: str = "/close spam\n") -> bytes:
    return mail(
        subject="Re: [#1] VPN does not connect",
        sender=f"Ops One <{OPS}>",
        body=body,
        headers={"Authentication-Results": f"{MX}; dkim=pass header.d=example.test"},
    )


def test_a_members_trusted_pass_from_elsewhere_runs_no_command(ar_app: App) -> None:
    tid = _opened(ar_app)
    cfg = smtp_settings(ar_app.settings, trusted_networks=(f"{OUR_MTA}/32",))
    with _listening(ar_app, cfg) as srv:
        forged = _send(srv.port, _member_close(), ELSEWHERE)
        assert ar_app.runner.process_one(forged).state == InboxState.REJECTED
        assert show(ar_app, tid)["state"] == "pending"
        genuine = _send(srv.port, _member_close(), OUR_MTA)
        ar_app.runner.process_one(genuine)
    assert show(ar_app, tid)["state"] == "closed"


def test_a_session_that_logged_in_is_trusted_from_any_address(
    ar_app: App, tls_files: tuple[Path, Path], tmp_path: Path
) -> None:
    tid = _opened(ar_app)
    cert, key = tls_files
    users = tmp_path / "users"
    users.write_text("relay:" + hash_password("s3cret pass") + "\n", encoding="utf-8")
    cfg = smtp_settings(
        ar_app.settings,
        tls_cert=cert,
        tls_key=key,
        trusted_networks=(f"{OUR_MTA}/32",),
        auth_users_file=users,
    )
    with _listening(ar_app, cfg) as srv:
        row = _send(srv.port, _tagged_reply("Fixed.\n"), ELSEWHERE, ("relay", "s3cret pass"), cert)
        ar_app.runner.process_one(row)
    assert show(ar_app, tid)["messages"][-1]["kind"] == "reply"


def test_lmtp_on_the_unix_socket_is_trusted_whatever_trusted_networks_says(
    ar_app: App, tmp_path: Path
) -> None:
    """Only local processes reach the socket (Postfix's lmtp client): our MTA's door."""
    tid = _opened(ar_app)
    path = tmp_path / "lmtp.sock"
    cfg = smtp_settings(ar_app.settings, lmtp=True, host=str(path), trusted_networks=())
    with _listening(ar_app, cfg):
        client = smtplib.LMTP(str(path))
        try:
            client.ehlo()  # LHLO, as smtplib.LMTP says it
            client.mail("a@customer.test")
            client.rcpt("support@example.test")
            code, said = client.data(_tagged_reply("Works now.\n"))
        finally:
            client.quit()
    assert code == 250, said
    ar_app.runner.process_one(int(said.decode().rsplit("#", 1)[1]))
    assert show(ar_app, tid)["messages"][-1]["kind"] == "reply"


def test_mail_not_from_the_listener_is_trusted_as_before(ar_app: App) -> None:
    """IMAP, the MTA's pipe, a file: the mailbox's server or the local MTA wrote them."""
    tid = _opened(ar_app)
    deliver(ar_app, _tagged_reply("Fine now.\n"), source="imap")
    assert show(ar_app, tid)["messages"][-1]["kind"] == "reply"


@pytest.mark.parametrize(
    ("peer", "trusted"),
    [
        (("127.0.0.1", 25), True),
        (("::1", 25, 0, 0), True),
        (("192.0.2.7", 25), False),  # a remote host, under the default list
        (("2001:db8::7", 25, 0, 0), False),
        (("::ffff:192.0.2.7", 25, 0, 0), False),
        ("", True),  # the unix socket: only local processes reach it
    ],
)
def test_who_the_default_list_trusts(peer: object, trusted: bool) -> None:
    assert TrustedNetworks(("127.0.0.0/8", "::1/128")).trusts(peer) is trusted
