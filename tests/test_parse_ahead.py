"""Parsing ahead in worker processes gives exactly what parsing inline gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.catalog.load import EXAMPLE, CatalogHolder
from gateway.core.resources import examples_dir
from gateway.pipeline.parse.message import SlimMessage, parse_message, prepare
from gateway.receive.parse_ahead import FORESEE_WITH, ParseAhead, result_or_none
from gateway.runner.foresight import foresee
from tests.support.corpus import needs_shared, own_samples, shared_samples


@pytest.mark.parametrize("origin", ["own", pytest.param("shared", marks=needs_shared)])
def test_worker_parse_equals_inline_parse(origin: str) -> None:
    samples = own_samples() if origin == "own" else shared_samples()
    raws = [s.raw() for s in samples[:: max(1, len(samples) // 24)][:24]]  # every category
    assert len(raws) == 24
    with ParseAhead(workers=1) as ahead:
        futures = [ahead.submit(raw) for raw in raws]
        assert all(f is not None for f in futures)
        done = [result_or_none(f) for f in futures]
    assert [d.parsed if d else None for d in done] == [parse_message(raw) for raw in raws]
    assert all(d is None or d.foresight is None for d in done)  # no catalog given


@pytest.mark.parametrize("same", [True, False])
def test_workers_foresee_for_the_catalog_they_are_given(tmp_path: Path, same: bool) -> None:
    """With the catalog in use named, each parse comes with what the pure stages would
    decide (as worked out here); a catalog file changed since it was loaded (another
    digest) gives none, so nothing stale can be used."""
    path = tmp_path / "catalog.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    program = examples_dir() / "account_action.py"  # its account entry runs this, beside it
    (tmp_path / program.name).write_bytes(program.read_bytes())
    (tmp_path / program.name).chmod(0o755)
    holder = CatalogHolder(path)
    if not same:
        path.write_text(EXAMPLE.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    raws = [s.raw() for s in own_samples()[::6][:12]]
    with ParseAhead(workers=1) as ahead:
        ahead.catalog = holder.ref()
        done = [result_or_none(ahead.submit(raw)) for raw in raws]
    for d in done:
        assert d is not None
        if same:
            assert d.foresight == foresee(holder.current, d.parsed)
        else:
            assert d.foresight is None


def test_no_workers_means_inline() -> None:
    with ParseAhead(workers=0) as ahead:
        assert ahead.submit(b"Subject: x\n\nbody\n") is None
    assert result_or_none(None) is None


def test_dead_workers_mean_inline_for_the_rest() -> None:
    """A worker killed (by the kernel, say) breaks the pool: the ingest goes on parsing
    inline instead of failing on every later message."""
    import os
    import signal

    with ParseAhead(workers=1) as ahead:
        first = ahead.submit(b"Subject: x\n\nbody\n")
        assert first is not None and result_or_none(first) is not None
        pool = ahead._pool
        assert pool is not None
        for pid in list(pool._processes):
            os.kill(pid, signal.SIGKILL)
        meanwhile = ahead.submit(b"Subject: y\n\nbody\n")  # before the pool noticed, maybe
        assert result_or_none(meanwhile, 30) is None  # lost with the worker: parse inline
        assert ahead.submit(b"Subject: z\n\nbody\n") is None  # inline from then on


@pytest.mark.parametrize(("size", "travels"), [(3_000_000, "whole"), (6_000_000, "slim")])
def test_a_big_attachment_parses_the_same_whole_or_slim(size: int, travels: str) -> None:
    """Below SEND_WHOLE_BELOW the worker gets the message and slims it itself; above, it
    gets the slim copy (the part hashed here). Either way its parse equals the parse
    of every byte."""
    import base64
    import random

    data = base64.encodebytes(random.Random(2).randbytes(size)).decode("ascii")
    raw = (
        "From: a@example.test\nSubject: log\nMessage-ID: <big@example.test>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nsee the log\n"
        "--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
        f'Content-Disposition: attachment; filename="log.bin"\n\n{data}--b--\n'
    ).encode()
    assert isinstance(prepare(raw), SlimMessage)
    sent: list[object] = []
    with ParseAhead(workers=1) as ahead:
        pool = ahead._pool
        assert pool is not None
        submit = pool.submit

        def recording(fn: Any, arg: object, *rest: object) -> Any:
            sent.append(arg)
            return submit(fn, arg, *rest)

        pool.submit = recording  # type: ignore[method-assign]
        done = result_or_none(ahead.submit(raw))
    assert [type(a).__name__ for a in sent] == ["bytes" if travels == "whole" else "SlimMessage"]
    assert done is not None
    assert done.parsed == parse_message(raw, slim_above=None)
    assert done.parsed.attachments[0].size == size


@pytest.mark.parametrize("workers", [1, FORESEE_WITH])
def test_workers_foresee_only_when_there_are_enough_of_them(workers: int) -> None:
    holder = CatalogHolder(EXAMPLE)
    with ParseAhead(workers=workers) as ahead:
        ahead.foresee_for(holder.ref())
        assert (ahead.catalog is not None) is (workers >= FORESEE_WITH)
