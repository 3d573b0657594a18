"""Message-IDs that are not well formed: read whole, noted, never sent on.

A customer's mailer may write ``<abc def@example.com>`` (a space inside the
brackets), ``<日本語@example.com>`` or an encoded word. The space made the id read
as its last word (``def@example.com``): a fragment that another mail's id could
equal, so the second mail was taken for a copy of the first, or a reply threaded
onto the wrong ticket. And whatever id we kept was copied into the In-Reply-To and
References of our own mail, where only RFC 5322 msg-ids belong.
"""

from __future__ import annotations

import pytest

from gateway.core import msgid
from gateway.core.model import InboxState
from gateway.pipeline.parse import headers
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, header_of, outbox

SPACED = b"<abc def@example.com>"
PLACE = "<placeholder@customer.test>"


def _with_id(raw_id: bytes, **kw: str) -> bytes:
    """A mail whose Message-ID field holds ``raw_id`` byte for byte."""
    return mail(message_id=PLACE, **kw).replace(PLACE.encode(), raw_id)


def test_a_spaced_message_id_is_not_read_as_its_last_word() -> None:
    msg = parse_message(_with_id(SPACED))
    assert msg.message_id != "def@example.com"
    assert not msg.message_id.endswith("def@example.com")
    assert not msg.message_id_synthetic
    assert any("Message-ID" in d for d in msg.defects), msg.defects
    other = parse_message(_with_id(b"<xyz def@example.com>"))
    assert other.message_id != msg.message_id  # not one fragment for both


@pytest.mark.parametrize(
    "quoted",
    [
        "<abc def@example.com>",
        "<abc  def@example.com>",
        "<abc\r\n def@example.com>",  # folded at its space
        "<a@x.test> <abc def@example.com>",
    ],
)
def test_a_reply_quoting_the_spaced_id_names_the_id_kept(quoted: str) -> None:
    kept = parse_message(_with_id(SPACED)).message_id
    assert kept in headers.msgid_list([quoted])


def test_bracketless_spaced_id_is_not_a_fragment_either() -> None:
    msg = parse_message(_with_id(b"abc def@example.com"))
    assert msg.message_id != "def@example.com"
    assert any("Message-ID" in d for d in msg.defects), msg.defects


@pytest.mark.parametrize(
    "raw_id",
    [
        "<日本語@example.com>".encode(),
        b"<=?utf-8?q?abc?=@example.com>",
        b"<no-at-sign>",
    ],
)
def test_an_ill_formed_message_id_is_a_defect(raw_id: bytes) -> None:
    msg = parse_message(_with_id(raw_id))
    assert any("Message-ID" in d for d in msg.defects), msg.defects


def test_a_well_formed_message_id_is_no_defect() -> None:
    msg = parse_message(_with_id(b"<CAF=x+y_z.1-2@mail.example.com>"))
    assert msg.message_id == "CAF=x+y_z.1-2@mail.example.com"
    assert not any("Message-ID" in d for d in msg.defects), msg.defects


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("a.b@example.com", True),
        ("t42.0123abcd@example.test", True),
        ("a@[192.0.2.1]", True),  # no-fold-literal
        ("x..y@example.com", True),  # obs-id-left: older mailers write it, clients read it
        ("abc def@example.com", False),
        ("日本語@example.com", False),
        ("=?utf-8?q?abc?=@example.com", False),
        ("abc@=?utf-8?q?x?=", False),
        ("no-at-sign", False),
        ("a@b@c", False),
        ("<a@b>", False),
        ("", False),
        ('a"b@example.com', False),
    ],
)
def test_well_formed(value: str, ok: bool) -> None:
    assert msgid.well_formed(value) is ok


def test_two_mails_with_spaced_ids_ending_alike_are_two_requests(app: App) -> None:
    first = deliver(app, _with_id(SPACED, subject="VPN down"))
    second = deliver(
        app,
        _with_id(b"<xyz def@example.com>", subject="VPN down", sender="bob@customer.test"),
    )
    third = deliver(app, _with_id(b"<def@example.com>", subject="VPN down"))
    assert first.state == second.state == third.state == InboxState.DONE, (
        second.reason,
        third.reason,
    )
    ids = {first.ticket_id, second.ticket_id, third.ticket_id}
    assert len(ids) == 3 and None not in ids


def test_a_reply_quoting_a_spaced_id_threads(app: App) -> None:
    first = deliver(app, _with_id(SPACED, subject="VPN down"))
    reply = deliver(
        app,
        mail(
            subject="more detail",
            in_reply_to="<placeholder@x>",
            message_id="<r2@customer.test>",
        ).replace(b"<placeholder@x>", SPACED),
    )
    assert reply.ticket_id == first.ticket_id


@pytest.mark.parametrize(
    "raw_id",
    [
        "<日本語@customer.test>".encode(),
        b"<=?utf-8?b?5pel5pys?=@customer.test>",
        SPACED,
        b"<no-at-sign>",
    ],
)
def test_only_well_formed_ids_go_into_our_threading_headers(team: App, raw_id: bytes) -> None:
    """The acknowledgement, the team's notices and every later mail of the ticket name
    the customer's id only when it is a msg-id: the bytes we send carry nothing else
    there, and the ids that are go on."""
    first = deliver(team, _with_id(raw_id, subject="VPN down"))
    assert first.ticket_id is not None
    follow = deliver(
        team,
        mail(
            subject=f"Re: [#{first.ticket_id}] VPN down",
            message_id="<second@customer.test>",
            to=reply_address(team, first.ticket_id, "alice@customer.test"),
            references="<placeholder@x>",
        ).replace(b"<placeholder@x>", raw_id),
    )
    assert follow.ticket_id == first.ticket_id
    rows = outbox(team)
    assert rows
    for row in rows:
        head = row.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # ASCII, every byte of it
        fields = [
            line
            for line in head.replace("\r\n ", " ").replace("\r\n\t", " ").split("\r\n")
            if line.lower().startswith(("in-reply-to:", "references:", "message-id:"))
        ]
        for line in fields:
            value = line.split(":", 1)[1]
            ids = value.split()
            assert ids, line
            for one in ids:
                assert one.startswith("<") and one.endswith(">"), line
                assert msgid.well_formed(one[1:-1]), line
        assert "=?" not in " ".join(fields)
    later = [r for r in rows if "second@customer.test" in header_of(r, "References")]
    assert later  # a well-formed id of the thread still goes on


@pytest.mark.parametrize(
    ("raw_id", "kept"),
    [
        (b"a@customer.test (by relay)", "a@customer.test"),
        (b"(by relay) a@customer.test", "a@customer.test"),
        (b"unknown", None),  # no id: many mails share such a word, each is its own
        (b"(none)", None),
    ],
)
def test_a_bracketless_field(raw_id: bytes, kept: str | None) -> None:
    msg = parse_message(_with_id(raw_id))
    if kept is None:
        assert msg.message_id_synthetic
        assert any("Message-ID" in d for d in msg.defects), msg.defects
    else:
        assert (msg.message_id, msg.message_id_synthetic) == (kept, False)


def test_two_alerts_under_a_word_for_an_id_are_two_alerts(app: App) -> None:
    """``Message-ID: unknown`` on every alert of a monitor, same sender and subject:
    read as the id ``unknown`` the second would be a copy of the first, and lost."""
    first = deliver(app, _with_id(b"unknown", subject="PROBLEM: db1", body="at 10:00\n"))
    second = deliver(app, _with_id(b"unknown", subject="PROBLEM: db1", body="at 11:00\n"))
    assert first.state == second.state == InboxState.DONE, second.reason
