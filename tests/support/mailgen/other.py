"""HTML-only mail, list mail, plain requests and calendar/TNEF attachments."""

from __future__ import annotations

from tests.support.mailgen.build import (
    Fixture,
    b64_lines,
    head,
    jis,
    lines,
    qp_lines,
    text_lines,
    word,
)
from tests.support.mailgen.japanese import GIF

HTML, LIST, PLAIN, INVITE = "html", "list", "plain", "invite-tnef"

HTML_ONLY = (
    "<html><head><title>Title text</title><style>p { color: red }</style></head>"
    "<body><script>alert('x')</script><h1>Hello</h1><p>Fish &amp; chips&nbsp;&lt;3</p>"
    "<div>line one<br>line   two</div><ul><li>a</li><li>b</li></ul></body></html>"
)


def _html_only() -> bytes:
    return lines(
        head(
            "web.user@customer.test",
            "HTML only",
            "html-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/html; charset=utf-8",
        ),
        "",
        HTML_ONLY,
    )


def _html_meta_charset() -> bytes:
    body = '<html><head><meta charset="shift_jis"></head><body><p>日本語①の本文</p></body></html>'
    return lines(
        head(
            "meta@customer.test",
            word("HTMLのみ", "ISO-2022-JP"),
            "html-meta-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/html",
            "Content-Transfer-Encoding: 8bit",
        ),
        "",
        body.encode("cp932"),
    )


def _decomail() -> bytes:
    # au "Decomail": multipart/related, ISO-2022-JP HTML and an inline image by cid
    b, html = (
        "decomail-0001",
        (
            "<html><body><div>テストです。</div>"
            '<img src="cid:deco01@mobile.customer.test"></body></html>'
        ),
    )
    return lines(
        head(
            "deco@mobile.customer.test",
            word("デコメール", "ISO-2022-JP"),
            "decomail-1@mobile.customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/related; boundary="{b}"; type="text/html"',
        ),
        "",
        f"--{b}",
        "Content-Type: text/html; charset=iso-2022-jp",
        "Content-Transfer-Encoding: 7bit",
        "",
        jis(html),
        f"--{b}",
        "Content-Type: image/gif; name=deco.gif",
        "Content-ID: <deco01@mobile.customer.test>",
        "Content-Disposition: inline; filename=deco.gif",
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines(GIF),
        f"--{b}--",
    )


def _html_qp_windows_1252() -> bytes:
    html = (
        "<html><body><p>Caf\xe9 &amp; cr\xe8me&nbsp;br\xfbl\xe9e \u2013 "
        "<b>twice</b> a week</p></body></html>"
    )
    return lines(
        head(
            "newsletter-less@customer.test",
            "Menu",
            "html-qp-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: text/html; charset="windows-1252"',
            "Content-Transfer-Encoding: quoted-printable",
        ),
        "",
        qp_lines(html.encode("cp1252")),
    )


def _mailman_post() -> bytes:
    return lines(
        "Return-Path: <ops-l-bounces@lists.customer.test>",
        head(
            "Mallory Ops <mallory@customer.test>",
            "[ops-l] disk full on db1",
            "list-post-1@customer.test",
            "To: ops-l@lists.customer.test",
            "List-Id: Operations <ops-l.lists.customer.test>",
            "List-Unsubscribe: <mailto:ops-l-leave@lists.customer.test>",
            "List-Post: <mailto:ops-l@lists.customer.test>",
            "Precedence: list",
            "Sender: ops-l-bounces@lists.customer.test",
        ),
        "",
        "db1 is at 98% disk usage since 03:00.",
    )


def _newsletter() -> bytes:
    b = "nl-alt-0001"
    return lines(
        head(
            "Vendor News <news@vendor.customer.test>",
            "March product news",
            "newsletter-1@vendor.customer.test",
            "Precedence: bulk",
            "List-ID: <1234.list-id.vendor.customer.test>",
            "List-Unsubscribe: <https://vendor.customer.test/u?id=1>, "
            "<mailto:unsub@vendor.customer.test>",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{b}"',
        ),
        "",
        f"--{b}",
        "Content-Type: text/plain; charset=utf-8; format=fixed",
        "",
        "Our March product news.",
        f"--{b}",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<p>Our <b>March</b> product news.</p>",
        f"--{b}--",
    )


def _majordomo_8bit_from() -> bytes:
    return lines(
        "From: Jos\xe9 Garc\xeda <jose@customer.test>".encode("latin-1"),  # raw 8-bit
        "To: staff@lists.customer.test",
        "Subject: Re: weekly meeting",
        "Date: Mon, 02 Mar 2026 09:30:00 +0900",
        "Message-ID: <majordomo-1@customer.test>",
        "Sender: owner-staff@lists.customer.test",
        "Precedence: bulk",
        "Reply-To: staff@lists.customer.test",
        "",
        "See you on Tuesday.",
    )


def _list_reply_empty_in_reply_to() -> bytes:
    return lines(
        head(
            "Nina <nina@customer.test>",
            "RE: [staff] printer toner",
            "list-reply-1@customer.test",
            "In-Reply-To: ",
            "References: <toner-1@customer.test>",
            "List-Id: <staff.lists.customer.test>",
            "X-Mailer: Microsoft Outlook, Build 10.0.2627",
        ),
        "",
        "We have toner in the second drawer.",
    )


def _ezmlm_post() -> bytes:
    # ezmlm says "list" only in Mailing-List and Delivered-To: no List-Id, no Precedence
    return lines(
        "Return-Path: <dev@customer.test>",
        "Mailing-List: contact dev-help@lists.customer.test; run by ezmlm",
        "Delivered-To: mailing list dev@lists.customer.test",
        "List-Post: <mailto:dev@lists.customer.test>",
        head("Dev Person <dev@customer.test>", "Re: [DEV] release plan", "ezmlm-1@customer.test"),
        "Cc: dev@lists.customer.test",
        "",
        "+1 from me.",
    )


def _usenet_article() -> bytes:
    # a news article a news-to-mail gateway passed on: Newsgroups and the servers' Path
    return lines(
        "Path: news.lists.customer.test!not-for-mail",
        "Newsgroups: comp.os.misc",
        head("Poster <poster@customer.test>", "Re: which OS for the lab", "news-1@customer.test"),
        "",
        "> Any advice?",
        "",
        "Whatever the lab already runs.",
    )


def _plain_request() -> bytes:
    return lines(
        head(
            "Alice Example <alice@customer.test>",
            "VPN does not connect",
            "req-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=us-ascii",
        ),
        "",
        text_lines("Hello,\nmy VPN client fails since this morning.\n\nAlice"),
    )


def _latin1_pine() -> bytes:
    return lines(
        head(
            "Olivier <olivier@customer.test>",
            "=?ISO-8859-1?Q?Probl=E8me_d'imprimante?=",
            "pine-1@customer.test",
            "X-Mailer: PINE 4.64",
            "MIME-Version: 1.0",
            "Content-Type: TEXT/PLAIN; charset=ISO-8859-1",
            "Content-Transfer-Encoding: QUOTED-PRINTABLE",
        ),
        "",
        qp_lines("L'imprimante du 3e étage ne marche plus.".encode("latin-1")),
    )


def _calendar_invite() -> bytes:
    b, alt = "cal-mixed", "cal-alt"
    ics = (
        "BEGIN:VCALENDAR\nPRODID:-//customer.test//Calendar//EN\nVERSION:2.0\n"
        "METHOD:REQUEST\nBEGIN:VEVENT\nDTSTART:20260305T010000Z\nDTEND:20260305T020000Z\n"
        "UID:meeting-1@customer.test\nORGANIZER:mailto:paul@customer.test\n"
        "SUMMARY:VPN review\nEND:VEVENT\nEND:VCALENDAR"
    )
    return lines(
        head(
            "Paul <paul@customer.test>",
            "Invitation: VPN review @ Thu 5 Mar 2026 10:00",
            "invite-1@customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{b}"',
        ),
        "",
        f"--{b}",
        f'Content-Type: multipart/alternative; boundary="{alt}"',
        "",
        f"--{alt}",
        "Content-Type: text/plain; charset=UTF-8",
        "",
        "You have been invited to: VPN review",
        f"--{alt}",
        "Content-Type: text/calendar; charset=UTF-8; method=REQUEST",
        "",
        text_lines(ics),
        f"--{alt}--",
        f"--{b}",
        'Content-Type: application/ics; name="invite.ics"',
        'Content-Disposition: attachment; filename="invite.ics"',
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines(ics.encode()),
        f"--{b}--",
    )


def _tnef() -> bytes:
    b = "tnef-0001"
    # the TNEF signature and a few bytes: enough for a client to call it winmail.dat
    winmail = bytes.fromhex("789f3e22") + b"\x00\x00\x01\x06\x90\x08\x00\x04\x00\x00\x00"
    return lines(
        head(
            "Quinn <quinn@customer.test>",
            "Rich text from Outlook",
            "tnef-1@customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{b}"',
        ),
        "",
        f"--{b}",
        "Content-Type: text/plain; charset=koi8-r",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Привет, см. вложение.".encode("koi8-r"),
        f"--{b}",
        'Content-Type: application/ms-tnef; name="winmail.dat"',
        'Content-Disposition: attachment; filename="winmail.dat"',
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines(winmail),
        f"--{b}--",
    )


FIXTURES = [
    Fixture(
        HTML,
        "html-only.eml",
        "text/html only: script, style and title hidden, entities and lists rendered",
        _html_only(),
    ),
    Fixture(
        HTML,
        "html-only-meta-charset.eml",
        "text/html without a charset parameter; the charset is in a <meta> tag (Shift_JIS with ①)",
        _html_meta_charset(),
    ),
    Fixture(
        HTML,
        "decomail-related.eml",
        "au Decomail: multipart/related, ISO-2022-JP HTML with an inline image by cid",
        _decomail(),
    ),
    Fixture(
        HTML,
        "html-only-windows-1252-qp.eml",
        "text/html in quoted-printable Windows-1252 with entities",
        _html_qp_windows_1252(),
    ),
    Fixture(
        LIST,
        "mailman-post.eml",
        "Mailman list post: List-Id, List-Unsubscribe, List-Post, Precedence: list",
        _mailman_post(),
    ),
    Fixture(
        LIST,
        "newsletter.eml",
        "newsletter: Precedence: bulk, List-ID, https and mailto List-Unsubscribe",
        _newsletter(),
    ),
    Fixture(
        LIST,
        "majordomo-8bit-from.eml",
        "majordomo-style list mail (Sender, Precedence: bulk) with a raw ISO-8859-1 "
        "byte in the From name",
        _majordomo_8bit_from(),
    ),
    Fixture(
        LIST,
        "list-reply-empty-in-reply-to.eml",
        "list reply (List-Id) with an empty In-Reply-To and a References header",
        _list_reply_empty_in_reply_to(),
    ),
    Fixture(
        LIST,
        "ezmlm-post.eml",
        "ezmlm list post: only Mailing-List, Delivered-To and List-Post say it is list mail",
        _ezmlm_post(),
    ),
    Fixture(
        LIST,
        "usenet-article.eml",
        "a Usenet article passed on by a news gateway: Newsgroups and Path, no List-* header",
        _usenet_article(),
    ),
    Fixture(
        PLAIN,
        "plain-request.eml",
        "an ordinary request from a person: the control that does get an answer",
        _plain_request(),
    ),
    Fixture(
        PLAIN,
        "latin1-pine.eml",
        "PINE: ISO-8859-1 encoded-word subject, quoted-printable body",
        _latin1_pine(),
    ),
    Fixture(
        INVITE,
        "calendar-invite.eml",
        "calendar invitation: text/calendar method=REQUEST and an invite.ics attachment",
        _calendar_invite(),
    ),
    Fixture(
        INVITE,
        "tnef-winmail.eml",
        "koi8-r text and an application/ms-tnef winmail.dat attachment",
        _tnef(),
    ),
]
