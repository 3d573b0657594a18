"""Who a mail is from when its From cannot be read: RFC 5322 section 3.6.2 names the
Sender field as the mailbox of the agent that sent it, so a mail with no readable From
but a Sender is from the Sender (before the envelope sender, before "unknown"), and
the From, when there is one, always comes first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.pipeline.parse.message import parse_message
from tests.support.cli import run
from tests.support.config import write_config


def _raw(*headers: str) -> bytes:
    head = "\r\n".join(("To: support@example.test", "Subject: printer", *headers))
    return f"{head}\r\n\r\nThe printer is jammed.\r\n".encode()


@pytest.mark.parametrize(
    "from_header",
    [
        None,  # no From at all
        "From: ",  # an empty one
        "From: undisclosed-recipients:;",  # an empty group: no mailbox
        "From: =?utf-8?q?a=40x.test?=",  # an encoded word where an address belongs
        "From: John Doe",  # a name and no address (a broken script): "john" is nobody
        'From: "John Doe"',  # the same name quoted ("johndoe")
        "From: 山田 太郎",  # a Japanese name in raw UTF-8 ("山田")
    ],
    ids=["none", "empty", "empty-group", "encoded-address", "name-only", "quoted", "ja"],
)
def test_a_sender_speaks_when_the_from_has_no_mailbox(from_header: str | None) -> None:
    headers = [h for h in (from_header,) if h is not None]
    msg = parse_message(_raw(*headers, "Sender: Hanako Sato <hanako@customer.test>"))
    assert msg.from_ is not None
    assert (msg.from_.name, msg.from_.email) == ("Hanako Sato", "hanako@customer.test")


def test_the_from_comes_before_the_sender() -> None:
    msg = parse_message(
        _raw("Sender: secretary@customer.test", "From: Taro Yamada <taro@customer.test>")
    )
    assert msg.from_ is not None and msg.from_.email == "taro@customer.test"


def test_neither_leaves_no_sender() -> None:
    assert parse_message(_raw()).from_ is None


def test_the_ticket_of_a_mail_with_only_a_sender_is_the_senders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path, url=f"sqlite:///{tmp_path}/gateway.db", secret_file=True))
    eml = tmp_path / "a.eml"
    eml.write_bytes(_raw("Sender: hanako@customer.test", "Message-ID: <s1@customer.test>"))
    ran = run(config, "ingest", str(eml), capsys=capsys)
    assert ran.code == 0, ran.out
    listing = json.loads(run(config, "tickets", "list", "--json", capsys=capsys).out)
    assert [t["requester"] for t in listing] == ["hanako@customer.test"]


@pytest.mark.parametrize(
    ("field", "second"),
    [
        ("From", "From: Boss <boss@example.test>"),  # a spoof's shape: the first shown
        ("Subject", "Subject: refund now"),  # the second subject, never shown
        ("Message-ID", "Message-ID: <other@customer.test>"),
    ],
)
def test_a_field_given_twice_is_read_once_and_noted(field: str, second: str) -> None:
    """RFC 5322 3.6 allows one of each: the first is read, the other is a defect the
    operator sees (DMARC, which checks one From, leaves a mail with two unchecked)."""
    msg = parse_message(_raw("From: Taro <taro@customer.test>", "Message-ID: <m@c.test>", second))
    assert msg.from_ is not None and msg.from_.email == "taro@customer.test"
    assert (msg.subject, msg.message_id) == ("printer", "m@c.test")
    assert f"header: 2 {field} fields where one is allowed; the first read" in msg.defects
