"""``requesters forget`` finds a person however their address was written: a mail from
``Ünal@Customer.TEST`` (an internationalised address, SMTPUTF8, in capitals) is erased
by ``requesters forget ünal@customer.test`` as by the form the mail showed. The raw row
of such a mail on no ticket (an out-of-office reply) stayed: the database's lower()
folds only ASCII (SQLite; PostgreSQL under the C locale, which also escapes the raw
bytes), and the header was read as unknown-8bit bytes, never as the UTF-8 it is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.runtime.app import build as make_app
from store.db import transaction
from store.models import InboxRaw, Message, Ticket
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.pipeline import deliver

NOW = datetime.now(UTC)


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    return write_config(tmp_path, url=db_url, secret_file=True)


@pytest.fixture
def app(config: Path) -> Iterator[App]:
    application = make_app(load_settings(config), FakeClock(NOW))
    yield application
    application.close()


@pytest.mark.parametrize(
    "given", ["ünal@customer.test", "ÜNAL@CUSTOMER.TEST", "Ünal <Ünal@Customer.Test>"]
)
def test_a_non_ascii_address_in_capitals_is_found_in_any_form(
    app: App, config: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    raw = (  # as an SMTPUTF8 client sends it: the address in UTF-8, as its owner wrote it
        "From: Ünal <Ünal@Customer.TEST>\r\nTo: support@example.test\r\n"
        "Subject: Zugang\r\nMessage-ID: <u1@customer.test>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nIch brauche Zugang zum Laufwerk.\r\n"
    ).encode()
    tid = deliver(app, raw).ticket_id
    assert tid is not None
    ran = run(config, "requesters", "forget", given, "--json", capsys=capsys)
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["tickets"] == [tid]
    with transaction(app.sessions) as s:
        assert s.scalars(select(Ticket.id)).all() == []
        assert s.scalars(select(Message.id)).all() == []


def test_an_unfiled_auto_reply_from_a_non_ascii_address_goes(
    app: App, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = (  # an out-of-office reply: read, on no ticket; only its raw row holds it
        "From: Ünal <Ünal@Customer.TEST>\r\nTo: support@example.test\r\n"
        "Subject: Abwesend\r\nMessage-ID: <u2@customer.test>\r\nMIME-Version: 1.0\r\n"
        "Auto-Submitted: auto-replied\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Ich bin bis Montag nicht im Büro.\r\n"
    ).encode()
    deliver(app, raw)
    ran = run(config, "requesters", "forget", "ünal@customer.test", "--json", capsys=capsys)
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["inbox_rows"] == 1
    with transaction(app.sessions) as s:
        assert [r for r in s.scalars(select(InboxRaw.raw)) if b"Montag" in r] == []


@pytest.mark.parametrize(
    "given", ["support+t0k3n@example.test", "Support <SUPPORT+abc@Example.Test>"]
)
def test_a_reply_address_of_ours_is_refused_as_our_own(
    app: App, config: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    """A ``+token`` form of the gateway's address (a reply address we issue) is ours as
    the address itself is: refused (exit 65), nothing erased, no audit row."""
    ran = run(config, "requesters", "forget", given, capsys=capsys)
    assert ran.code == 65, (ran.out, ran.err)
    assert "nothing erased" in ran.err


@pytest.mark.parametrize(
    "given",
    ['"john doe"@customer.test', 'John <"John Doe"@Customer.test>', '"john.doe"@customer.test'],
)
def test_a_quoted_local_part_is_an_address_to_erase(
    app: App, config: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    """A mail from ``"john doe"@customer.test`` (a quoted local part, RFC 5322's
    quoted-string) opens a ticket under that address, quotes kept; the command refused
    the address as pasted (exit 64, "not an e-mail address"), so that person's data
    could not be erased at all. A quoted local part is read as the mail's is; one the
    quotes need not hold (``"john.doe"``) is the plain address, as the mail's is too."""
    local = "john.doe" if "." in given.split("@")[0] else '"john doe"'
    raw = (
        f"From: John <{local}@customer.test>\r\nTo: support@example.test\r\n"
        "Subject: Access\r\nMessage-ID: <q1@customer.test>\r\n\r\nPlease give me access.\r\n"
    ).encode()
    tid = deliver(app, raw).ticket_id
    assert tid is not None
    ran = run(config, "requesters", "forget", given, "--json", capsys=capsys)
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["tickets"] == [tid]
    with transaction(app.sessions) as s:
        assert s.scalars(select(Ticket.id)).all() == []


@pytest.mark.parametrize("given", ["bob@customer.test;", '"bob"', "a@b.test, c@d.test"])
def test_what_is_no_one_address_is_still_refused(
    config: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    assert run(config, "requesters", "forget", given, capsys=capsys).code == 64
