"""``parse_message`` over every sample message: the repository's own fixtures
always, the shared real-world corpus too when it is present.

These are the properties that hold for any mail, whatever is wrong with it: it
parses, its ids, subject, addresses and attachment names are clean, Japanese
text comes out without mojibake, and random damage never makes the parser raise.
"""

from __future__ import annotations

import random
import re

import pytest

from gateway.core.model import ParsedMessage
from gateway.pipeline.parse.message import parse_message
from tests.support.corpus import (
    Sample,
    needs_shared,
    own_samples,
    sample_params,
    shared_samples,
)

_MOJIBAKE = ("\ufffd", "縺", "繧", "ã\x81", "Ã", "â€", "=?", "\x1b", "$B", "(B")
# iPhone truncated a quoted line itself and sent a real U+FFFD (EF BF BD) in the body.
_SENT_REPLACEMENT_CHAR = {"public/jpmobile/iphone-mail3.eml"}


@pytest.mark.parametrize("sample", sample_params())
def test_every_message_parses(sample: Sample) -> None:
    msg = parse_message(sample.raw())
    assert isinstance(msg, ParsedMessage)
    assert msg.is_mail
    assert msg.message_id and "<" not in msg.message_id and ">" not in msg.message_id
    assert "\n" not in msg.subject and "\r" not in msg.subject
    assert "\r" not in msg.text
    assert msg.date is None or msg.date.tzinfo is not None
    assert "\x1b" not in msg.text and "\x1b" not in msg.subject
    for addr in (msg.from_, *msg.to, *msg.cc, *msg.reply_to):
        if addr is not None:
            assert addr.email == addr.email.lower()
            assert "\n" not in addr.name
    for att in msg.attachments:
        assert_safe_name(att.filename)
        assert re.fullmatch(r"[0-9a-f]{64}", att.sha256)
        assert att.size >= 0


def assert_safe_name(name: str) -> None:
    """One path component, no traversal, no hidden file, no control characters."""
    assert name
    assert "/" not in name and "\\" not in name
    assert ".." not in name
    assert not name.startswith(".")
    assert not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name)
    assert len(name.encode("utf-8")) <= 255


@pytest.mark.parametrize("sample", sample_params("japanese"))
def test_japanese_messages_decode_cleanly(sample: Sample) -> None:
    msg = parse_message(sample.raw())
    markers = _MOJIBAKE[1:] if sample.rel in _SENT_REPLACEMENT_CHAR else _MOJIBAKE
    for value in (msg.subject, msg.text, msg.new_text, msg.from_.name if msg.from_ else ""):
        for marker in markers:
            assert marker not in value, (marker, value[:200])
    for att in msg.attachments:
        assert "=?" not in att.filename


@pytest.mark.parametrize("origin", ["own", pytest.param("shared", marks=needs_shared)])
def test_mutated_messages_never_raise(origin: str) -> None:
    """Flip random bytes and cut messages short: the parser still answers."""
    samples = own_samples() if origin == "own" else shared_samples()
    small = [s for s in samples if s.path.stat().st_size < 100_000]
    assert len(small) >= 25
    rng = random.Random(42)
    for sample in rng.sample(small, 25):
        raw = bytearray(sample.raw())
        for _ in range(20):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        cut = bytes(raw[: rng.randrange(1, len(raw))])
        for data in (bytes(raw), cut):
            msg = parse_message(data)
            assert isinstance(msg, ParsedMessage) and msg.message_id
