"""MIME parameters (``Content-Type: text/plain; a=b; …``) are read in linear time.

The standard library splits them by cutting the rest of the header off after each
``;`` and counting quotes from its start again, so a header of 100 000 parameters
took minutes (found by growing every header shape of a message until one grew faster
than its size). :mod:`gateway.pipeline.parse.params` reads them in one pass, to the
same list, up to the first 200 pieces (no real header has more than a few dozen)."""

from __future__ import annotations

import email.message
import random

import pytest

from gateway.pipeline.parse import params
from gateway.pipeline.parse.message import parse_message
from tests.support import hostile

BOUND = 3.0  # seconds, on a busy two-core machine; quadratic here is minutes

UNITS = ["; a=b", ";", '; a="x;y"', '; a="\\";"', "; name*0=x; name*1=y"]


def _message(unit: str, count: int, ctype: str = "text/plain") -> bytes:
    head = (
        "From: a@customer.test\r\nTo: support@example.test\r\nSubject: params\r\n"
        f"Content-Type: {ctype}{unit * count}\r\n"
        f"Content-Disposition: inline{unit * count}\r\n\r\n"
    )
    return head.encode() + b"the text survives\r\n"


@pytest.mark.parametrize("unit", UNITS)
def test_a_header_of_countless_parameters_is_read_in_linear_time(unit: str) -> None:
    raw = _message(unit, 2_000_000 // len(unit))
    with hostile.within(BOUND, "parse_message"):
        parsed = parse_message(raw)
    if "name*" in unit:  # a part with a file name is an attachment, kept as one
        assert parsed.attachments
    else:
        assert "the text survives" in parsed.text


def test_a_multipart_boundary_among_countless_parameters_is_found_in_linear_time() -> None:
    part = "--b\r\nContent-Type: text/plain\r\n\r\ninner text\r\n--b--\r\n"
    raw = _message("; a=b", 300_000, 'multipart/mixed; boundary="b"').replace(
        b"the text survives\r\n", part.encode()
    )
    with hostile.within(BOUND, "parse_message"):
        parsed = parse_message(raw)
    assert "inner text" in parsed.text


PIECES = ["a", "=", ";", '"', "\\", " ", "b*", "*0", "'", "%41", "\t"]


def test_the_parameters_are_split_exactly_as_the_standard_library_splits_them() -> None:
    rng = random.Random(5)
    for _ in range(20_000):
        value = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 14)))
        assert params.parse_params(value) == params.STDLIB_PARSEPARAM(value), value


def test_pieces_past_the_cap_are_not_read() -> None:
    value = "text/plain" + "; a=b" * 500 + '; charset="utf-8"'
    assert params.parse_params(value) == params.STDLIB_PARSEPARAM(value)[: params.MAX_PARAMS]


def test_the_standard_library_reads_parameters_with_ours() -> None:
    assert email.message._parseparam is params.parse_params
