"""Mail from an exploratory round over intake, MIME edges: attachment names that
try to leave their folder, broken base64 and boundaries, odd From and Subject headers,
signed and encrypted mail, forwards. Fed through SMTP and ``ingest`` by
``tests/test_intake_untried.py``.
"""

from __future__ import annotations

from tests.support.mailgen.build import (
    Fixture,
    b64,
    b64_lines,
    lines,
    mixed,
    single,
    text_part,
    word,
)

MIME = "mime-edge"
INJECTED = b"hello\r\nBcc: x@evil.test\r\n\r\nbody"


def _traversal_names() -> bytes:
    return mixed(
        "files@customer.test",
        "Names that climb",
        "untried-mime-1@customer.test",
        "m1",
        text_part("four files"),
        ['Content-Type: application/octet-stream; name="..%2F..%2Fetc%2Fpasswd"', "", "one"],
        [
            "Content-Type: application/octet-stream;"
            " name*=utf-8''%2E%2E%2F%2E%2E%2Froot%2F.ssh%2Fauthorized_keys",
            "",
            "two",
        ],
        ['Content-Disposition: attachment; filename="/var/lib/../.."', "", "three"],
        ['Content-Disposition: attachment; filename="..."', "", "four"],
    )


def _encoded_word_name_traversal() -> bytes:
    name = word("①売上/../../表.xls", "Shift_JIS", "cp932")
    return mixed(
        "sales@customer.test",
        "Sales sheet",
        "untried-mime-2@customer.test",
        "m2",
        text_part("sheet attached"),
        [
            f'Content-Type: application/vnd.ms-excel; name="{name}"',
            f'Content-Disposition: attachment; filename="{name}"',
            "Content-Transfer-Encoding: base64",
            "",
            b64(b"xls"),
        ],
    )


def _rfc2231_gaps() -> bytes:
    return mixed(
        "gaps@customer.test",
        "Continuations with gaps",
        "untried-mime-3@customer.test",
        "m3",
        text_part("gaps"),
        [
            "Content-Type: application/octet-stream",
            'Content-Disposition: attachment; filename*0="ab"; filename*2="../../cd";'
            " filename*99999999999=\"ef\"; filename*1*=''%2E%2E%2F",
            "",
            "data",
        ],
    )


def _base64_garbage() -> bytes:
    good = b64("ディスクがいっぱいです".encode())
    return single(
        "disk@customer.test",
        "Disk full",
        "untried-mime-4@customer.test",
        ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"],
        [good[:20] + "!!@@##", "$$$" + b64(b"more text") + "===", "not base64 at all ??"],
    )


def _no_boundary_parameter() -> bytes:
    return single(
        "nob@customer.test",
        "No boundary",
        "untried-mime-5@customer.test",
        ["Content-Type: multipart/mixed"],
        ["--xyz", "Content-Type: text/plain", "", "the words are here", "--xyz--"],
    )


def _duplicate_headers() -> bytes:
    return lines(
        "From: first@customer.test",
        "From: second@elsewhere.test",
        "To: support@example.test",
        "Subject: first subject",
        "Subject: second subject",
        "Date: Mon, 02 Mar 2026 09:30:00 +0900",
        "Message-ID: <untried-mime-6@customer.test>",
        "",
        "two of each",
    )


def _from_comments() -> bytes:
    return single(
        "(Taro (the boss)) taro@customer.test (Yamada Taro)",
        "Comments",
        "untried-mime-7@customer.test",
        ["Content-Type: text/plain"],
        ["comments in From"],
    )


def _from_group() -> bytes:
    return single(
        "Support Team: alice@customer.test, bob@customer.test;",
        "Group",
        "untried-mime-8@customer.test",
        ["Content-Type: text/plain"],
        ["group syntax in From"],
    )


def _from_empty_group() -> bytes:
    return single(
        "undisclosed-recipients:;",
        "Empty group",
        "untried-mime-9@customer.test",
        ["Content-Type: text/plain"],
        ["no sender in From"],
        "Sender: real@customer.test",
    )


def _from_encoded_mailbox() -> bytes:
    return single(
        f"=?utf-8?B?{b64(b'Ops One <ops@example.test>')}?=",
        "Encoded mailbox",
        "untried-mime-10@customer.test",
        ["Content-Type: text/plain"],
        ["close"],
    )


def _subject_encoded_crlf() -> bytes:
    return single(
        "crlf@customer.test",
        "=?utf-8?B?" + b64(INJECTED) + "?=",
        "untried-mime-11@customer.test",
        ["Content-Type: text/plain"],
        ["body"],
    )


def _utf16() -> bytes:
    return single(
        "utf16@customer.test",
        "UTF-16",
        "untried-mime-12@customer.test",
        ["Content-Type: text/plain; charset=utf-16", "Content-Transfer-Encoding: base64"],
        b64_lines("UTF-16の本文です".encode("utf-16")),
    )


FIXTURES = [
    Fixture(
        MIME,
        "untried-traversal-names.eml",
        "attachment names that climb: %2F, RFC 2231 ../, absolute, dots only",
        _traversal_names(),
    ),
    Fixture(
        MIME,
        "untried-encoded-word-name-traversal.eml",
        "Shift_JIS encoded-word filename holding /../../",
        _encoded_word_name_traversal(),
    ),
    Fixture(
        MIME,
        "untried-rfc2231-gaps.eml",
        "RFC 2231 continuations with a gap, a huge index and ../",
        _rfc2231_gaps(),
    ),
    Fixture(
        MIME,
        "untried-base64-garbage.eml",
        "base64 body with characters outside the alphabet and plain text after",
        _base64_garbage(),
    ),
    Fixture(
        MIME,
        "untried-no-boundary-parameter.eml",
        "multipart/mixed without a boundary parameter",
        _no_boundary_parameter(),
    ),
    Fixture(
        MIME,
        "untried-duplicate-headers.eml",
        "two From and two Subject headers",
        _duplicate_headers(),
    ),
    Fixture(
        MIME,
        "untried-from-comments.eml",
        "From with nested comments around the address",
        _from_comments(),
    ),
    Fixture(
        MIME, "untried-from-group.eml", "From in group syntax with two mailboxes", _from_group()
    ),
    Fixture(
        MIME,
        "untried-from-empty-group.eml",
        "From is an empty group; only Sender names someone",
        _from_empty_group(),
    ),
    Fixture(
        MIME,
        "untried-from-encoded-mailbox.eml",
        "From is one encoded-word that decodes to a member's mailbox",
        _from_encoded_mailbox(),
    ),
    Fixture(
        MIME,
        "untried-subject-encoded-crlf.eml",
        "encoded-word subject that decodes to CR LF and a header",
        _subject_encoded_crlf(),
    ),
    Fixture(MIME, "untried-utf16-base64.eml", "UTF-16 body (with BOM) in base64", _utf16()),
]
