"""Parsing ahead in worker processes gives exactly what parsing inline gives."""

from __future__ import annotations

from gateway.pipeline.parse.message import parse_message
from gateway.receive.parse_ahead import ParseAhead, result_or_none
from tests.support.corpus import SHARED_ROOT, message_files, needs_shared


@needs_shared
def test_worker_parse_equals_inline_parse() -> None:
    raws = [f.read_bytes() for f in message_files(SHARED_ROOT / "public")[:24]]
    with ParseAhead(workers=1) as ahead:
        futures = [ahead.submit(raw) for raw in raws]
        assert all(f is not None for f in futures)
        parsed = [result_or_none(f) for f in futures]
    assert parsed == [parse_message(raw) for raw in raws]


def test_no_workers_means_inline() -> None:
    with ParseAhead(workers=0) as ahead:
        assert ahead.submit(b"Subject: x\n\nbody\n") is None
    assert result_or_none(None) is None
