"""``bench/ingest.py --scale``: does the per-message cost stay flat as the store grows?

    .venv/bin/python bench/ingest.py --scale [--sizes 2000,20000,100000] [--chunk 2000]

One store per database (SQLite in a fresh file; PostgreSQL at 127.0.0.1:5432,
database ``test``, in a schema of its own that is dropped afterwards, skipped with
a message when it does not answer) is grown to the largest size with the corpus
of ``bench/ingest.py``, generated a chunk at a time and deleted once ingested, so
the corpus is never on disk or in memory whole (100 000 messages are about 7 GB).
Each chunk is one ``ticket-gateway ingest <folder>`` process, the real console
script, timed and measured (peak RSS) on its own.

At each size the report gives the throughput so far, the cost per message of the
chunk that reached that size (the store then holds that many messages) and the
peak RSS of any ingest process so far; then the ratio of the cost at the largest
size to the cost at the smallest (target ≤ 1.3×: every lookup uses an index,
``tests/test_query_plans.py``). Threading is checked at the end as in the normal
run: every message on the ticket the corpus expects.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import corpus_gen

TARGET_FLAT = 1.3
PG_URL = os.environ.get(
    "TICKET_GATEWAY_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Checkpoint:
    size: int
    seconds: float  # all chunks so far
    chunk_ms: float  # per message, in the chunk that reached this size
    peak_rss_mb: float
    cpu_ms: float = 0.0  # the ingest process's CPU per message in that chunk (user + sys)


@dataclass
class ScaleRun:
    backend: str
    points: list[Checkpoint] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    failed: str = ""


@contextmanager
def _pg_schema() -> Iterator[str | None]:
    """A URL into a fresh schema of the bench database, or None when it does not answer."""
    import psycopg

    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        admin = psycopg.connect(dsn, connect_timeout=2, autocommit=True)
    except psycopg.Error as exc:
        print(f"PostgreSQL: skipped, {dsn} does not answer ({str(exc).strip()[:120]})")
        yield None
        return
    schema = f"bench_scale_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in PG_URL else "?"
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.split("///", 1)[1])
        try:
            return list(con.execute(sql))
        finally:
            con.close()
    import psycopg

    plain, _, options = url.replace("postgresql+psycopg://", "postgresql://").partition("?")
    search_path = options.split("%3D", 1)[1]
    with psycopg.connect(plain, options=f"-csearch_path={search_path}") as con:
        return list(con.execute(sql).fetchall())


def grow(
    backend: str,
    url: str,
    root: Path,
    sizes: list[int],
    chunk: int,
    seed: int,
    ingest_chunk: Callable[[Path, Path, str], dict[str, Any]],
) -> ScaleRun:
    """Ingest chunk after chunk into one store; a checkpoint at each of ``sizes``."""
    run = ScaleRun(backend)
    gen = corpus_gen.Generator(seed)
    expected: dict[str, int] = {}
    total, seconds, peak = 0, 0.0, 0.0
    folder = root.with_name(root.name + "-chunk")
    while total < sizes[-1]:
        n = min(chunk, sizes[-1] - total, next(s for s in sizes if s > total) - total)
        specs = corpus_gen.extend(gen, folder, total + 1, n)
        expected.update((s.message_id, s.ticket) for s in specs)
        data = ingest_chunk(folder, root, url)
        shutil.rmtree(folder)
        if data["rc"] != 0:
            run.failed = f"ingest exited {data['rc']} at message {total + 1}"
            return run
        total += n
        seconds += data["wall"]
        peak = max(peak, data["maxrss"] * 1024 / 1e6)
        if total in sizes:
            cpu_ms = 1000 * (data["user"] + data["sys"]) / n
            run.points.append(Checkpoint(total, seconds, 1000 * data["wall"] / n, peak, cpu_ms))
            print(
                f"  {backend:<10} {total:>7} messages: {total / seconds:6.1f} msg/s so far, "
                f"{1000 * data['wall'] / n:6.2f} ms/message in the last chunk "
                f"({cpu_ms:.2f} ms of its CPU), peak RSS {peak:5.1f} MB",
                flush=True,
            )
    stored = dict(_query(url, "SELECT message_id, ticket_id FROM messages WHERE direction = 'in'"))
    run.wrong = [
        f"{mid} expected #{t}, got #{stored.get(mid)}"
        for mid, t in expected.items()
        if stored.get(mid) != t
    ]
    run.states = dict(_query(url, "SELECT state, count(*) FROM inbox GROUP BY state"))
    return run


def report(runs: list[ScaleRun]) -> None:
    print(f"\n{'store':<11} {'size':>7} {'msg/s':>8} {'ms/msg':>8} {'CPU ms':>8} {'peak RSS':>9}")
    print("-" * 57)
    for run in runs:
        for p in run.points:
            print(
                f"{run.backend:<11} {p.size:>7} {p.size / p.seconds:8.1f} {p.chunk_ms:8.2f} "
                f"{p.cpu_ms:8.2f} {p.peak_rss_mb:7.1f} MB"
            )
    print()
    for run in runs:
        if run.failed:
            print(f"{run.backend}: FAILED, {run.failed}")
            continue
        first, last = run.points[0], run.points[-1]
        ratio = last.chunk_ms / first.chunk_ms
        met = "met" if ratio <= TARGET_FLAT else "NOT met"
        cpu = last.cpu_ms / first.cpu_ms if first.cpu_ms else float("nan")
        print(
            f"{run.backend}: cost per message at {last.size} / at {first.size} = {ratio:.2f} "
            f"(target <= {TARGET_FLAT}: {met}; the ingest process's CPU alone: {cpu:.2f}, "
            f"which other load on the machine does not move); inbox {run.states}; "
            + (
                f"THREADING: {len(run.wrong)} not on their ticket, e.g. {run.wrong[:2]}"
                if run.wrong
                else "threading: every message on its ticket"
            )
        )


def main(
    sizes: list[int],
    chunk: int,
    seed: int,
    work: Path,
    ingest_chunk: Callable[..., Any],
    databases: frozenset[str] | set[str] = frozenset({"sqlite", "postgresql"}),
) -> int:
    sizes = sorted(set(sizes))
    print(
        f"scale run: sizes {sizes}, chunks of {chunk} messages, seed {seed}, {os.cpu_count()} CPUs"
    )
    started = time.perf_counter()
    runs = []
    if "sqlite" in databases:
        sqlite_url = f"sqlite:///{work / 'sqlite' / 'gw.db'}"
        runs.append(grow("SQLite", sqlite_url, work / "sqlite", sizes, chunk, seed, ingest_chunk))
    if "postgresql" in databases:
        with _pg_schema() as url:
            if url is not None:
                runs.append(grow("PostgreSQL", url, work / "pg", sizes, chunk, seed, ingest_chunk))
    report(runs)
    print(f"\ntotal scale time {time.perf_counter() - started:.0f} s")
    bad = any(r.failed or r.wrong or r.states.get("shunted") for r in runs)
    return 1 if bad else 0
