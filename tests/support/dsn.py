"""Delivery status notifications as the big mail systems write them, for our mail
``mid`` (without brackets) that could not be delivered to ``rcpt``: the forms a
bounce reaches the runner in (the returned Message-ID in a text/rfc822-headers or
message/rfc822 part, or Exim's copy inline; who failed in Final-Recipient or
X-Failed-Recipients)."""

from __future__ import annotations

from collections.abc import Callable

# a bounce of our mail (its Message-ID, without brackets) that failed for an address
Form = Callable[[str, str], bytes]


def postfix(mid: str, rcpt: str) -> bytes:
    """Postfix's bounce(8): multipart/report, the returned headers only."""
    return (
        "Return-Path: <>\n"
        "From: MAILER-DAEMON@mx.customer.test (Mail Delivery System)\n"
        "To: support@example.test\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Auto-Submitted: auto-replied\n"
        "Message-Id: <20260601101500.4F1C21A2B3@mx.customer.test>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        '\tboundary="4F1C21A2B3.1780308900/mx.customer.test"\n\n'
        "This is a MIME-encapsulated message.\n\n"
        "--4F1C21A2B3.1780308900/mx.customer.test\n"
        "Content-Description: Notification\n"
        "Content-Type: text/plain; charset=us-ascii\n\n"
        "This is the mail system at host mx.customer.test.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients.\n\n"
        f"<{rcpt}>: host mail.customer.test[192.0.2.25] said: 550 5.1.1\n"
        f"    <{rcpt}>: Recipient address rejected: User unknown\n\n"
        "--4F1C21A2B3.1780308900/mx.customer.test\n"
        "Content-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.customer.test\n"
        "X-Postfix-Queue-ID: 4F1C21A2B3\n"
        "Arrival-Date: Mon,  1 Jun 2026 10:14:58 +0900 (JST)\n\n"
        f"Final-Recipient: rfc822; {rcpt}\n"
        f"Original-Recipient: rfc822;{rcpt}\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Remote-MTA: dns; mail.customer.test\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"
        "--4F1C21A2B3.1780308900/mx.customer.test\n"
        "Content-Description: Undelivered Message Headers\n"
        "Content-Type: text/rfc822-headers\n\n"
        "From: support@example.test\n"
        f"To: {rcpt}\n"
        "Subject: [#1] Re: your request\n"
        f"Message-ID: <{mid}>\n\n"
        "--4F1C21A2B3.1780308900/mx.customer.test--\n"
    ).encode()


def exim(mid: str, rcpt: str) -> bytes:
    """Exim's bounce: plain text, the failed address in X-Failed-Recipients, the
    message copied inline after its marker line."""
    return (
        "Return-path: <>\n"
        "From: Mail Delivery System <Mailer-Daemon@smtp.customer.test>\n"
        "To: support@example.test\n"
        f"X-Failed-Recipients: {rcpt}\n"
        "Subject: Mail delivery failed: returning message to sender\n"
        "Message-Id: <E1sQ2xY-0003Ab-7Q@smtp.customer.test>\n"
        "Auto-Submitted: auto-replied\n\n"
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        f"  {rcpt}\n"
        "    mailbox is full: retry timeout exceeded\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n"
        "Return-path: <support@example.test>\n"
        "From: support@example.test\n"
        f"To: {rcpt}\n"
        "Subject: [#1] Re: your request\n"
        f"Message-ID: <{mid}>\n\n"
        "Hello,\n"
    ).encode()


def gmail(mid: str, rcpt: str) -> bytes:
    """Gmail's: multipart/report with the whole message returned as message/rfc822."""
    return (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
        "To: support@example.test\n"
        "Auto-Submitted: auto-replied\n"
        "Subject: Delivery Status Notification (Failure)\n"
        "Message-ID: <5f1e2d3c.050a0220.1a2b3c.0001.GMR@mx.google.com>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; boundary="000000000000e7b2c4061a"; '
        "report-type=delivery-status\n\n"
        "--000000000000e7b2c4061a\n"
        'Content-Type: text/plain; charset="UTF-8"\n\n'
        "** Address not found **\n\n"
        f"Your message wasn't delivered to {rcpt} because the address couldn't be "
        "found, or is unable to receive mail.\n\n"
        "--000000000000e7b2c4061a\n"
        "Content-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; googlemail.com\n"
        "Received-From-MTA: dns; support@example.test\n\n"
        f"Final-Recipient: rfc822; {rcpt}\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Diagnostic-Code: smtp; The email account that you tried to reach does not exist.\n\n"
        "--000000000000e7b2c4061a\n"
        "Content-Type: message/rfc822\n\n"
        "From: support@example.test\n"
        f"To: {rcpt}\n"
        "Subject: [#1] Re: your request\n"
        f"Message-ID: <{mid}>\n\n"
        "Hello,\n\n"
        "--000000000000e7b2c4061a--\n"
    ).encode()


def microsoft365(mid: str, rcpt: str) -> bytes:
    """Exchange Online's non-delivery report: HTML, a delivery-status part, and the
    returned headers."""
    return (
        "From: Microsoft Outlook\n"
        " <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@customer.onmicrosoft.com>\n"
        "To: support@example.test\n"
        "Subject: Undeliverable: [#1] Re: your request\n"
        "Message-ID:\n"
        " <7c1f9a2e-5d1b-4f0e-9a55-0b7e3c2f1a00@TYCPR01MB1234.jpnprd01.prod.outlook.com>\n"
        "Auto-Submitted: auto-replied\n"
        "X-MS-Exchange-Message-Is-Ndr:\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        '\tboundary="a3f0c9e1-77d2-4b4c-8e0a-2b6f5d9c1e11"\n\n'
        "--a3f0c9e1-77d2-4b4c-8e0a-2b6f5d9c1e11\n"
        'Content-Type: text/html; charset="us-ascii"\n\n'
        "<html><body><b>Your message to "
        f"{rcpt} couldn't be delivered.</b></body></html>\n\n"
        "--a3f0c9e1-77d2-4b4c-8e0a-2b6f5d9c1e11\n"
        "Content-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns;TYCPR01MB1234.jpnprd01.prod.outlook.com\n"
        "Received-From-MTA: dns;mail.example.test\n\n"
        f"Original-Recipient: rfc822;{rcpt}\n"
        f"Final-Recipient: rfc822;{rcpt}\n"
        "Action: failed\n"
        "Status: 5.1.10\n"
        "Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found\n\n"
        "--a3f0c9e1-77d2-4b4c-8e0a-2b6f5d9c1e11\n"
        "Content-Type: text/rfc822-headers\n\n"
        "From: support@example.test\n"
        f"To: {rcpt}\n"
        "Subject: [#1] Re: your request\n"
        f"Message-ID: <{mid}>\n\n"
        "--a3f0c9e1-77d2-4b4c-8e0a-2b6f5d9c1e11--\n"
    ).encode()


FORMS = {"postfix": postfix, "exim": exim, "gmail": gmail, "microsoft365": microsoft365}


def postfix_delayed(mid: str, rcpt: str) -> bytes:
    """Postfix's delay warning (``delay_warning_time``): the mail is still being tried;
    nothing came back yet."""
    return (
        postfix(mid, rcpt)
        .replace(b"Undelivered Mail Returned to Sender", b"Delayed Mail (still being retried)")
        .replace(b"Action: failed\nStatus: 5.1.1", b"Action: delayed\nStatus: 4.4.1")
        .replace(b"20260601101500.4F1C21A2B3@", b"20260601141500.4F1C21A2B3@")
        .replace(
            b"I'm sorry to have to inform you that your message could not\n"
            b"be delivered to one or more recipients.",
            b"This is just a notice: your message could not be delivered yet.\n"
            b"It will be retried until it is 5 days old.",
        )
    )


def qmail(mid: str, rcpt: str) -> bytes:
    """qmail-send's "failure notice": plain text from MAILER-DAEMON, no Message-ID of its
    own (qmail writes none), the returned message inline after its marker line."""
    return (
        "Return-Path: <>\n"
        "Date: 1 Jun 2026 01:15:00 -0000\n"
        "From: MAILER-DAEMON@mx.customer.test\n"
        "To: support@example.test\n"
        "Subject: failure notice\n\n"
        "Hi. This is the qmail-send program at mx.customer.test.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        f"<{rcpt}>:\n"
        "Sorry, no mailbox here by that name. (#5.1.1)\n\n"
        "--- Below this line is a copy of the message.\n\n"
        "Return-Path: <support@example.test>\n"
        "From: support@example.test\n"
        f"To: {rcpt}\n"
        "Subject: [#1] Re: your request\n"
        f"Message-ID: <{mid}>\n\n"
        "Hello,\n"
    ).encode()


def japanese_plain(mid: str, rcpt: str) -> bytes:
    """A Japanese provider's plain notice in ISO-2022-JP (「メール配信エラーのお知らせ」),
    written by its own program: no Message-ID of its own, the returned headers inline."""
    subject = "=?ISO-2022-JP?B?" + _b64_jis("メール配信エラーのお知らせ") + "?="
    body = (
        "このメールはシステムより自動送信されています。\n\n"
        "以下のあて先へのメールは配信できませんでした。\n"
        f"  {rcpt}\n"
        "理由: あて先のメールアドレスが存在しません。\n\n"
        "----- 送信されたメールのヘッダー -----\n"
    )
    return (
        (
            "Return-Path: <>\n"
            "Date: Mon, 1 Jun 2026 10:15:00 +0900\n"
            "From: MAILER-DAEMON@mail.provider.test\n"
            "To: support@example.test\n"
            f"Subject: {subject}\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=ISO-2022-JP\n"
            "Content-Transfer-Encoding: 7bit\n\n"
        ).encode()
        + body.encode("iso2022_jp")
        + (
            "From: support@example.test\n"
            f"To: {rcpt}\n"
            "Subject: [#1] Re: your request\n"
            f"Message-ID: <{mid}>\n"
        ).encode()
    )


def _b64_jis(text: str) -> str:
    import base64

    return base64.b64encode(text.encode("iso2022_jp")).decode()


# notices that carry no Message-ID of their own: the first one in them is ours
NAMELESS_FORMS = {"qmail": qmail, "japanese_plain": japanese_plain}


def microsoft365_global(mid: str, rcpt: str) -> bytes:
    """Exchange Online's report in RFC 6533's form for mail in UTF-8:
    ``report-type=global-delivery-status``, the status in message/global-delivery-status
    and the returned headers in message/global-headers. Its From is no mailer-daemon
    and, come by SMTP, it has no Return-Path: the report type is what says it."""
    return (
        microsoft365(mid, rcpt)
        .replace(b"report-type=delivery-status", b"report-type=global-delivery-status")
        .replace(
            b"Content-Type: message/delivery-status",
            b"Content-Type: message/global-delivery-status",
        )
        .replace(b"Content-Type: text/rfc822-headers", b"Content-Type: message/global-headers")
    )
