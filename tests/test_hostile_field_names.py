"""A header line whose field name has bytes no name may have (a NUL, a control, 8-bit
text such as a CGI mailer's 件名:) was taken for a folded line that lost its indent and
joined to the field above it: the From or To it followed became another address
(``a@x.testsubject``), the ticket's requester with it. It is a field of its own now,
under a name nothing reads, and noted (mime11)."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.message import parse_message

NOTE = "headers: 1 field name with bytes a name cannot have, renamed X-Unreadable-Field"


@pytest.mark.parametrize(
    "name",
    [
        b"Sub\x00ject",
        b"X-\x00",
        b"\x00",
        b"X-Ctl\x01\x7f",
        "件名".encode(),
        "件名".encode("cp932"),
    ],
    ids=["nul-inside", "nul-end", "nul-alone", "controls", "utf-8", "shift-jis"],
)
@pytest.mark.parametrize("after", ["From", "To"])
def test_a_field_with_a_broken_name_is_not_joined_to_the_one_before(
    name: bytes, after: str
) -> None:
    fields = [b"From: a@x.test", b"To: b@y.test"]
    at = 1 if after == "From" else 2
    fields.insert(at, name + b": s")
    raw = b"\r\n".join([*fields, b"Subject: hi", b"Message-ID: <1@x.test>", b"", b"body ok", b""])
    parsed = parse_message(raw)
    assert parsed.from_ is not None and parsed.from_.email == "a@x.test"
    assert [a.email for a in parsed.to] == ["b@y.test"]
    assert (parsed.subject, parsed.text) == ("hi", "body ok")
    assert NOTE in parsed.defects


def test_a_folded_line_that_lost_its_indent_is_still_rejoined() -> None:
    raw = b"From: a@x.test\r\nSubject: Re: the plan\r\nfor tomorrow\r\nTo: b@y.test\r\n\r\nok\r\n"
    parsed = parse_message(raw)
    assert parsed.subject == "Re: the plan for tomorrow"
    assert "headers: 1 unindented continuation line rejoined" in parsed.defects
