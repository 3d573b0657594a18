"""Broken and unusual MIME: what real mail systems send although no RFC allows it.

Line endings other than LF live here too (CRLF, bare CR, a mix): they are
written byte for byte, and ``.gitattributes`` keeps git from "fixing" them.
"""

from __future__ import annotations

from tests.support.mailgen.build import (
    Fixture,
    b64,
    b64_lines,
    head,
    lines,
    qp_lines,
    word,
)
from tests.support.mailgen.machine import exim_delivery_failed, sendmail_dsn

CATEGORY = "mime-edge"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _missing_final_boundary() -> bytes:
    return lines(
        head(
            "a.user@customer.test",
            "Missing final boundary",
            "mfb-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="XYZ"',
        ),
        "",
        "--XYZ",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "The first part is complete.",
        "--XYZ",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "The message ends without a closing boundary.",
    )


def _false_multipart() -> bytes:
    return lines(
        head(
            "b.user@customer.test",
            "False multipart",
            "fmp-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: multipart/alternative; boundary="never-used"',
        ),
        "",
        "This body says it is multipart but has no boundary lines at all.",
    )


def _boundary_mismatch() -> bytes:
    return lines(
        head(
            "c.user@customer.test",
            "Boundary mismatch",
            "bmm-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="declared-one"',
        ),
        "",
        "--actual-one",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Problems viewing this message? The parts use another boundary.",
        "--actual-one",
        "Content-Type: text/html; charset=us-ascii",
        "",
        "<p>Problems viewing this message?</p>",
        "--actual-one--",
    )


def _raw_8bit_headers() -> bytes:
    return lines(
        b"From: " + "Юникод запрещен".encode() + b" <unicode@customer.test>",
        "To: support@example.test",
        b"Subject: Caf\xe9 au lait",
        "Date: Mon, 02 Mar 2026 09:30:00 +0900",
        "Message-ID: <raw8-1@customer.test>",
        "",
        "Undeclared 8-bit bytes above: UTF-8 in From, Latin-1 in Subject.",
    )


def _mixed_line_endings() -> bytes:
    return (
        b"From: d.user@customer.test\nTo: support@example.test\n"
        b"Subject: Mixed line endings\nDate: Mon, 02 Mar 2026 09:30:00 +0900\n"
        b"Message-ID: <mixed-eol-1@customer.test>\n\n"
        b"LF line\r\nCRLF line\rbare CR line\n\nlast line\n"
    )


def _path_traversal() -> bytes:
    b = "pt-0001"
    parts = [
        ('"1234/../../1234.txt"', b"one"),
        ('"..\\\\..\\\\Windows\\\\win.ini"', b"two"),
        ("*=UTF-8''..%2F..%2Fetc%2Fpasswd", b"three"),
        ('"../.hidden"', b"four"),
    ]
    block: list[object] = []
    for name, data in parts:
        param = f"filename{name}" if name.startswith("*") else f"filename={name}"
        block += [
            f"--{b}",
            "Content-Type: text/plain",
            f"Content-Disposition: attachment; {param}",
            "Content-Transfer-Encoding: base64",
            "",
            b64(data),
        ]
    return lines(
        head(
            "e.user@customer.test",
            "Path traversal in attachment names",
            "pt-1@customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{b}"',
        ),
        "",
        f"--{b}",
        "Content-Type: text/plain",
        "",
        "See the attachments.",
        block,
        f"--{b}--",
    )


def _filename_with_newline() -> bytes:
    b = "nl-0001"
    name = word("Kontoutskrift\n2026.pdf")
    return lines(
        head(
            "f.user@customer.test",
            "Statement",
            "nl-1@customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{b}"',
        ),
        "",
        f"--{b}",
        "Content-Type: text/plain",
        "",
        "The statement is attached.",
        f"--{b}",
        f'Content-Type: application/pdf; name="{name}"',
        f'Content-Disposition: attachment; filename="{name}"',
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines(b"%PDF-1.4\n%%EOF\n"),
        f"--{b}--",
    )


def _unindented_continuation() -> bytes:
    # a list server lost the indentation of the DKIM-Signature continuation lines
    return lines(
        "Return-Path: <g.user@customer.test>",
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;",
        "d=customer.test; s=2026; h=from:to:subject:date;",
        "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;",
        "b=AAAAB3NzaC1yc2EAAAADAQABAAABAQC",
        head(
            "G User <g.user@customer.test>",
            "Re: [ops-l] Remove old constructors",
            "unindent-1@customer.test",
        ),
        "",
        "+1 from me.",
    )


def _unknown_charsets() -> bytes:
    return lines(
        head(
            "h.user@customer.test",
            "=?x-unknown?Q?Caf=E9_menu?=",
            "unk-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="invalid-charset"',
        ),
        "",
        "Plain ASCII under a charset label nobody knows.",
    )


def _hebrew_8859_8_i() -> bytes:
    return lines(
        head(
            "i.user@customer.test",
            word("שלום עולם", "iso-8859-8-i", "iso-8859-8"),
            "heb-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="iso-8859-8-i"',
            "Content-Transfer-Encoding: 8bit",
        ),
        "",
        "שלום, זו הודעת בדיקה.".encode("iso-8859-8"),
    )


def _cte_with_semicolon() -> bytes:
    return lines(
        head(
            "j.user@customer.test",
            "CTE with a semicolon",
            "cte-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable;",
        ),
        "",
        qp_lines("Café crème, décodé malgré le point-virgule.".encode()),
    )


def _empty_header_values() -> bytes:
    return lines(
        "From: k.user@customer.test",
        "To: support@example.test",
        "Cc:",
        "Reply-To:",
        "Subject:",
        "Date: Mon, 02 Mar 2026 09:30:00 +0900",
        "Message-ID: <empty-1@customer.test>",
        "In-Reply-To:",
        "References:",
        "",
        "Several headers are present but empty.",
    )


def _encoded_word_split_mid_character() -> bytes:
    data = "Fwd: Změna vyhodnocení".encode()
    cut = data.index("ě".encode()) + 1  # inside the two bytes of "ě"
    subject = f"=?UTF-8?B?{b64(data[:cut])}?=\n =?UTF-8?B?{b64(data[cut:])}?="
    return lines(
        head(
            "l.user@customer.test",
            subject,
            "split-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ),
        "",
        "Podle domluvy posílám změnu.".encode(),
    )


def _undecodable_utf8() -> bytes:
    return lines(
        head(
            "m.user@customer.test",
            "Undecodable body",
            "undec-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ),
        "",
        "Dobrý den, posílám změnu vyhodnocení. ".encode() + b"\xff" + " Děkuji.".encode(),
    )


def _many_attachments() -> bytes:
    b = "many-0001"
    block: list[object] = []
    for n in range(40):
        block += [
            f"--{b}",
            'Content-Type: application/pdf; name="scan.pdf"',
            'Content-Disposition: attachment; filename="scan.pdf"',
            "Content-Transfer-Encoding: base64",
            "",
            b64(b"%%PDF-1.4 page %d\n" % n),
        ]
    return lines(
        head(
            "n.user@customer.test",
            "40 scans with the same name",
            "many-1@customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{b}"',
        ),
        "",
        f"--{b}",
        "Content-Type: text/plain",
        "",
        "Forty scans, all called scan.pdf.",
        block,
        f"--{b}--",
    )


def _inline_text_between_attachments() -> bytes:
    b = "Apple-Mail-inline"
    return lines(
        head(
            "o.user@customer.test",
            "Photos",
            "inline-1@customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{b}"',
        ),
        "",
        f"--{b}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "First we have a text block.",
        f"--{b}",
        "Content-Type: image/png; name=photo.png",
        "Content-Disposition: inline; filename=photo.png",
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines(PNG),
        f"--{b}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Then we have more text.",
        f"--{b}--",
    )


def _no_message_id() -> bytes:
    return lines(
        head("p.user@customer.test", "No Message-ID header", None),
        "",
        "A synthetic, content-addressed Message-ID stands in.",
    )


def _bom_and_blank_lines() -> bytes:
    return b"\xef\xbb\xbf\r\n\r\n" + lines(
        head("Q.User@Customer.TEST", "After a BOM and blank lines", "bom-1@customer.test"),
        "",
        "The headers start after a byte order mark and two empty lines.",
        eol=b"\r\n",
    )


def _utf7_subject() -> bytes:
    return lines(
        head(
            "r.user@customer.test",
            "=?unicode-1-1-utf-7?Q?Die_Fr+APY-sche?=",
            "utf7-1@customer.test",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="unicode-1-1-utf-7"',
            "Content-Transfer-Encoding: 7bit",
        ),
        "",
        "Die Fr+APY-sche quaken.",
    )


def _encoded_comma_display_name() -> bytes:
    return lines(
        head(
            "=?UTF-8?Q?Yamada=2C_Taro?= <Taro.Yamada@Customer.TEST>",
            "Comma in a name",
            "comma-1@customer.test",
        ),
        "",
        "The encoded comma must not split the address.",
    )


def _long_header() -> bytes:
    text = "A very long subject that keeps going. " * 500  # ~19 KB decoded
    chunk = 45
    words = [word(text[i : i + chunk]) for i in range(0, len(text), chunk)]
    return lines(
        head(
            "s.user@customer.test",
            "\n ".join(words),
            "long-1@customer.test",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
        ),
        "",
        "The subject above is about 19,000 characters long.",
    )


def _epilogue_and_empty_part() -> bytes:
    b = "epi-0001"
    return lines(
        head(
            "t.user@customer.test",
            "Epilogue and an empty part",
            "epi-1@customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{b}"',
        ),
        "",
        "This is the preamble.",
        f"--{b}",
        "Content-Type: text/plain",
        "",
        "The real text.",
        f"--{b}",
        'Content-Type: application/octet-stream; name="empty.bin"',
        "Content-Transfer-Encoding: base64",
        "",
        "",
        f"--{b}--",
        "This epilogue after the final boundary is not part of the message.",
    )


def _empty_multipart() -> bytes:
    b = "empty-alt"
    return lines(
        head(
            "u.user@customer.test",
            "Empty alternative",
            "emptyalt-1@customer.test",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{b}"',
        ),
        "",
        f"--{b}--",
    )


def _uuencode_in_text() -> bytes:
    # Outlook 2000 and Netscape wrote attachments as uuencode inside the text part itself
    import binascii

    data = b"line 1 of the log\nline 2: \x00\xff binary too\n" * 3
    rows = [
        binascii.b2a_uu(data[i : i + 45]).decode("ascii").rstrip("\n")
        for i in range(0, len(data), 45)
    ]
    return lines(
        head("Doug <doug@customer.test>", "the log you asked for", "uu-1@customer.test"),
        "",
        "Here is the log from the server.",
        "",
        "begin 666 server log.txt",
        *rows,
        "`",
        "end",
        "",
        "Regards, Doug",
        "",
        "begin 644 is how the old tools start such a block.",
    )


FIXTURES = [
    Fixture(
        CATEGORY,
        "missing-final-boundary.eml",
        "multipart without the closing boundary delimiter",
        _missing_final_boundary(),
    ),
    Fixture(
        CATEGORY,
        "false-multipart.eml",
        "declares multipart but the body has no boundary lines",
        _false_multipart(),
    ),
    Fixture(
        CATEGORY,
        "boundary-mismatch.eml",
        "declared boundary never appears; the parts use another one",
        _boundary_mismatch(),
    ),
    Fixture(
        CATEGORY,
        "raw-8bit-headers.eml",
        "undeclared 8-bit bytes: UTF-8 in the From name, Latin-1 in the Subject",
        _raw_8bit_headers(),
    ),
    Fixture(
        CATEGORY,
        "crlf-sendmail-bounce.eml",
        "Sendmail bounce (multipart/report) stored with CRLF line endings",
        sendmail_dsn().replace(b"\n", b"\r\n"),
    ),
    Fixture(
        CATEGORY,
        "cr-only-exim-bounce.eml",
        "Exim plain-text bounce stored with bare CR (classic Mac) line endings",
        exim_delivery_failed().replace(b"\n", b"\r"),
    ),
    Fixture(
        CATEGORY,
        "mixed-line-endings.eml",
        "LF headers; a body mixing LF, CRLF and a bare CR",
        _mixed_line_endings(),
    ),
    Fixture(
        CATEGORY,
        "path-traversal-filename.eml",
        "attachment names with ../, Windows backslashes, an RFC 2231 encoded ../ and a leading dot",
        _path_traversal(),
    ),
    Fixture(
        CATEGORY,
        "filename-with-newline.eml",
        "encoded-word attachment name that decodes to a string with a newline",
        _filename_with_newline(),
    ),
    Fixture(
        CATEGORY,
        "unindented-header-continuation.eml",
        "DKIM-Signature continuation lines that lost their leading whitespace",
        _unindented_continuation(),
    ),
    Fixture(
        CATEGORY,
        "unknown-charsets.eml",
        "unknown charset labels in an encoded-word subject and the body",
        _unknown_charsets(),
    ),
    Fixture(
        CATEGORY,
        "hebrew-iso-8859-8-i.eml",
        "iso-8859-8-i (a label Python's codecs do not know) in subject and body",
        _hebrew_8859_8_i(),
    ),
    Fixture(
        CATEGORY,
        "cte-with-semicolon.eml",
        "Content-Transfer-Encoding value with a trailing semicolon",
        _cte_with_semicolon(),
    ),
    Fixture(
        CATEGORY,
        "empty-header-values.eml",
        "Cc, Reply-To, Subject, In-Reply-To and References present but empty",
        _empty_header_values(),
    ),
    Fixture(
        CATEGORY,
        "utf8-encoded-word-split.eml",
        "subject whose UTF-8 character is split across two encoded-words",
        _encoded_word_split_mid_character(),
    ),
    Fixture(
        CATEGORY,
        "undecodable-utf8.eml",
        "body declared UTF-8 containing undecodable bytes",
        _undecodable_utf8(),
    ),
    Fixture(
        CATEGORY,
        "many-attachments.eml",
        "40 attachments that all have the same name",
        _many_attachments(),
    ),
    Fixture(
        CATEGORY,
        "inline-text-between-attachments.eml",
        "text parts interleaved with an inline image (iPhone style)",
        _inline_text_between_attachments(),
    ),
    Fixture(CATEGORY, "no-message-id.eml", "no Message-ID header", _no_message_id()),
    Fixture(
        CATEGORY,
        "bom-and-blank-lines.eml",
        "UTF-8 byte order mark and blank lines before the headers (CRLF)",
        _bom_and_blank_lines(),
    ),
    Fixture(
        CATEGORY,
        "utf7-subject.eml",
        "UTF-7 (unicode-1-1-utf-7) in the encoded-word subject and the body",
        _utf7_subject(),
    ),
    Fixture(
        CATEGORY,
        "encoded-comma-display-name.eml",
        'encoded-word display name that decodes to "Yamada, Taro"; mixed-case address',
        _encoded_comma_display_name(),
    ),
    Fixture(
        CATEGORY,
        "long-header.eml",
        "a ~19 KB subject folded over hundreds of encoded-words",
        _long_header(),
    ),
    Fixture(
        CATEGORY,
        "epilogue-and-empty-part.eml",
        "preamble, an empty base64 part and text after the final boundary",
        _epilogue_and_empty_part(),
    ),
    Fixture(
        CATEGORY,
        "empty-multipart.eml",
        "multipart/alternative with no parts at all",
        _empty_multipart(),
    ),
    Fixture(
        CATEGORY,
        "uuencode-in-text.eml",
        "a uuencoded file (begin 666 … end) inside the text/plain part, no MIME attachment",
        _uuencode_in_text(),
    ),
]
