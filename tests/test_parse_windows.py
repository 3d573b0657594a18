"""The slimming pass read a window at a time (:mod:`gateway.pipeline.parse.windows`):
the slim copy :func:`prepare_windows` makes of a message it never holds is the one
:func:`prepare` makes of its bytes, for every message we have and at window sizes
that put every edge somewhere awkward; and a big message costs a window, not its
size (issue #18: a batch ingest slims a big stored message from its blob)."""

from __future__ import annotations

import hashlib
import random
import re
import tracemalloc
from collections.abc import Callable

import pytest

from gateway.pipeline.parse.message import (
    SlimMessage,
    parse_message,
    parse_prepared,
    prepare,
    prepare_windows,
)
from gateway.pipeline.parse.slim import Slimmed
from gateway.pipeline.parse.windows import WINDOW, InMemory, Windows
from tests.support import hostile
from tests.support.corpus import own_samples
from tests.test_parse_slim import (
    CRAFTED,
    DATA,
    HOSTILE,
    HOSTILE_BIG,
    TEXT,
    TINY,
    attachment,
    b64,
    mixed,
)


def _reader(raw: bytes, sizes: list[int] | None = None) -> Callable[[int, int], bytes]:
    """``raw`` as a reader of ranges (noting each read's length in ``sizes``)."""

    def read(start: int, end: int) -> bytes:
        assert 0 <= start <= end <= len(raw)
        if sizes is not None:
            sizes.append(end - start)
        return raw[start:end]

    return read


def _shape(s: Slimmed) -> tuple[bytes, list[tuple[tuple[int, int], int, str, bool]]]:
    """The slim copy with its sentinels (random per pass) named by their order."""
    parts = sorted(s.parts.values(), key=lambda p: p.span)
    data = s.data
    for n, part in enumerate(parts):
        data = data.replace(part.sentinel.encode("ascii"), b"<sentinel %d>" % n)
    return data, [(p.span, p.size, p.sha256, p.blank) for p in parts]


def same_slim(raw: bytes, window: int, slim_above: int = TINY) -> str:
    """Asserts the windowed pass gives what the pass on bytes gives; says which."""
    held = prepare(raw, slim_above=slim_above)
    digest = hashlib.sha256(raw).hexdigest()
    read = Windows(_reader(raw), len(raw), window=window)
    windowed = prepare_windows(read, digest, slim_above=slim_above)
    if not isinstance(held, SlimMessage):
        assert windowed is None
        return "none"
    assert windowed is not None
    assert (windowed.defects, windowed.sha256) == (held.defects, held.sha256)
    assert _shape(windowed.slimmed) == _shape(held.slimmed)
    parsed = parse_prepared(windowed)
    if parsed is None:
        assert parse_prepared(held) is None
        return "whole"
    assert parsed == parse_message(raw, slim_above=None)
    return "slim"


@pytest.mark.parametrize("window", [1, 7, 64, 4096])
def test_crafted_shapes_slim_the_same_read_in_windows(window: int) -> None:
    outcomes = [same_slim(raw, window) for raw, _ in CRAFTED.values()]
    assert outcomes == [expected for _, expected in CRAFTED.values()]


@pytest.mark.parametrize("window", [13, 4096])
def test_the_fixtures_slim_the_same_read_in_windows(window: int) -> None:
    outcomes = [same_slim(s.raw(), window) for s in own_samples()]
    assert outcomes.count("slim") >= 3, outcomes


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_mails_slim_the_same_read_in_windows(raw: bytes) -> None:
    same_slim(raw, 4096)


REPAIRS = {
    "byte-order mark": b"\xef\xbb\xbf",
    "blank lines first": b"\r\n\n\r\n",
    "both": b"\xef\xbb\xbf\n\n",
}


@pytest.mark.parametrize("window", [1, 5, 64])
@pytest.mark.parametrize("front", REPAIRS.values(), ids=REPAIRS.keys())
def test_the_header_repairs_are_the_same_read_in_windows(front: bytes, window: int) -> None:
    """What comes before the first header line is stripped, and an unindented folded
    line rejoined, exactly as on the bytes: the view of the stored message starts
    where the repaired one does."""
    head = "From: a@example.test\nSubject: s\nmore of the subject\nMessage-ID: <r@x.test>\n"
    raw = mixed(TEXT, attachment(b64(DATA)), head=head)
    assert same_slim(front + raw, window) == "slim"
    assert same_slim(front + b"\n" * 3000 + raw, window) == "slim"  # past several windows


def test_a_view_answers_as_bytes_do() -> None:
    """Every question, at every offset, on a message with bytes put in front."""
    rng = random.Random(4)
    whole = bytes(rng.choice(b"ab\r\n-") for _ in range(300))
    view = Windows(_reader(whole), len(whole), window=7).after(40, head=b"\n-ab\r\n")
    held = InMemory(b"\n-ab\r\n" + whole[40:])
    assert len(view) == len(held)
    for start in range(0, len(held) + 2, 3):
        for end in (start, start + 1, start + 9, len(held), len(held) + 5):
            assert view.slice(start, end) == held.slice(start, end)
            for sub in (b"\n-", b"\r\n\r\n", b"b"):
                assert view.find(sub, start, end) == held.find(sub, start, end)
                assert view.rfind(sub, start, end) == held.rfind(sub, start, end)
            for pattern, reach in ((re.compile(rb"\n\r?\n"), 3), (re.compile(rb"\r(?!\n)"), 2)):
                assert view.search(pattern, start, end, reach) == held.search(
                    pattern, start, end, reach
                )


@pytest.mark.parametrize("raw", HOSTILE_BIG.values(), ids=HOSTILE_BIG.keys())
def test_the_windowed_pass_is_linear_on_hostile_shapes(raw: bytes) -> None:
    with hostile.within(10, "the windowed slimming pass over 10 MB"):
        prepare_windows(Windows(_reader(raw), len(raw)), "0" * 64)


def test_a_big_message_costs_a_window_not_its_size() -> None:
    """20 MB of attachment slimmed from a reader: no read is longer than a window and
    a few bytes, and the pass's peak allocation is a few windows, not the message."""
    data = random.Random(8).randbytes(15_000_000)
    raw = mixed(TEXT, attachment(b64(data)))
    sizes: list[int] = []
    tracemalloc.start()
    try:
        prepared = prepare_windows(
            Windows(_reader(raw, sizes), len(raw)), hashlib.sha256(raw).hexdigest()
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert prepared is not None
    [part] = prepared.slimmed.parts.values()
    assert (part.size, part.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert max(sizes) <= WINDOW + 3
    assert peak < 6 * WINDOW, f"peak {peak / 1e6:.1f} MB for a {len(raw) / 1e6:.0f} MB message"
    parsed = parse_prepared(prepared)
    assert parsed is not None and parsed.attachments[0].sha256 == part.sha256
