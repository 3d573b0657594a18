"""``requesters forget`` and an address whose domain has a Unicode form (IDNA): the
store keeps ``taro@xn--r8jz45g.jp``, and our mails show people ``taro@例え.jp`` (the
digest's requester, a member's notice). A sent digest or list that named her only in
the form people read was not seen as naming her, and kept her address after her
erasure: the two forms are one person, whichever of them was typed."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import timedelta
from email.policy import compat32
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.pipeline import erasure_rules as rules
from gateway.runtime.app import App
from store.db import transaction
from store.models import OutboxRow
from tests.support.pipeline import deliver
from tests.support.scheduling import make_app, scheduled_settings, tick_and_send

STORED = "taro@xn--r8jz45g.jp"
READ = "taro@例え.jp"


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path), clock)  # digest "mon 09:00"
    yield app
    app.close()


def _words(raw: bytes) -> str:
    out = []
    for part in email.message_from_bytes(raw, policy=compat32).walk():
        if part.get_content_maintype() == "text":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                out.append(data.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(out)


def _sent_lists(app: App) -> list[OutboxRow]:
    with transaction(app.sessions) as s:
        rows = s.scalars(select(OutboxRow).where(OutboxRow.ticket_id.is_(None))).all()
        return [r for r in rows if r.state == "sent" and r.raw]


def _digest_naming_her(gw: App, clock: FakeClock) -> OutboxRow:
    head = f"From: {READ}\r\nTo: support@example.test\r\nSubject: Zanzibar VPN down\r\n"
    head += "Message-ID: <z1@customer.test>\r\nMIME-Version: 1.0\r\n"
    head += "Content-Type: text/plain; charset=utf-8\r\n"
    assert deliver(gw, (head + "\r\nThe VPN is down.\r\n").encode()).ticket_id
    clock.advance(timedelta(days=7))  # Monday 10:00 JST: the digests go out
    tick_and_send(gw)
    naming = [r for r in _sent_lists(gw) if READ in _words(r.raw)]
    assert naming, "the digest shows her address as people read it"
    return naming[0]


def test_a_list_naming_her_in_the_form_people_read_names_her(gw: App, clock: FakeClock) -> None:
    """Without the ticket's number (a ticket the retention erased before her request,
    a list of someone else's tickets that names her), the address alone names her."""
    row = _digest_naming_her(gw, clock)
    assert STORED not in _words(row.raw)  # only the form people read is in its words
    assert rules.mail_names(row.raw, STORED, set())
    assert not rules.mail_names(row.raw, "jiro@xn--r8jz45g.jp", set())  # another person


def test_a_notice_naming_her_in_the_form_people_read_carries_her_address() -> None:
    """A mail of ours on a ticket that stays ("a mail from taro@例え.jp")."""
    assert rules.quotes_them("", f"a mail from {READ} came in", STORED, [])
    assert not rules.quotes_them("", "a mail from jiro@例え.jp came in", STORED, [])


def test_a_shunted_mail_naming_her_in_the_form_people_read_goes(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mail on no ticket whose answers go to her (its ``Reply-To``), written with the
    Unicode domain (an SMTPUTF8 mail's header): found by either form of her address."""
    from sqlalchemy import update

    from gateway.config.load import load_settings
    from gateway.runtime.app import build
    from store import inbox
    from store.models import InboxRow
    from tests.support.cli import run
    from tests.support.config import write_config

    config = write_config(tmp_path, url=db_url, secret_file=True)
    app = build(load_settings(config))
    try:
        head = "From: Someone <x@y.test>\r\nTo: support@example.test\r\nSubject: hi\r\n"
        head += f"Reply-To: Taro <{READ}>\r\nMessage-ID: <r1@y.test>\r\n"
        head += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        raw = (head + "\r\nこんにちは\r\n").encode()
        with transaction(app.sessions) as s:
            row = inbox.accept(s, raw, source="imap", now=app.clock.now()).inbox_id
            s.execute(update(InboxRow).where(InboxRow.id == row).values(state="shunted"))
        ran = run(config, "requesters", "forget", STORED, capsys=capsys)
        assert ran.code == 0, ran.err
        with transaction(app.sessions) as s:
            assert s.get(InboxRow, row) is None, ran.out
    finally:
        app.close()
