"""A quoted local part keeps its spaces (found by the exploratory round over intake):
``"a b"@customer.test`` (RFC 5322 allows it; some old systems give such mailboxes) was
read as ``"ab"@customer.test``, a mailbox that is not the sender's, and got our
acknowledgement. Spaces elsewhere in an address (one folded or typed by hand) still go."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.message import parse_message


def _from(value: str) -> str:
    raw = f"From: {value}\nTo: support@example.test\nSubject: x\n\nhello\n".encode()
    msg = parse_message(raw)
    assert msg.from_ is not None
    return msg.from_.email


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"a b"@customer.test', '"a b"@customer.test'),
        ('Taro <"yamada taro"@customer.test>', '"yamada taro"@customer.test'),
        ('"John Smith"@Customer.TEST', '"john smith"@customer.test'),
        ('"support"@example.test', "support@example.test"),
        ("alice @ customer.test", "alice@customer.test"),
        ("Alice <alice@customer .test>", "alice@customer.test"),
    ],
)
def test_spaces_stay_only_inside_the_quotes(value: str, expected: str) -> None:
    assert _from(value) == expected
