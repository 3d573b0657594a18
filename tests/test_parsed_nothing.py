"""What the runner gets for input of which nothing can be read: a mail door's bytes
that are not mail, and a form or chat door's document that is no submission. Both
are one empty message (``ParsedMessage.nothing``): a synthetic Message-ID, no
headers, no text, not mail; a non-mail input says why in its defects."""

from __future__ import annotations

import hashlib

import pytest

from gateway.core.model import LoopHeaders, ParsedMessage
from gateway.pipeline.parse import submission
from gateway.pipeline.parse.message import parse_message


def _empty(parsed: ParsedMessage) -> None:
    assert parsed.message_id_synthetic and parsed.message_id.endswith("@synthetic.invalid")
    assert (parsed.subject, parsed.text, parsed.new_text, parsed.html) == ("", "", "", "")
    assert parsed.from_ is None and parsed.date is None
    assert parsed.to == parsed.cc == parsed.reply_to == parsed.attachments == ()
    assert parsed.in_reply_to == parsed.references == ()
    assert parsed.loop == LoopHeaders() and not parsed.is_mail


@pytest.mark.parametrize(
    "raw", [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, b"%PDF-1.7\n" + b"\x00\xff" * 300]
)
def test_bytes_that_are_not_mail_are_an_empty_message_saying_why(raw: bytes) -> None:
    parsed = parse_message(raw)
    _empty(parsed)
    assert len(parsed.defects) == 1 and parsed.defects[0].startswith("not mail: ")
    assert parse_message(raw).message_id == parsed.message_id  # the same input, the same id


@pytest.mark.parametrize("raw", [b"not json", b'{"version": 999}', "［書類］".encode()])
def test_a_document_that_is_no_submission_is_an_empty_message(raw: bytes) -> None:
    parsed, chosen, why = submission.decode(raw)
    assert chosen is None and why
    _empty(parsed)
    assert parsed.defects == ()
    digest = hashlib.sha256(raw).hexdigest()[:32]
    assert parsed.message_id == f"submission-{digest}@synthetic.invalid"
