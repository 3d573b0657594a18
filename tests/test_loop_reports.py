"""Machine mail that used to open tickets: read receipts, spam complaints, a Japanese
carrier's bounce and Apple's vacation reply.

Each of them concerns a message (a read receipt names the one that was read, a
complaint quotes the one reported, a bounce returns the one it could not deliver), so
each lands on that message's ticket without a state change or an answer, and is
ignored when it concerns none of ours, as a bounce always was. A person's mail that
merely looks like one (a shop's parcel news from a no-reply address, a subject that
starts with "Auto reply") still opens its ticket.
"""

from __future__ import annotations

import pytest

from gateway.core.model import InboxState
from gateway.pipeline import loops, unanswered
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.corpus import needs_shared, shared
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show

GATEWAY = "support@example.test"


def _report(report_type: str, about: str, *, part: str) -> bytes:
    """A multipart/report of ``report_type`` about the message ``about``."""
    return (
        "From: Alice Example <alice@customer.test>\nTo: support@example.test\n"
        "Subject: Read: VPN does not connect\nMessage-ID: <rep-1@customer.test>\n"
        f"MIME-Version: 1.0\nContent-Type: multipart/report; report-type={report_type}; "
        'boundary="R"\n\n'
        "--R\nContent-Type: text/plain\n\nYour message was displayed.\n"
        f"--R\nContent-Type: message/{report_type}\n\n{part}\n"
        f"--R\nContent-Type: text/rfc822-headers\n\nFrom: support@example.test\n"
        f"Message-ID: {about}\nSubject: [#1] ack\n--R--\n"
    ).encode()


def _read_receipt(about: str) -> bytes:
    part = f"Final-Recipient: rfc822; alice@customer.test\nOriginal-Message-ID: {about}\n"
    return _report("disposition-notification", about, part=part + "Disposition: manual-action/")


def _complaint(about: str) -> bytes:
    part = "Feedback-Type: abuse\nUser-Agent: SomeGenerator/1.0\nVersion: 1\n"
    return _report("feedback-report", about, part=part)


def _carrier_bounce(sender: str, subject: str, *, returned: bool) -> bytes:
    """A bounce as a Japanese carrier sends it: from a no-reply address, no DSN."""
    head = (
        f"From: {sender}\nTo: support@example.test\nSubject: {subject}\n"
        "Message-ID: <err-1@carrier.test>\nMIME-Version: 1.0\n"
    )
    text = "Could not be delivered to: <taro@carrier.test>\nAs their mailbox is full.\n"
    if not returned:
        return (head + "Content-Type: text/plain; charset=utf-8\n\n" + text).encode()
    return (
        head + 'Content-Type: multipart/mixed; boundary="K"\n\n'
        f"--K\nContent-Type: text/plain; charset=utf-8\n\n{text}"
        "--K\nContent-Type: message/rfc822\n\nFrom: support@example.test\n"
        "Message-ID: <t1.ack@example.test>\nSubject: [#1] ack\n\nhello\n--K--\n"
    ).encode()


def _tnef(subject: str, *, wrapped: bool = False, text: str = "") -> bytes:
    """Outlook's own format (winmail.dat), as Outlook sends a read receipt when it
    writes in rich text: no MDN part, only the TNEF blob and a "Read:" subject."""
    head = (
        f"From: Ivan <ivan@customer.test>\nTo: support@example.test\nSubject: {subject}\n"
        "Message-ID: <tnef-1@customer.test>\nMIME-Version: 1.0\nX-MS-TNEF-Correlator: 00\n"
    )
    blob = 'Content-Type: application/ms-tnef; name="winmail.dat"\n'
    blob += "Content-Transfer-Encoding: base64\n\neJ8+IgABAAEA\n"
    if not wrapped:
        return (head + blob).encode()
    body = f"--W\nContent-Type: text/plain\n\n{text}\n" if text else ""
    return (
        head + f'Content-Type: multipart/mixed; boundary="W"\n\n{body}--W\n{blob}--W--\n'
    ).encode()


def _verdict(raw: bytes) -> LoopVerdict:
    return loops.verdict(parse_message(raw), GATEWAY)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (_read_receipt("<a@example.test>"), LoopVerdict.REPORT),
        (_complaint("<a@example.test>"), LoopVerdict.REPORT),
        (_report("delivery-status", "<a@example.test>", part="Action: failed"), LoopVerdict.BOUNCE),
        # a report type we do not know is not taken for one of these
        (_report("tlsrpt", "<a@example.test>", part="x: y"), LoopVerdict.HUMAN),
        (
            _carrier_bounce("no-reply@mail.carrier.test", "メールエラー通知", returned=True),
            LoopVerdict.BOUNCE,
        ),
        # the same sender and subject with no returned message: not a bounce we can tell
        (
            _carrier_bounce("no-reply@mail.carrier.test", "メールエラー通知", returned=False),
            LoopVerdict.HUMAN,
        ),
        (
            _carrier_bounce("no-reply@shop.test", "Delivery failure: your parcel", returned=False),
            LoopVerdict.HUMAN,
        ),
        (
            mail(subject="Auto reply: Nyaan", headers={"X-Apple-Action": "VACATION"}),
            LoopVerdict.AUTO_REPLY,
        ),
        (mail(subject="Auto reply: Nyaan"), LoopVerdict.HUMAN),  # no header: a person may
        (_tnef("Read: VPN does not connect"), LoopVerdict.REPORT),
        (_tnef("Gelesen: VPN geht nicht", wrapped=True), LoopVerdict.REPORT),
        (_tnef("開封済み: VPN が接続できない"), LoopVerdict.REPORT),
        # a person's rich-text mail, and one with words of its own, are no receipts
        (_tnef("Quarterly report"), LoopVerdict.HUMAN),
        (_tnef("Read: this first", wrapped=True, text="Please read the file."), LoopVerdict.HUMAN),
        (mail(subject="Read: chapter 3"), LoopVerdict.HUMAN),
    ],
    ids=[
        "read-receipt",
        "spam-complaint",
        "dsn",
        "unknown-report",
        "carrier-bounce",
        "carrier-notice-without-message",
        "parcel-news",
        "apple-vacation",
        "subject-alone",
        "outlook-tnef-receipt",
        "outlook-tnef-receipt-de-wrapped",
        "outlook-tnef-receipt-ja",
        "outlook-tnef-mail",
        "outlook-tnef-with-text",
        "read-subject-alone",
    ],
)
def test_the_verdict(raw: bytes, expected: LoopVerdict) -> None:
    assert _verdict(raw) == expected


def test_a_read_receipt_names_the_message_it_is_about() -> None:
    """Original-Message-ID alone (no returned headers) is enough to find it."""
    raw = (
        b"From: alice@customer.test\nTo: support@example.test\nSubject: Read\n"
        b"Message-ID: <rep-2@customer.test>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=disposition-notification; boundary="R"\n\n'
        b"--R\nContent-Type: message/disposition-notification\n\n"
        b"Original-Message-ID: <t1.ack@example.test>\nDisposition: manual-action/MDN-sent-"
        b"manually; displayed\n--R--\n"
    )
    assert loops.returned_message_ids(raw) == ["t1.ack@example.test"]


@pytest.mark.parametrize(
    ("raw_for", "kind"),
    [
        (_read_receipt, "report"),
        (_complaint, "report"),
        (
            lambda ack: _carrier_bounce(
                "no-reply@mail.carrier.test", "メールエラー通知", returned=True
            ).replace(b"<t1.ack@example.test>", ack.encode()),
            "bounce",
        ),
    ],
    ids=["read-receipt", "spam-complaint", "carrier-bounce"],
)
def test_machine_mail_about_our_ack_lands_on_its_ticket_unanswered(
    app: App, raw_for: object, kind: str
) -> None:
    first = deliver(app, mail(message_id="<req-1@customer.test>"))
    [ack] = outbox(app)
    out = deliver(app, raw_for(f"<{ack.message_id}>"))  # type: ignore[operator]
    assert out.state == InboxState.DONE and out.ticket_id == first.ticket_id, out.reason
    shown = show(app, first.ticket_id or 0)
    assert shown["messages"][-1]["kind"] == kind
    assert shown["state"] == "new"  # no state change
    assert len(outbox(app)) == 1  # only the acknowledgement


def test_machine_mail_about_no_ticket_of_ours_is_ignored(app: App) -> None:
    for raw, why in (
        (_read_receipt("<other@elsewhere.test>"), "report that belongs to no ticket"),
        (_complaint("<other@elsewhere.test>"), "report that belongs to no ticket"),
        (
            _carrier_bounce("no-reply@mail.carrier.test", "メールエラー通知", returned=True),
            "bounce that belongs to no ticket",
        ),
        (
            mail(subject="Auto reply: Nyaan", headers={"X-Apple-Action": "VACATION"}),
            "auto-reply that belongs to no ticket",
        ),
    ):
        out = deliver(app, raw)
        assert (out.state, out.reason) == (InboxState.IGNORED, why)
    assert outbox(app) == []


@pytest.mark.parametrize(
    "subject",
    [
        "Automatische Antwort: VPN",
        "Réponse automatique : VPN",
        "Automatyczna odpowiedź: VPN",
        "Respuesta automática: VPN",
        "Автоматический ответ: VPN",
        "自动回复: VPN",
        "תשובה אוטומטית: VPN",  # Outlook 2010 on, in Hebrew
        "מענה 'אני לא נמצא': VPN",  # Outlook 2003's "Out of Office AutoReply", in Hebrew
    ],
)
def test_outlook_out_of_office_in_other_languages(subject: str) -> None:
    """Exchange marks its out-of-office reply with X-Auto-Response-Suppress and says
    "Automatic reply" in the sender's language; the subject alone still proves nothing."""
    suppress = {"X-Auto-Response-Suppress": "All"}
    assert _verdict(mail(subject=subject, headers=suppress)) == LoopVerdict.AUTO_REPLY
    assert _verdict(mail(subject=subject)) == LoopVerdict.HUMAN


@pytest.mark.parametrize("label", ["תשובה אוטומטית", "מענה 'אני לא נמצא'"])
def test_a_hebrew_out_of_office_gets_no_acknowledgement(label: str) -> None:
    """An out-of-office in Hebrew whose headers say nothing (as it reaches us through a
    forwarder) was acknowledged like a person's request: its subject says what it is,
    as the other languages' do."""
    msg = parse_message(mail(subject=f"{label}: Invoice 4711"))
    answer = loops.may_auto_answer(msg, LoopVerdict.HUMAN, {GATEWAY})
    assert answer == (False, unanswered.AUTO_SUBJECT)


@needs_shared
@pytest.mark.parametrize(
    "rel",
    [
        "public/flanker/complaint-aol-arf.eml",
        "public/flanker/disposition-notification.eml",
        "public/sisimai/arf-01.eml",
        "public/sisimai/lhost-kddi-01.eml",
        "public/sisimai/rfc3834-03.eml",
    ],
)
def test_real_receipts_complaints_and_a_carrier_bounce_open_no_ticket(app: App, rel: str) -> None:
    """They used to open tickets under "other"; none concerns a ticket of ours."""
    out = deliver(app, shared(rel).raw())
    assert out.state == InboxState.IGNORED and out.ticket_id is None, out.reason
    assert outbox(app) == []


@pytest.mark.parametrize(
    "quoted",
    [
        b"<abc def@customer.test>",  # a space inside: read whole, as the parser reads it
        b"<" + b"x" * 300 + b"@customer.test>",  # longer than an id is kept: its digest
        b"(relay) <r-1@customer.test>",  # a comment before the id
    ],
)
def test_a_returned_id_is_read_as_the_message_it_names_was_stored(quoted: bytes) -> None:
    """The id quoted in a bounce or receipt is looked up among the stored ones: read
    otherwise (its first word, or at full length), it named nothing stored."""
    stored = parse_message(mail(message_id="<p@x.test>").replace(b"<p@x.test>", quoted))
    raw = (
        b"From: MAILER-DAEMON@mx.customer.test\nTo: support@example.test\nSubject: Read\n"
        b"Message-ID: <rep-3@mx.customer.test>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=disposition-notification; boundary="R"\n\n'
        b"--R\nContent-Type: message/disposition-notification\n\n"
        b"Original-Message-ID: " + quoted + b"\nDisposition: manual-action/MDN-sent-"
        b"manually; displayed\n--R--\n"
    )
    assert loops.returned_message_ids(raw) == [stored.message_id]


@pytest.mark.parametrize(
    ("x_loop", "machine"),
    [
        ("yes", True),  # Zammad's and OTRS's automatic mail
        ("True", True),
        ("alice@customer.test", True),  # a procmail autoresponder's guard: its own address
        ("<Alice@Customer.test>", True),
        ("helpdesk@example.test", False),  # a procmail forward's guard: the forwarder's
    ],
)
def test_x_loop_makes_machine_mail_only_when_it_says_so_or_names_the_writer(
    x_loop: str, machine: bool
) -> None:
    """Procmail's forwarding recipe puts the forwarding mailbox's address in X-Loop on
    every mail it passes on: a support mailbox forwarded to the gateway so made every
    person's reply machine mail, which left a waiting ticket waiting. Zammad reads
    X-Loop as automatic only when it says yes or true; an autoresponder's guard names
    its own address, the From. Any X-Loop still withholds our automatic answer."""
    msg = parse_message(mail(sender="Alice <alice@customer.test>", headers={"X-Loop": x_loop}))
    verdict = loops.verdict(msg, GATEWAY)
    assert verdict == (LoopVerdict.AUTOMATED if machine else LoopVerdict.HUMAN)
    allowed, why_not = loops.may_auto_answer(msg, verdict, {GATEWAY})
    assert not allowed
    assert machine or why_not == unanswered.X_LOOP


def test_no_x_loop_and_no_from_is_no_loop_guard_naming_the_writer() -> None:
    """The X-Loop row compares the guard with the From: both empty is no guard."""
    msg = parse_message(b"To: support@example.test\r\nSubject: Printer\r\n\r\nIt jams.\r\n")
    assert loops.verdict(msg, GATEWAY) == LoopVerdict.HUMAN
