"""Mail from an exploratory round over intake, machine mail: DSNs and auto-replies
that say what they are only in their subject, a MIME digest, an invitation and a TNEF
blob with no text beside them. Fed through SMTP and ``ingest`` by
``tests/test_intake_untried.py``.
"""

from __future__ import annotations

from tests.support.mailgen.build import (
    Fixture,
    b64,
    head,
    jis,
    lines,
    single,
    text_lines,
    word,
)

BOUNCE, AUTO, LIST, INVITE = "bounce", "auto-reply", "list", "invite-tnef"


def _exchange_dsn_unknown() -> bytes:
    return lines(
        head(
            "Microsoft Outlook <postmaster@customer.test>",
            "Undeliverable: [#7] VPN",
            "untried-bounce-1@customer.test",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            'Content-Type: multipart/report; report-type=delivery-status; boundary="d1"',
        ),
        "",
        "--d1",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Delivery has failed to these recipients",
        "--d1",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns;mx.customer.test",
        "",
        "Final-Recipient: rfc822;nobody@customer.test",
        "Action: failed",
        "Status: 5.1.1",
        "",
        "--d1",
        "Content-Type: text/rfc822-headers",
        "",
        "From: support@example.test",
        "Message-ID: <never-sent@example.test>",
        "",
        "--d1--",
    )


def _postfix_delay_plain() -> bytes:
    return single(
        "MAILER-DAEMON@mx.customer.test (Mail Delivery System)",
        "Delayed Mail (still being retried)",
        "untried-bounce-2@mx.customer.test",
        ["Content-Type: text/plain; charset=us-ascii"],
        [
            "This is the mail system at host mx.customer.test.",
            "",
            "####################################################################",
            "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #",
            "####################################################################",
            "",
            "Your message could not be delivered for more than 4 hour(s).",
        ],
    )


def _japanese_send_error() -> bytes:
    return single(
        "postmaster@isp.test",
        word("メール送信エラーのお知らせ", "ISO-2022-JP"),
        "untried-bounce-3@isp.test",
        ["Content-Type: text/plain; charset=ISO-2022-JP"],
        [jis("宛先不明のため配送できませんでした。")],
    )


def _bracket_auto_reply() -> bytes:
    return single(
        "shop@customer.test",
        word("【自動返信】お問い合わせありがとうございます"),
        "untried-auto-1@customer.test",
        ["Content-Type: text/plain; charset=utf-8"],
        text_lines("このメールは自動送信です。", "utf-8"),
    )


def _square_auto_send() -> bytes:
    return single(
        "forms@customer.test",
        word("［自動送信］受付完了のお知らせ"),
        "untried-auto-2@customer.test",
        ["Content-Type: text/plain; charset=utf-8"],
        text_lines("受付が完了しました。", "utf-8"),
    )


def _fuzai_subject_only() -> bytes:
    return single(
        "sato@customer.test",
        word("不在のお知らせ（自動応答）", "ISO-2022-JP"),
        "untried-auto-3@customer.test",
        ["Content-Type: text/plain; charset=ISO-2022-JP"],
        [jis("3月10日まで不在です。")],
    )


def _mime_digest() -> bytes:
    return lines(
        head(
            "users-request@lists.test",
            "Users Digest, Vol 5, Issue 3",
            "untried-list-1@lists.test",
            "List-Id: <users.lists.test>",
            "Precedence: list",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="g1"',
        ),
        "",
        "--g1",
        "Content-Type: text/plain",
        "",
        "Today's Topics:",
        "  1. hello",
        "--g1",
        'Content-Type: multipart/digest; boundary="g1d"',
        "",
        "--g1d",
        "",
        "From: x@lists.test",
        "Subject: hello",
        "",
        "digest item 1",
        "--g1d",
        "",
        "From: y@lists.test",
        "Subject: hello again",
        "",
        "digest item 2",
        "--g1d--",
        "--g1--",
    )


def _calendar_only() -> bytes:
    return single(
        "organizer@customer.test",
        "Invitation: sync",
        "untried-invite-1@customer.test",
        ["Content-Type: text/calendar; method=REQUEST; charset=utf-8"],
        [
            "BEGIN:VCALENDAR",
            "METHOD:REQUEST",
            "BEGIN:VEVENT",
            "SUMMARY:Sync meeting",
            "DTSTART:20260305T010000Z",
            "END:VEVENT",
            "END:VCALENDAR",
        ],
    )


def _winmail_only() -> bytes:
    return single(
        "rich@customer.test",
        "Rich text",
        "untried-invite-2@customer.test",
        [
            'Content-Type: application/ms-tnef; name="winmail.dat"',
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="winmail.dat"',
        ],
        [b64(b"\x78\x9f\x3e\x22" + bytes(40))],
    )


FIXTURES = [
    Fixture(
        BOUNCE,
        "untried-exchange-dsn-unknown.eml",
        "Exchange DSN naming a message we never sent",
        _exchange_dsn_unknown(),
    ),
    Fixture(
        BOUNCE,
        "untried-postfix-delay-plain.eml",
        'plain-text "Delayed Mail" warning from MAILER-DAEMON',
        _postfix_delay_plain(),
    ),
    Fixture(
        BOUNCE,
        "untried-japanese-send-error.eml",
        'plain Japanese "メール送信エラー" notice from postmaster',
        _japanese_send_error(),
    ),
    Fixture(
        AUTO,
        "untried-bracket-auto-reply.eml",
        "【自動返信】 subject, no header says so",
        _bracket_auto_reply(),
    ),
    Fixture(
        AUTO,
        "untried-square-auto-send.eml",
        "［自動送信］ subject, no header says so",
        _square_auto_send(),
    ),
    Fixture(
        AUTO,
        "untried-fuzai-subject-only.eml",
        "不在のお知らせ subject in ISO-2022-JP, no header says so",
        _fuzai_subject_only(),
    ),
    Fixture(
        LIST,
        "untried-mime-digest.eml",
        "Mailman MIME digest: multipart/digest of two posts",
        _mime_digest(),
    ),
    Fixture(
        INVITE,
        "untried-calendar-only.eml",
        "text/calendar as the only part, no text",
        _calendar_only(),
    ),
    Fixture(
        INVITE, "untried-winmail-only.eml", "winmail.dat as the only part, no text", _winmail_only()
    ),
]
