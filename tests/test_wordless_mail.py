"""A customer's mail with no words of its own, only a part that is not text: a calendar
invite (alone, or the only part of a multipart; REQUEST, CANCEL, REPLY), a mail attached
as ``message/rfc822`` with nothing around it, an S/MIME blob. Its ticket showed an empty
text; now it shows the invite's details, the attached mail's words under a line saying
so, or a line saying it is encrypted (S/MIME or PGP/MIME), in the ticket's language. The
parts stay attached. A member's own invite reads the same, but nothing we write is ever
read as their commands."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email.message import EmailMessage, Message
from typing import Any

import pytest

from gateway.pipeline.parse.ical import read_event
from gateway.runtime.app import App
from tests.support import hostile
from tests.support.app import reply_address
from tests.support.corpus import needs_shared, shared
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

INVITE = (
    "BEGIN:VCALENDAR\r\nMETHOD:{method}\r\nPRODID:-//test//EN\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Tokyo Standard Time\r\nBEGIN:STANDARD\r\n"
    "DTSTART:16010101T000000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\n"
    "END:STANDARD\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:{summary}\r\n"
    "DTSTART;TZID=Tokyo Standard Time:20261210T150000\r\n"
    "DTEND;TZID=Tokyo Standard Time:20261210T160000\r\n"
    "LOCATION:Room 3\\, 5F\r\n"
    'ORGANIZER;CN="Suzuki, Ichiro":mailto:suzuki@customer.test\r\n'
    "DESCRIPTION:Agenda:\\n1. VPN rollout\\n2. Printer\r\n"
    "BEGIN:VALARM\r\nDESCRIPTION:REMINDER\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def invite(method: str = "REQUEST", summary: str = "VPN review") -> str:
    return INVITE.format(method=method, summary=summary)


# --- the reader ---------------------------------------------------------------------


def test_an_outlook_invite_is_read_with_its_zone_escapes_and_organizer() -> None:
    event = read_event(invite(), "UTC")
    assert event is not None
    assert event.method == "REQUEST" and event.summary == "VPN review"
    assert event.start == datetime(2026, 12, 10, 6, 0, tzinfo=UTC)
    assert event.end == datetime(2026, 12, 10, 7, 0, tzinfo=UTC)
    assert event.location == "Room 3, 5F"
    assert event.organizer == "Suzuki, Ichiro <suzuki@customer.test>"
    assert event.description == "Agenda:\n1. VPN rollout\n2. Printer"  # not the alarm's


def test_folded_lines_utc_iana_floating_and_all_day_times() -> None:
    text = (
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Long sum\n mary over\n\tthree lines\n"
        "DTSTART;TZID=Europe/Berlin:20260705T100000\nDTEND:20260705T100000Z\n"
        "END:VEVENT\nEND:VCALENDAR\n"
    )
    event = read_event(text, "Asia/Tokyo")
    assert event is not None and event.summary == "Long summary overthree lines"
    assert event.start == datetime(2026, 7, 5, 8, 0, tzinfo=UTC)  # CEST is UTC+2
    assert event.end == datetime(2026, 7, 5, 10, 0, tzinfo=UTC)
    floating = read_event(text.replace(";TZID=Europe/Berlin", ""), "Asia/Tokyo")
    assert floating is not None and floating.start == datetime(2026, 7, 5, 1, 0, tzinfo=UTC)
    all_day = read_event(
        "BEGIN:VEVENT\nDTSTART;VALUE=DATE:20261224\nDTEND;VALUE=DATE:20261225\nEND:VEVENT", "UTC"
    )
    assert all_day is not None and all_day.start == date(2026, 12, 24)


def test_no_event_and_broken_values_are_no_error() -> None:
    assert read_event("BEGIN:VCALENDAR\nMETHOD:REQUEST\nEND:VCALENDAR\n", "UTC") is None
    assert read_event("not a calendar at all", "UTC") is None
    event = read_event("BEGIN:VEVENT\nDTSTART;TZID=../../etc/passwd:2026991399\nEND:VEVENT", "UTC")
    assert event is not None and event.start is None


@pytest.mark.parametrize(
    "text",
    [
        "BEGIN:VEVENT\nDESCRIPTION:" + "\n x" * 50_000,  # a fold after a fold
        "BEGIN:VEVENT\nX" + ";P=a" * 50_000,  # a name with endless parameters
        "BEGIN:VEVENT\nDESCRIPTION:" + "\\n" * 100_000,  # escapes
        "BEGIN:VEVENT\n" * 50_000,  # components never ended
    ],
    ids=["folds", "parameters", "escapes", "unended"],
)
def test_hostile_calendars_cost_linear_time(text: str) -> None:
    with hostile.within(3.0, "read_event"):
        read_event(text, "UTC")


def _calendar_part(raw: bytes) -> str:
    message = email.message_from_bytes(raw)
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    raise AssertionError("no calendar part")


@needs_shared
def test_googles_invite_from_the_corpus() -> None:
    event = read_event(
        _calendar_part(shared("public/postal-mime/google-calendar-invite.eml").raw()), "UTC"
    )
    assert event is not None and event.method == "REQUEST"
    assert event.summary == "Test event ⏰"
    assert event.start == datetime(2024, 4, 11, 8, 0, tzinfo=UTC)  # 11:00 in Tallinn (EEST)
    assert event.organizer == "Andris Reinman <andris@postalsys.com>"
    assert "Join with Google Meet: https://meet.google.com/yew-afgi-ynf" in event.description


@needs_shared
def test_exchanges_invite_from_the_corpus_takes_its_vtimezone_offset() -> None:
    raw = shared("public/php-mime-mail-parser/exchange-meeting-request.eml").raw()
    event = read_event(_calendar_part(raw), "UTC")
    assert event is not None and event.location == "Meeting Room"
    assert event.start == datetime(2014, 3, 28, 9, 3, tzinfo=UTC)  # FLE Standard Time: +02:00
    assert event.organizer == "Finntack Newsletter <newsletter@finntack.com>"


# --- the ticket -----------------------------------------------------------------------


def _request(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Ichiro Suzuki <suzuki@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash(subject))}@customer.test>"
    return msg


def _incoming(team: App, ticket_id: int = 1) -> dict[str, Any]:
    return [m for m in show(team, ticket_id)["messages"] if m["direction"] == "in"][-1]


def test_a_calendar_invite_alone_is_the_tickets_text(team: App) -> None:
    msg = _request("Invitation: VPN review")
    msg.set_content(invite(), subtype="calendar", params={"method": "REQUEST"})
    deliver(team, bytes(msg))
    message = _incoming(team)
    assert message["text"].splitlines()[:5] == [
        "Meeting invitation: VPN review",
        "When: Thu, Dec 10, 2026, 15:00 JST – Thu, Dec 10, 2026, 16:00 JST",
        "Where: Room 3, 5F",
        "Organizer: Suzuki, Ichiro <suzuki@customer.test>",
        "",
    ]
    assert message["text"].endswith("Agenda:\n1. VPN rollout\n2. Printer")
    assert [a["content_type"] for a in message["attachments"]] == ["text/calendar"]


@pytest.mark.parametrize(
    ("method", "line"),
    [
        ("CANCEL", "Meeting cancelled: VPN review"),
        ("REPLY", "Answer to a meeting invitation: VPN review"),
        ("PUBLISH", "Calendar event: VPN review"),
    ],
)
def test_the_method_says_what_the_invite_is(team: App, method: str, line: str) -> None:
    msg = _request(f"{method}: VPN review")
    msg.add_attachment(invite(method).encode(), "text", "calendar", filename="invite.ics")
    deliver(team, bytes(msg))
    assert _incoming(team)["text"].splitlines()[0] == line


def test_a_japanese_invite_reads_japanese(team: App) -> None:
    msg = _request("招待: VPN定例")
    msg.set_content(invite(summary="VPN定例"), subtype="calendar")
    deliver(team, bytes(msg))
    lines = _incoming(team)["text"].splitlines()
    assert lines[0] == "会議への招待: VPN定例"
    assert lines[1] == "日時: 2026年12月10日(木) 15:00 JST〜2026年12月10日(木) 16:00 JST"
    assert lines[2] == "場所: Room 3, 5F"
    assert lines[3].startswith("主催者: ")
    assert not any(w in "\n".join(lines[:4]) for w in ("When", "Where", "Organizer", "Meeting"))


def _attached_mail_request(sender_words: str) -> bytes:
    inner = email.message_from_bytes(
        mail(
            "Printer on 3F",
            "The printer on floor 3 jams on every page.\n",
            sender="bob@customer.test",
        )
    )
    msg = _request("Fwd: Printer on 3F")
    if sender_words:
        msg.set_content(sender_words)
    msg.make_mixed()
    assert isinstance(inner, Message)
    msg.attach(_rfc822(inner))
    return bytes(msg)


def _rfc822(inner: Message) -> Message:
    part = Message()
    part["Content-Type"] = "message/rfc822"
    part["Content-Disposition"] = "attachment"
    part.set_payload([inner])
    return part


def test_a_customers_attached_mail_without_words_shows_its_text(team: App) -> None:
    deliver(team, _attached_mail_request(""))
    message = _incoming(team)
    assert message["text"] == (
        "The mail carries an attached message; its text follows.\n\n"
        "The printer on floor 3 jams on every page."
    )
    assert [a["content_type"] for a in message["attachments"]] == ["message/rfc822"]


def test_a_japanese_attached_mail_gets_the_line_in_japanese(team: App) -> None:
    inner = email.message_from_bytes(
        mail("プリンター", "3階のプリンターが紙詰まりします。\n", sender="bob@customer.test")
    )
    msg = _request("転送: プリンター")
    msg.make_mixed()
    msg.attach(_rfc822(inner))
    deliver(team, bytes(msg))
    assert _incoming(team)["text"] == (
        "このメールにはメッセージが添付されています。その本文は次のとおりです。\n\n"
        "3階のプリンターが紙詰まりします。"
    )


def test_words_of_the_senders_own_are_left_as_they_are(team: App) -> None:
    deliver(team, _attached_mail_request("See the attached mail, please.\n"))
    assert _incoming(team)["text"] == "See the attached mail, please."


@pytest.mark.parametrize(
    ("subject", "line"),
    [
        (
            "Contract",
            "This mail is encrypted (S/MIME) and cannot be read here; it is kept as an attachment.",
        ),
        (
            "契約書",
            "このメールは暗号化（S/MIME）されているため、ここでは読めません。添付ファイルとして保存しています。",
        ),
    ],
)
def test_an_smime_blob_says_it_cannot_be_read(team: App, subject: str, line: str) -> None:
    msg = _request(subject)
    msg.set_content(
        b"\x30\x82\x01\x00" * 64,
        "application",
        "pkcs7-mime",
        params={"smime-type": "enveloped-data", "name": "smime.p7m"},
        filename="smime.p7m",
    )
    deliver(team, bytes(msg))
    message = _incoming(team)
    assert message["text"] == line
    assert [a["content_type"] for a in message["attachments"]] == ["application/pkcs7-mime"]


def _pgp_request(subject: str) -> bytes:
    """PGP/MIME (RFC 3156): the version part, then the armored data as octets."""
    msg = _request(subject)
    msg.set_type("multipart/encrypted")
    msg.set_param("protocol", "application/pgp-encrypted")
    version, data = EmailMessage(), EmailMessage()
    version.set_content(b"Version: 1\r\n", "application", "pgp-encrypted")
    data.set_content(
        b"-----BEGIN PGP MESSAGE-----\r\nhQEMA\r\n-----END PGP MESSAGE-----\r\n",
        "application",
        "octet-stream",
        filename="encrypted.asc",
    )
    msg.set_payload([version, data])
    return bytes(msg)


@pytest.mark.parametrize(
    ("subject", "line"),
    [
        (
            "Contract",
            "This mail is encrypted (OpenPGP) and cannot be read here; "
            "it is kept as an attachment.",
        ),
        (
            "契約書",
            "このメールは暗号化（OpenPGP）されているため、ここでは読めません。"
            "添付ファイルとして保存しています。",
        ),
    ],
)
def test_a_pgp_mime_mail_says_it_cannot_be_read(team: App, subject: str, line: str) -> None:
    deliver(team, _pgp_request(subject))
    message = _incoming(team)
    assert message["text"] == line
    assert [a["content_type"] for a in message["attachments"]] == [
        "application/pgp-encrypted",
        "application/octet-stream",
    ]


def _members_invite(description: str) -> EmailMessage:
    msg = _request("Invitation: VPN review")
    msg.replace_header("From", "Ops One <ops@example.test>")
    text = invite().replace("DESCRIPTION:Agenda:\\n1. VPN rollout\\n2. Printer", description)
    msg.set_content(text, subtype="calendar", params={"method": "REQUEST"})
    return msg


def test_a_members_own_invite_reads_like_a_customers(team: App) -> None:
    deliver(team, bytes(_members_invite("DESCRIPTION:Agenda:\\n1. VPN rollout")))
    ticket = show(team, 1)
    assert ticket["requester"] == "ops@example.test"
    text = _incoming(team)["text"]
    assert text.splitlines()[:3] == [
        "Meeting invitation: VPN review",
        "When: Thu, Dec 10, 2026, 15:00 JST – Thu, Dec 10, 2026, 16:00 JST",
        "Where: Room 3, 5F",
    ]
    assert text.endswith("Agenda:\n1. VPN rollout")
    assert [a["content_type"] for a in _incoming(team)["attachments"]] == ["text/calendar"]


def test_words_we_write_for_a_members_invite_are_never_their_commands(team: App) -> None:
    """The invite's own text (what its organizer typed) holds command lines and a
    forward's header block: the ticket shows it, but nothing in it is the member's
    command, and the member did not forward anybody's mail."""
    description = (
        "DESCRIPTION:/close\\n/note kept from the customer\\n\\n"
        "---------- Forwarded message ---------\\n"
        "From: Mallory <mallory@customer.test>\\nSubject: other\\n\\nhello"
    )
    deliver(team, bytes(_members_invite(description)))
    ticket = show(team, 1)
    assert ticket["requester"] == "ops@example.test"
    assert ticket["state"] != "closed"
    assert "/note kept from the customer" in _incoming(team)["text"]
    kinds = {e["kind"] for e in ticket["events"]}
    assert not kinds & {"state", "note", "unverified", "commands-refused"}, kinds
    assert all(not (e["detail"] or {}).get("forwarded_by") for e in ticket["events"])


def test_a_members_mail_with_an_attached_mail_is_left_to_the_forward(team: App) -> None:
    """A member's attached mail is their forward (tests of gateway.pipeline.forward);
    of a fellow member's mail it is nobody's request, and we write nothing over it."""
    inner = email.message_from_bytes(
        mail("Printer", "The printer jams.\n", sender="ops2@example.test")
    )
    msg = _request("Fwd: Printer")
    msg.replace_header("From", "ops@example.test")
    msg.make_mixed()
    assert isinstance(inner, Message)
    msg.attach(_rfc822(inner))
    deliver(team, bytes(msg))
    assert _incoming(team)["text"] == ""


def test_a_members_invite_on_a_ticket_shows_it_and_tells_the_requester_nothing_of_ours(
    team: App,
) -> None:
    deliver(team, mail("VPN", "Can we meet about the VPN?\n"))
    to = reply_address(team, 1, "ops@example.test")
    msg = _members_invite("DESCRIPTION:/close")
    msg.replace_header("To", to)
    msg.replace_header("Subject", "Re: [#1] VPN")
    deliver(team, bytes(msg), envelope_to=(to,))
    assert _incoming(team)["text"].startswith("Meeting invitation: VPN review")
    assert show(team, 1)["state"] != "closed"
    assert not any("Meeting invitation" in text_of(m) for m in outbox(team, "ops_reply"))


def _forwarded(inner: Message, depth: int) -> Message:
    """``inner`` forwarded as an attachment ``depth`` times, nothing written around it."""
    for level in range(depth):
        outer = email.message_from_bytes(mail(f"Fwd {level}", "", sender="c@customer.test"))
        assert isinstance(outer, Message)
        outer.set_type("multipart/mixed")
        outer.set_payload([_rfc822(inner)])
        inner = outer
    return inner


@pytest.mark.parametrize("depth", [1, 2, 7])
def test_a_forward_of_a_forward_shows_the_innermost_words(team: App, depth: int) -> None:
    """A mail forwarded as an attachment that was itself only a forwarded mail showed
    the middle mail as one with no body (its subject, sender, date), though the words
    were a level further in (mime11)."""
    inner = email.message_from_bytes(
        mail("Printer", "The printer on floor 3 jams on every page.\n", sender="b@x.test")
    )
    assert isinstance(inner, Message)
    msg = _request("Fwd: Printer")
    msg.make_mixed()
    msg.attach(_rfc822(_forwarded(inner, depth)))
    deliver(team, bytes(msg))
    assert _incoming(team)["text"] == (
        "The mail carries an attached message; its text follows.\n\n"
        "The printer on floor 3 jams on every page."
    )


def test_fifty_forwards_deep_are_named_not_followed_to_the_end(team: App) -> None:
    inner = email.message_from_bytes(mail("Printer", "Jams.\n", sender="b@x.test"))
    assert isinstance(inner, Message)
    msg = _request("Fwd: Printer")
    msg.make_mixed()
    msg.attach(_rfc822(_forwarded(inner, 50)))
    deliver(team, bytes(msg))
    text = _incoming(team)["text"]
    # opened eight deep (Fwd 49 to Fwd 42), the last of them named as a mail without text
    assert "Jams." not in text
    assert text.startswith('A forwarded mail with no text: "Fwd 42" from c@customer.test')
