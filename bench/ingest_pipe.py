"""``bench/ingest.py`` (c): ``ticket-gateway ingest -`` once per message, as an MTA pipes it.

Start-up is what dominates here, so the figure is compared with a floor measured
beside it: a bare ``python -I`` that parses with the stdlib and commits the raw
bytes with sqlite3. Each pipe only stores (the MTA waits for that alone), so the
time until every message is processed is measured too, twice: (c1) with nobody
but the background drainer the pipes start, (c2) with ``ticket-gateway run``
beside them, the deployment the README describes.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.sandbox import Site, byte_compile_ours, one_process_each, rate
from gateway.receive.pipe import daemon_running
from gateway.runtime.drain_lock import drain_running

# The floor for (c): what any Python program must at least do per message.
FLOOR_SCRIPT = """
import sqlite3, sys
from email import policy
from email.parser import BytesParser
raw = sys.stdin.buffer.read()
msg = BytesParser(policy=policy.default).parsebytes(raw)
message_id, subject = str(msg.get("message-id", "")), str(msg.get("subject", ""))
con = sqlite3.connect(sys.argv[1], timeout=5)
con.execute("PRAGMA journal_mode=WAL")
con.execute("CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, message_id TEXT,"
            " subject TEXT, raw BLOB NOT NULL)")
with con:
    con.execute("INSERT INTO inbox (message_id, subject, raw) VALUES (?, ?, ?)",
                (message_id, subject, raw))
con.close()
"""


@dataclass(slots=True)
class PerProcessResult:
    n: int
    ours: float  # (c1) no daemon: each process stores, a drainer processes
    ours_done: float  # (c1) until the drainers had processed every message
    piped: float  # (c2) a daemon runs: each process only stores (the MTA-visible cost)
    piped_done: float  # (c2) until the daemon had processed every piped message
    floor: float
    ours_failed: list[str]
    floor_failed: list[str]
    ours_states: dict[str, int]
    floor_rows: int


def measure_per_process(
    raws: list[bytes], names: list[str], tg: Path, work: Path, n: int
) -> PerProcessResult:
    """One process per message, sequential: what an MTA pipe costs per delivery."""
    sample, sample_names = raws[:n], names[:n]
    byte_compile_ours()  # as an installed wheel is; see bench/sandbox.py
    site = Site.create(work / "single")
    site.upgrade(tg)
    started = time.perf_counter()
    each = one_process_each([str(tg), "ingest", "-"], sample, site.env, site.root)
    ours = each.seconds
    ours_failed = [f"{sample_names[i]}: {why}" for i, why in sorted(each.failed.items())]
    ours_done = wait_processed(site, started)
    wait_drainers_gone(site.root / "var")
    piped, piped_done = measure_piped(sample, tg, work / "piped", ours_failed)

    floor_db = work / "floor" / "floor.db"
    floor_db.parent.mkdir(parents=True)
    floor_run = one_process_each(
        [sys.executable, "-I", "-c", FLOOR_SCRIPT, str(floor_db)], sample, None, floor_db.parent
    )
    floor = floor_run.seconds
    floor_failed = [f"{sample_names[i]}: {why}" for i, why in sorted(floor_run.failed.items())]
    con = sqlite3.connect(floor_db)
    floor_rows = con.execute("SELECT count(*) FROM inbox").fetchone()[0]
    con.close()
    states = dict(site.query("SELECT state, count(*) FROM inbox GROUP BY state"))
    return PerProcessResult(
        len(sample),
        ours,
        ours_done,
        piped,
        piped_done,
        floor,
        ours_failed,
        floor_failed,
        states,
        floor_rows,
    )


def wait_processed(site: Site, started: float) -> float:
    """Seconds from ``started`` until no inbox row is pending."""
    deadline = time.monotonic() + 120
    while (
        time.monotonic() < deadline
        and site.query("SELECT count(*) FROM inbox WHERE state = 'pending'")[0][0]
    ):
        time.sleep(0.05)
    return time.perf_counter() - started


def wait_drainers_gone(data_dir: Path) -> None:
    """Until the last drainer has left (it lingers a moment), so that what is measured
    next has the machine to itself."""
    deadline = time.monotonic() + 60
    while drain_running(data_dir) and time.monotonic() < deadline:
        time.sleep(0.05)


def measure_piped(
    sample: list[bytes], tg: Path, root: Path, failed: list[str]
) -> tuple[float, float]:
    """(c2): the deployment the README describes for a pipe, with ``run`` beside it."""
    site = Site.create(root)
    site.upgrade(tg)
    daemon = subprocess.Popen(
        [str(tg), "run"],
        env=site.env,
        cwd=site.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not daemon_running(site.root / "var") and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.perf_counter()
        for i, raw in enumerate(sample):
            proc = subprocess.run(
                [str(tg), "ingest", "-"],
                input=raw,
                env=site.env,
                cwd=site.root,
                capture_output=True,
                timeout=300,
                check=False,
            )
            if proc.returncode != 0 or b"queued for the running daemon" not in proc.stdout:
                failed.append(f"piped #{i}: exit {proc.returncode} {proc.stdout[-200:]!r}")
        piped = time.perf_counter() - started
        return piped, wait_processed(site, started)
    finally:
        daemon.terminate()
        daemon.wait(30)


def report_per_process(res: PerProcessResult) -> None:
    print(f"(c) one process per message, {res.n} messages, sequential:")
    print(
        f"    (c1) ingest -, no daemon  {res.ours:6.2f} s = {rate(res.n, res.ours):6.2f} msg/s "
        f"({1000 * res.ours / res.n:.0f} ms per message); all processed by drainers after "
        f"{res.ours_done:.2f} s; inbox states {res.ours_states}"
    )
    print(
        f"    (c2) ingest -, daemon running {res.piped:6.2f} s = "
        f"{rate(res.n, res.piped):6.2f} msg/s ({1000 * res.piped / res.n:.0f} ms per "
        f"message); all processed by the daemon after {res.piped_done:.2f} s"
    )
    print(
        f"    floor (python -I, stdlib email + sqlite3 WAL) {res.floor:6.2f} s = "
        f"{rate(res.n, res.floor):6.2f} msg/s ({1000 * res.floor / res.n:.0f} ms per message); "
        f"{res.floor_rows} rows"
    )
    for label, fails in (("ours", res.ours_failed), ("floor", res.floor_failed)):
        if fails:
            print(f"    {label}: {len(fails)} process(es) failed, e.g. {fails[:2]}")
