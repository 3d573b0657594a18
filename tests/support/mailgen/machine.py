"""Mail written by machines about our mail: bounces (RFC 3464 reports and the plain
text of qmail, Exim, old Postfix, Gmail), a feedback report, and auto-replies
(RFC 3834 headers, Exchange's, Apple's that set none, read receipts).

None of them may ever get an automatic answer; each is dated "now" for the tests'
clock, so that only the loop rules, not the message's age, keep it unanswered.
"""

from __future__ import annotations

from tests.support.mailgen.build import (
    GATEWAY,
    Fixture,
    ack,
    head,
    jis_lines,
    lines,
    qp_lines,
    word,
)

BOUNCE, AUTO_REPLY = "bounce", "auto-reply"
ACK_ID = "ack-1.0123456789abcdef@example.test"


def _delivery_status(mta: str, recipient: str, status: str, diagnostic: str) -> list[str]:
    return [
        f"Reporting-MTA: dns; {mta}",
        "Arrival-Date: Mon, 02 Mar 2026 09:00:06 +0900",
        "",
        f"Final-Recipient: rfc822; {recipient}",
        "Action: failed",
        f"Status: {status}",
        f"Diagnostic-Code: smtp; {diagnostic}",
    ]


def _postfix_dsn() -> bytes:
    b = "4A1B2C3D.1772411400/mx.customer.test"
    return lines(
        "Return-Path: <>",
        head(
            "MAILER-DAEMON@mx.customer.test (Mail Delivery System)",
            "Undelivered Mail Returned to Sender",
            "20260302003000.4A1B2C3D@mx.customer.test",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"',
            "Content-Transfer-Encoding: 8bit",
        ),
        "",
        "This is a MIME-encapsulated message.",
        "",
        f"--{b}",
        "Content-Description: Notification",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "This is the mail system at host mx.customer.test.",
        "",
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients. It's attached below.",
        "",
        "<alice@customer.test>: host mailstore.customer.test[192.0.2.25] said: 550",
        "    5.1.1 <alice@customer.test>: Recipient address rejected: User unknown",
        "    (in reply to RCPT TO command)",
        "",
        f"--{b}",
        "Content-Description: Delivery report",
        "Content-Type: message/delivery-status",
        "",
        _delivery_status(
            "mx.customer.test",
            "alice@customer.test",
            "5.1.1",
            "550 5.1.1 <alice@customer.test>: Recipient address rejected",
        ),
        "",
        f"--{b}",
        "Content-Description: Undelivered Message",
        "Content-Type: message/rfc822",
        "",
        ack(),
        "",
        f"--{b}--",
    )


def sendmail_dsn() -> bytes:
    """Also stored with CRLF line endings under mime-edge."""
    b = "622J0Rx5012345.1772411400/relay.customer.test"
    return lines(
        "Return-Path: <>",
        head(
            "Mail Delivery Subsystem <MAILER-DAEMON@relay.customer.test>",
            "Returned mail: see transcript for details",
            "202603020030.622J0Rx5012345@relay.customer.test",
            "Auto-Submitted: auto-generated (failure)",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="{b}"'.split(
                "\n"
            ),
        ),
        "",
        "This is a MIME-encapsulated message",
        "",
        f"--{b}",
        "",
        "The original message was received at Mon, 2 Mar 2026 09:00:06 +0900",
        "from mail.example.test [192.0.2.1]",
        "",
        "   ----- The following addresses had permanent fatal errors -----",
        "<bob@customer.test>",
        "    (reason: 550 5.1.1 User unknown)",
        "",
        "   ----- Transcript of session follows -----",
        "... while talking to mailstore.customer.test.:",
        ">>> RCPT To:<bob@customer.test>",
        "<<< 550 5.1.1 User unknown",
        "550 5.1.1 <bob@customer.test>... User unknown",
        "",
        f"--{b}",
        "Content-Type: message/delivery-status",
        "",
        _delivery_status(
            "relay.customer.test", "bob@customer.test", "5.1.1", "550 5.1.1 User unknown"
        ),
        "",
        f"--{b}",
        "Content-Type: text/rfc822-headers",
        "",
        ack(recipient="bob@customer.test")[:9],
        "",
        f"--{b}--",
    )


def _exchange_ndr() -> bytes:
    b, alt = "_000_NDR01_", "_001_NDR01_"
    return lines(
        head(
            "Microsoft Outlook <postmaster@customer.test>",
            "Undeliverable: VPN does not connect",
            "ndr-0001@customer.test",
            "Content-Language: en-US",
            "X-MS-Exchange-Message-Is-Ndr:",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"',
        ),
        "",
        f"--{b}",
        f'Content-Type: multipart/alternative; boundary="{alt}"',
        "",
        f"--{alt}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Your message to carol@customer.test couldn't be delivered.",
        "carol wasn't found at customer.test.",
        "",
        f"--{alt}",
        "Content-Type: text/html; charset=us-ascii",
        "",
        "<html><body><p>Your message to carol@customer.test couldn't be delivered.</p>"
        "</body></html>",
        f"--{alt}--",
        "",
        f"--{b}",
        "Content-Type: message/delivery-status",
        "",
        _delivery_status(
            "DM6PR01MB0001.prod.customer.test",
            "carol@customer.test",
            "5.1.10",
            "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found",
        ),
        "",
        f"--{b}",
        "Content-Type: text/rfc822-headers",
        "",
        ack(recipient="carol@customer.test")[:9],
        "",
        f"--{b}--",
    )


def _qmail_failure_notice() -> bytes:
    # qmail writes no MIME at all and no Message-ID; the null sender gives it away
    return lines(
        "Return-Path: <>",
        head("MAILER-DAEMON@mail.customer.test", "failure notice", None),
        "",
        "Hi. This is the qmail-send program at mail.customer.test.",
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        "This is a permanent error; I've given up. Sorry it didn't work out.",
        "",
        "<dave@customer.test>:",
        "Sorry, no mailbox here by that name. (#5.1.1)",
        "",
        "--- Below this line is a copy of the message.",
        "",
        f"Return-Path: <{GATEWAY}>",
        ack(recipient="dave@customer.test"),
    )


def exim_delivery_failed() -> bytes:
    """Also stored with bare CR line endings under mime-edge."""
    return lines(
        "Return-path: <>",
        head(
            "Mail Delivery System <Mailer-Daemon@mx2.customer.test>",
            "Mail delivery failed: returning message to sender",
            "E1vXyZa-0001Ab-Cd@mx2.customer.test",
            "X-Failed-Recipients: erin@customer.test",
            "Auto-Submitted: auto-replied",
        ),
        "",
        "This message was created automatically by mail delivery software.",
        "",
        "A message that you sent could not be delivered to one or more of its",
        "recipients. This is a permanent error. The following address(es) failed:",
        "",
        "  erin@customer.test",
        "    mailbox is full: retry timeout exceeded",
        "",
        "------ This is a copy of the message, including all the headers. ------",
        "",
        ack(recipient="erin@customer.test"),
    )


def _postfix_plain_text() -> bytes:
    # an old Postfix without DSN support: no report, no Auto-Submitted, no Return-Path
    return lines(
        head(
            "MAILER-DAEMON@old.customer.test (Mail Delivery System)",
            "Undelivered Mail Returned to Sender",
            "20260302003100.77AA1@old.customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=us-ascii",
        ),
        "",
        "This is the Postfix program at host old.customer.test.",
        "",
        "I'm sorry to have to inform you that the message returned",
        "below could not be delivered to one or more destinations.",
        "",
        '<frank@customer.test>: unknown user: "frank"',
        "",
        "--- Delivery error report follows ---",
        "",
        "--- Undelivered message follows ---",
        "",
        ack(recipient="frank@customer.test"),
    )


def _gmail_plain() -> bytes:
    return lines(
        head(
            "Mail Delivery Subsystem <mailer-daemon@mail.customer.test>",
            "Delivery Status Notification (Failure)",
            "dsn-gmail-1@mail.customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
        ),
        "",
        "Delivery to the following recipient failed permanently:",
        "",
        "     grace@customer.test",
        "",
        "Technical details of permanent failure:",
        "The email account that you tried to reach does not exist.",
        "",
        "----- Original message -----",
        "",
        ack(recipient="grace@customer.test"),
    )


def _japanese_dsn() -> bytes:
    b = "jp-dsn-0001"
    human = "このメールは送信できませんでした。\n宛先のメールアドレスが見つかりません。"
    return lines(
        "Return-Path: <>",
        head(
            "MAILER-DAEMON@mobile.customer.test",
            word("配信不能のお知らせ", "ISO-2022-JP"),
            "jp-dsn-1@mobile.customer.test",
            "MIME-Version: 1.0",
            f"Content-Type: multipart/report; report-type=delivery-status; boundary={b}",
        ),
        "",
        f"--{b}",
        "Content-Type: text/plain; charset=Shift_JIS",
        "Content-Transfer-Encoding: 8bit",
        "",
        human.encode("cp932").split(b"\n"),
        "",
        f"--{b}",
        "Content-Type: message/delivery-status",
        "",
        _delivery_status(
            "mobile.customer.test", "keitai@mobile.customer.test", "5.1.1", "550 5.1.1 unknown user"
        ),
        "",
        f"--{b}",
        "Content-Type: message/rfc822",
        "",
        ack(recipient="keitai@mobile.customer.test"),
        "",
        f"--{b}--",
    )


def _arf_feedback() -> bytes:
    b = "arf-0001"
    return lines(
        head(
            "Feedback Loop <fbl@isp.customer.test>",
            "Email Feedback Report for IP 192.0.2.1",
            "arf-1@isp.customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/report; report-type=feedback-report; boundary="{b}"',
        ),
        "",
        f"--{b}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "This is an email abuse report for a message received from IP 192.0.2.1.",
        "",
        f"--{b}",
        "Content-Type: message/feedback-report",
        "",
        "Feedback-Type: abuse",
        "User-Agent: isp-fbl/1.0",
        "Version: 1",
        "Source-IP: 192.0.2.1",
        "Arrival-Date: Mon, 02 Mar 2026 09:00:06 +0900",
        "",
        f"--{b}",
        "Content-Type: message/rfc822",
        "",
        ack(recipient="complainer@isp.customer.test"),
        "",
        f"--{b}--",
    )


def _part_without_content_type() -> bytes:
    b = "dsn-no-ctype"
    return lines(
        "Return-Path: <>",
        head(
            "postmaster@relay2.customer.test",
            "Delivery failure",
            "dsn-noctype-1@relay2.customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"',
        ),
        "",
        f"--{b}",
        "",
        "A part with no Content-Type at all: the default is text/plain.",
        "",
        f"--{b}",
        "Content-Type: message/delivery-status",
        "",
        _delivery_status("relay2.customer.test", "henry@customer.test", "5.0.0", "550 rejected"),
        "",
        f"--{b}--",
    )


def _vacation() -> bytes:
    return lines(
        "Return-Path: <hanako@customer.test>",
        head(
            "Hanako Yamada <hanako@customer.test>",
            "Away until 9 March: Re: [#1] VPN",
            "vacation-1@customer.test",
            "Auto-Submitted: auto-replied (vacation)",
            f"In-Reply-To: <{ACK_ID}>",
            f"References: <{ACK_ID}>",
            "Content-Type: text/plain; charset=us-ascii",
        ),
        "",
        "I am away until 9 March and will read your message when I am back.",
    )


def _exchange_automatic_reply() -> bytes:
    # no Auto-Submitted: Exchange's own header and the subject are all there is
    return lines(
        head(
            '"Doe, John" <john.doe@customer.test>',
            "Automatic reply: VPN does not connect",
            "oof-1@customer.test",
            "X-Auto-Response-Suppress: All",
            "X-MS-Exchange-Inbox-Rules-Loop: john.doe@customer.test",
            f"In-Reply-To: <{ACK_ID}>",
            'Content-Type: text/plain; charset="us-ascii"',
            "Content-Language: en-US",
        ),
        "",
        "I am out of the office until Monday with limited access to e-mail.",
    )


def _apple_auto_reply() -> bytes:
    # Apple's vacation reply sets no header at all; only its subject says what it is
    return lines(
        "Return-Path: <kiji@customer.test>",
        head(
            "kiji@customer.test",
            "Auto reply: VPN does not connect",
            "apple-auto-1@customer.test",
            "Content-type: text/plain; charset=UTF-8",
            "Content-transfer-encoding: 7bit",
        ),
        "",
        "I'm only sleeping.",
    )


def _windows_1252_automatic_reply() -> bytes:
    return lines(
        "Return-path: <>",
        head(
            "Chloe Martin <chloe@customer.test>",
            "=?Windows-1252?Q?Automatic_reply:_R=E9union_de_mars?=",
            "oof-fr-1@customer.test",
            "X-Auto-Response-Suppress: All",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="Windows-1252"',
            "Content-Transfer-Encoding: quoted-printable",
        ),
        "",
        qp_lines("Je suis absente jusqu'au 9 mars. Réunion reportée — merci.".encode("cp1252")),
    )


def _japanese_out_of_office() -> bytes:
    # a Japanese groupware: X-Autoreply only; the subject starts with a bracket
    return lines(
        head(
            f"{word('田中 次郎', 'ISO-2022-JP')} <jiro.tanaka@customer.test>",
            word("【自動返信】不在のお知らせ", "ISO-2022-JP"),
            "jp-oof-1@customer.test",
            "X-Autoreply: yes",
            f"In-Reply-To: <{ACK_ID}>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=ISO-2022-JP",
        ),
        "",
        jis_lines(
            "ただいま出張中のため、３月９日まで不在です。\nお急ぎの方は代表までご連絡ください。"
        ),
    )


def _read_receipt() -> bytes:
    b = "mdn-0001"
    return lines(
        head(
            "Ivan Petrov <ivan@customer.test>",
            "Read: [#1] VPN does not connect",
            "mdn-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: multipart/report; report-type=disposition-notification;",
            f'\tboundary="{b}"',
        ),
        "",
        f"--{b}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Your message was displayed on Mon, 2 Mar 2026 09:20 +0900.",
        "",
        f"--{b}",
        "Content-Type: message/disposition-notification",
        "",
        "Reporting-UA: ivan-pc; Mail 16.0",
        "Final-Recipient: rfc822; ivan@customer.test",
        f"Original-Message-ID: <{ACK_ID}>",
        "Disposition: manual-action/MDN-sent-manually; displayed",
        "",
        f"--{b}--",
    )


def _outlook_tnef_receipt() -> bytes:
    # Outlook in rich text: the receipt is winmail.dat (TNEF) alone, no MDN part
    return lines(
        head(
            "Ivan Petrov <ivan@customer.test>",
            "Read: [#1] VPN does not connect",
            "tnef-receipt-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: application/ms-tnef; name="winmail.dat"',
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="winmail.dat"',
            "X-MS-TNEF-Correlator: 0000000016157F2131",
        ),
        "",
        "eJ8+IgABAAEA",
    )


def _x_autorespond() -> bytes:
    return lines(
        head(
            "sales@customer.test",
            "Re: your message",
            "autorespond-1@customer.test",
            "X-Autorespond: yes",
            "Precedence: auto_reply",
        ),
        "",
        "Thank you for writing to our sales team. We answer within two days.",
    )


def _auto_submitted_only() -> bytes:
    # only the RFC 3834 header marks it: a neutral subject, a person's address
    return lines(
        head(
            "<foo@customer.test>",
            "kitununulinitoquekegu",
            "autosub-1@customer.test",
            "Auto-Submitted: auto-replied",
            'Content-Type: text/plain; charset="UTF-8"',
        ),
        "",
        "Received, thank you.",
    )


FIXTURES = [
    Fixture(
        BOUNCE,
        "postfix-dsn.eml",
        "Postfix multipart/report delivery-status DSN with the returned message (message/rfc822)",
        _postfix_dsn(),
    ),
    Fixture(
        BOUNCE,
        "sendmail-dsn-headers.eml",
        'Sendmail "Returned mail" DSN returning only the headers (text/rfc822-headers)',
        sendmail_dsn(),
    ),
    Fixture(
        BOUNCE,
        "exchange-ndr.eml",
        'Exchange "Undeliverable:" NDR from postmaster: multipart/alternative inside the report',
        _exchange_ndr(),
    ),
    Fixture(
        BOUNCE,
        "qmail-failure-notice.eml",
        'qmail "failure notice": plain text, no MIME, no Message-ID, null Return-Path',
        _qmail_failure_notice(),
    ),
    Fixture(
        BOUNCE,
        "exim-delivery-failed.eml",
        'Exim "Mail delivery failed" plain-text bounce with X-Failed-Recipients',
        exim_delivery_failed(),
    ),
    Fixture(
        BOUNCE,
        "postfix-plain-text.eml",
        "old Postfix plain-text bounce from MAILER-DAEMON: no report, no "
        "Auto-Submitted, no Return-Path (sender and subject give it away)",
        _postfix_plain_text(),
    ),
    Fixture(
        BOUNCE,
        "gmail-dsn-plain.eml",
        'Gmail-style "Delivery Status Notification (Failure)" in plain text',
        _gmail_plain(),
    ),
    Fixture(
        BOUNCE,
        "japanese-dsn.eml",
        "Japanese DSN: ISO-2022-JP subject, Shift_JIS human-readable part",
        _japanese_dsn(),
    ),
    Fixture(
        BOUNCE,
        "arf-feedback-report.eml",
        "ARF abuse report (report-type=feedback-report) from an ordinary-looking sender",
        _arf_feedback(),
    ),
    Fixture(
        BOUNCE,
        "dsn-part-without-content-type.eml",
        "DSN in which a MIME part has no Content-Type header",
        _part_without_content_type(),
    ),
    Fixture(
        AUTO_REPLY,
        "vacation-rfc3834.eml",
        "vacation reply with Auto-Submitted: auto-replied (vacation), threaded to our ack",
        _vacation(),
    ),
    Fixture(
        AUTO_REPLY,
        "exchange-automatic-reply.eml",
        'Exchange "Automatic reply:" with X-Auto-Response-Suppress and no Auto-Submitted',
        _exchange_automatic_reply(),
    ),
    Fixture(
        AUTO_REPLY,
        "apple-auto-reply.eml",
        'Apple "Auto reply:" vacation message that sets no header at all',
        _apple_auto_reply(),
    ),
    Fixture(
        AUTO_REPLY,
        "windows-1252-automatic-reply.eml",
        '"Automatic reply:" with a Windows-1252 encoded-word subject and '
        "quoted-printable body, null Return-Path",
        _windows_1252_automatic_reply(),
    ),
    Fixture(
        AUTO_REPLY,
        "japanese-out-of-office.eml",
        'Japanese out-of-office: ISO-2022-JP "【自動返信】" subject, only X-Autoreply',
        _japanese_out_of_office(),
    ),
    Fixture(
        AUTO_REPLY,
        "read-receipt-mdn.eml",
        "read receipt (multipart/report; report-type=disposition-notification)",
        _read_receipt(),
    ),
    Fixture(
        AUTO_REPLY,
        "outlook-tnef-read-receipt.eml",
        "Outlook read receipt in rich text: a Read: subject and only winmail.dat, no MDN",
        _outlook_tnef_receipt(),
    ),
    Fixture(
        AUTO_REPLY,
        "x-autorespond.eml",
        "auto-responder marked by X-Autorespond and Precedence: auto_reply",
        _x_autorespond(),
    ),
    Fixture(
        AUTO_REPLY,
        "auto-submitted-only.eml",
        "minimal auto-reply: only Auto-Submitted marks it",
        _auto_submitted_only(),
    ),
]
