"""Parsing ahead in worker processes gives exactly what parsing inline gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.catalog.load import EXAMPLE, CatalogHolder
from gateway.core.resources import examples_dir
from gateway.pipeline.parse.message import SlimMessage, parse_message, prepare
from gateway.receive.parse_ahead import (
    BATCH_BYTES,
    BATCH_MESSAGES,
    FORESEE_WITH,
    SEND_WHOLE_BELOW,
    ParseAhead,
    result_or_none,
)
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


def _recording_pool(ahead: ParseAhead, sent: list[tuple[str, object]]) -> None:
    """Record each task the pool is given: its function's name and its first argument."""
    pool = ahead._pool
    assert pool is not None
    submit = pool.submit

    def recording(fn: Any, arg: object, *rest: object) -> Any:
        sent.append((fn.__name__, arg))
        return submit(fn, arg, *rest)

    pool.submit = recording  # type: ignore[method-assign]


def test_small_messages_travel_in_batches_and_parse_as_inline() -> None:
    """Twenty small messages make three tasks (8, 8, 4), and each future holds the parse of
    its own message, in order."""
    raws = [s.raw() for s in own_samples()[:20]]
    assert all(len(r) < BATCH_BYTES // BATCH_MESSAGES for r in raws)
    sent: list[tuple[str, object]] = []
    with ParseAhead(workers=1) as ahead:
        _recording_pool(ahead, sent)
        done = [result_or_none(f, 60) for f in ahead.submit_many(raws)]
    assert [d.parsed if d else None for d in done] == [parse_message(r) for r in raws]
    assert [len(arg) for _, arg in sent] == [8, 8, 4]  # type: ignore[arg-type]


def test_a_batch_closes_at_its_byte_bound_and_a_big_message_goes_alone() -> None:
    """Messages of 400 kB go three to a batch (past a megabyte); one past SEND_WHOLE_BELOW
    goes alone as its slim copy, between the batches, and the order holds."""
    import base64
    import random

    def mail(n: int, size: int) -> bytes:
        data = base64.encodebytes(random.Random(n).randbytes(size)).decode("ascii")
        return (
            f"From: a@example.test\nSubject: log {n}\nMessage-ID: <m{n}@example.test>\n"
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
            "--b\nContent-Type: text/plain\n\nsee the log\n"
            "--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
            f'Content-Disposition: attachment; filename="log.bin"\n\n{data}--b--\n'
        ).encode()

    raws = [mail(n, 300_000) for n in range(4)] + [mail(9, SEND_WHOLE_BELOW)]
    raws += [mail(n, 300_000) for n in range(10, 12)]
    sent: list[tuple[str, object]] = []
    with ParseAhead(workers=1) as ahead:
        _recording_pool(ahead, sent)
        done = [result_or_none(f, 60) for f in ahead.submit_many(raws)]
    assert [d.parsed.subject if d else None for d in done] == [
        "log 0",
        "log 1",
        "log 2",
        "log 3",
        "log 9",
        "log 10",
        "log 11",
    ]
    shapes = [len(a) if isinstance(a, list) else type(a).__name__ for _, a in sent]
    assert shapes == [3, "bytes", "SlimMessage", 2]  # the 4th alone: a batch of one is a message


def test_a_batch_lost_with_its_worker_means_inline() -> None:
    import os
    import signal

    with ParseAhead(workers=1) as ahead:
        pool = ahead._pool
        assert pool is not None
        assert result_or_none(ahead.submit(b"Subject: x\n\nbody\n")) is not None
        for pid in list(pool._processes):
            os.kill(pid, signal.SIGKILL)
        lost = ahead.submit_many([b"Subject: %d\n\nbody\n" % n for n in range(5)])
        assert [result_or_none(f, 30) for f in lost] == [None] * 5
        assert ahead.submit_many([b"Subject: z\n\nbody\n"] * 3) == [None] * 3


def test_a_message_given_up_on_stays_cancelled_while_the_rest_get_their_parse() -> None:
    """The runner stops waiting for a parse past its budget (result_or_none cancels it);
    when the batch ends later, the others get theirs and the cancelled one is left."""
    from concurrent.futures import Future

    from gateway.receive.parse_ahead import Ahead, _hand_out

    parsed = [parse_message(b"Subject: %d\n\nbody\n" % n) for n in range(3)]
    whole: Future[list[Ahead | None]] = Future()
    each: list[Future[Ahead | None]] = [Future() for _ in parsed]
    whole.add_done_callback(lambda done: _hand_out(done, each))
    assert result_or_none(each[1], 0.01) is None and each[1].cancelled()
    whole.set_result([Ahead(p) for p in parsed])
    assert [f.cancelled() for f in each] == [False, True, False]
    assert [f.result().parsed for f in (each[0], each[2])] == [parsed[0], parsed[2]]
