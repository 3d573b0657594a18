"""Does hostile mail cost more than ordinary mail of its size? (issue #14)

Run from the repository root::

    .venv/bin/python bench/hostile.py [--quick] [--keep DIR]

Each hostile message (``tests/support/hostile.py``: long lines of several shapes,
a 1 MB subject of encoded words, 5 MB of nested HTML, unclosed markup, 50 000
parts, multipart nested 1 000 and 5 000 levels deep, 20 000 Cc) and an ordinary
request of the same size (prose lines) go two ways, each into a fresh SQLite
installation:

* ``ticket-gateway -v ingest -`` (the MTA pipe), the real console script in a subprocess;
* over SMTP to a running ``ticket-gateway run``, while a second client opens a
  connection every 50 ms and times its greeting.

For each message it prints the processing time the runner logged
(``duration=``) as a multiple of the ordinary message's, the peak resident
memory of the process that processed it and of its parser worker (sampled
every 20 ms from /proc, the whole process tree), the longest greeting delay
meanwhile, and the row's disposition. Targets: no hostile message costs more
than 20 × an ordinary one of its size, no greeting waits 1 s, RSS stays under
150 MB. The baseline is measured in the same run, on the same machine. The
script exits 0 whatever the figures: it is a measurement; 1 only on a crash.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import procs  # noqa: E402
from tests.support import hostile  # noqa: E402 - the generators the tests use

TARGET_RATIO = 20.0
TARGET_GREETING = 1.0
TARGET_RSS_MB = 150.0
SECRET = "bench-secret-0123456789abcdef0123"
DURATION = re.compile(r"ingest inbox=(\d+) .*verdict=(\w+) .*duration=([0-9.]+)s")
MB = 1024 * 1024


def hostile_set(quick: bool) -> list[tuple[str, bytes]]:
    big = 300_000 if quick else 1_000_000
    html = 1_000_000 if quick else 5_000_000
    parts = 5_000 if quick else 50_000
    return [
        ("line: address run", hostile.long_line("email", big)),
        ("line: spaces then x", hostile.long_line("spaces", big)),
        ("line: dashes (Forwarded)", hostile.long_line("dashes", big)),
        ("line: On … wrote spaces", hostile.long_line("wrote-spaces", big)),
        ("line: のメッセージ × n", hostile.long_line("message", big)),
        ("lines: 300-char address runs", hostile.many_lines("email", big)),
        ("1 MB encoded-word subject", hostile.encoded_subject(1_000_000)),
        (f"{html / 1e6:.0f} MB nested <div>", hostile.nested_html(html)),
        (f"{html / 1e6:.0f} MB nested <blockquote>", hostile.nested_html(html, "blockquote")),
        ("unclosed <a b='", hostile.unclosed_html(big, "<a b='")),
        (f"{parts} parts", hostile.many_parts(parts)),
        ("nesting 1000 deep", hostile.deep_nesting(1000)),
        ("nesting 5000 deep", hostile.deep_nesting(5000)),
        ("20000 Cc", hostile.many_cc(2_000 if quick else 20_000)),
        ("```yaml fences", hostile.fences(big)),
    ]


def ordinary(size: int, n: int) -> bytes:
    return hostile.normal(size, subject=f"ordinary request {n}")


# ---------------------------------------------------------------- measuring


@dataclass
class Sampler:
    """Peak RSS of one process (``main``) and of the biggest of its descendants."""

    main: int
    peak_main: int = 0
    peak_child: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = procs.snapshot()
            if self.main in now:
                self.peak_main = max(self.peak_main, now[self.main].rss)
            for pid in procs.tree(self.main, now):
                if pid != self.main:
                    self.peak_child = max(self.peak_child, now[pid].rss)
            time.sleep(0.02)


@dataclass
class Figures:
    seconds: float = float("nan")
    verdict: str = "?"
    rss_main: int = 0
    rss_worker: int = 0
    greeting: float = float("nan")


def console_script() -> str:
    here = Path(sys.executable).parent / "ticket-gateway"
    return str(here) if here.exists() else (shutil.which("ticket-gateway") or "ticket-gateway")


def site(root: Path, port: int = 0) -> tuple[Path, dict[str, str]]:
    root.mkdir(parents=True, exist_ok=True)
    db = root / "gw.db"
    config = root / "gateway.toml"
    config.write_text(
        f'[gateway]\naddress = "support@example.test"\ndata_dir = {json.dumps(str(root / "var"))}\n'
        f"[database]\nurl = {json.dumps(f'sqlite:///{db}')}\n[smtp]\nport = {port}\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKET_GATEWAY_")}
    env.update(TICKET_GATEWAY_CONFIG=str(config), TICKET_GATEWAY_SECRET=SECRET)
    return db, env


def by_ingest(raw: bytes, root: Path) -> Figures:
    """``ticket-gateway -v ingest -`` (the MTA pipe path) in a fresh installation: one
    message on standard input is parsed by the runner itself, so its logged duration
    includes the parse (a file over 1 MiB would be parsed ahead in a pool first)."""
    _, env = site(root)
    path = root / "message.eml"
    path.write_bytes(raw)
    log = root / "ingest.log"
    with log.open("wb") as err, path.open("rb") as stdin:
        proc = subprocess.Popen(
            [console_script(), "-v", "ingest", "-"],
            env=env,
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=root,
        )
        with Sampler(proc.pid) as rss:
            proc.wait(600)
    found = DURATION.search(log.read_text(errors="replace"))
    figures = Figures(rss_main=rss.peak_main, rss_worker=rss.peak_child)
    if found:
        figures.seconds, figures.verdict = float(found.group(3)), found.group(2)
    return figures


class Daemon:
    """``ticket-gateway run`` on a free port, its log in a file."""

    def __init__(self, root: Path) -> None:
        self.port = _free_port()
        self.db, env = site(root, self.port)
        self.log = root / "daemon.log"
        self._err = self.log.open("wb")
        self.proc = subprocess.Popen(
            [console_script(), "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._err,
            cwd=root,
        )
        deadline = time.monotonic() + 30
        while not _listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the daemon did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def send(self, raw: bytes) -> Figures:
        before = self._inbox_ids()
        greetings: list[float] = []
        done = threading.Event()
        prober = threading.Thread(target=_probe, args=(self.port, done, greetings), daemon=True)
        with Sampler(self.proc.pid) as rss:
            prober.start()
            with smtplib.SMTP("127.0.0.1", self.port, timeout=120) as client:
                client.sendmail("sender@outside.test", ["support@example.test"], raw)
            inbox_id = self._wait_for_new_row(before)
            figures = self._processed(inbox_id)
            done.set()
            prober.join(35)
        figures.rss_main, figures.rss_worker = rss.peak_main, rss.peak_child
        figures.greeting = max(greetings) if greetings else float("nan")
        return figures

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        self._err.close()

    def _inbox_ids(self) -> set[int]:
        return {row[0] for row in self._query("SELECT id FROM inbox")}

    def _wait_for_new_row(self, before: set[int], timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = self._inbox_ids() - before
            if new:
                return min(new)
            time.sleep(0.05)
        raise RuntimeError("the message was never stored")

    def _processed(self, inbox_id: int, timeout: float = 300) -> Figures:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for found in DURATION.finditer(self.log.read_text(errors="replace")):
                if int(found.group(1)) == inbox_id:
                    return Figures(float(found.group(3)), found.group(2))
            time.sleep(0.05)
        return Figures()

    def _query(self, sql: str) -> list[tuple[object, ...]]:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        try:
            return list(con.execute(sql))
        except sqlite3.OperationalError:
            return []
        finally:
            con.close()


def _probe(port: int, done: threading.Event, greetings: list[float]) -> None:
    while not done.is_set():
        started = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
                sock.makefile("rb").readline()  # the 220 greeting
                greetings.append(time.monotonic() - started)
                sock.sendall(b"QUIT\r\n")
        except OSError:
            greetings.append(time.monotonic() - started)
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------- the report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller messages (a few minutes)")
    parser.add_argument("--keep", type=Path, help="keep the installations and logs here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="tg-hostile-"))
    try:
        rows = run(hostile_set(args.quick), work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report(rows)
    return 0


Row = tuple[str, int, Figures, Figures, Figures, Figures]


def run(messages: list[tuple[str, bytes]], work: Path) -> list[Row]:
    rows: list[Row] = []
    daemon = Daemon(work / "daemon")
    try:
        for n, (name, raw) in enumerate(messages):
            normal = ordinary(len(raw), n)
            progress(f"{name} ({len(raw) // 1024} KB)")
            ingest_h = by_ingest(raw, work / f"ingest-{n}-hostile")
            ingest_n = by_ingest(normal, work / f"ingest-{n}-normal")
            smtp_n = daemon.send(normal)
            smtp_h = daemon.send(raw)
            rows.append((name, len(raw), ingest_h, ingest_n, smtp_h, smtp_n))
    finally:
        daemon.stop()
    return rows


def progress(text: str) -> None:
    print(f"  … {text}", file=sys.stderr, flush=True)


def report(rows: list[Row]) -> None:
    def ratio(h: Figures, n: Figures) -> float:
        return h.seconds / max(n.seconds, 1e-3)

    print(
        f"\n{'hostile message':30} {'size':>7}  {'ingest h/o':>15} {'×':>5}  {'smtp h/o':>15}"
        f" {'×':>5}  {'RSS MB ingest/daemon/worker':>27}  {'greeting':>8}  verdict"
    )
    worst_ratio = worst_greeting = worst_rss = worst_ordinary = 0.0
    for name, size, ih, inn, sh, sn in rows:
        r_ingest, r_smtp = ratio(ih, inn), ratio(sh, sn)
        worker = max(ih.rss_worker, sh.rss_worker)
        worst_ratio = max(worst_ratio, r_ingest, r_smtp)
        worst_greeting = max(worst_greeting, sh.greeting, sn.greeting)
        worst_rss = max(worst_rss, ih.rss_main, sh.rss_main, worker)
        worst_ordinary = max(worst_ordinary, inn.rss_main, sn.rss_main)
        print(
            f"{name:30} {size / MB:6.2f}M  {ih.seconds:6.3f}/{inn.seconds:6.3f}s {r_ingest:4.1f}×"
            f"  {sh.seconds:6.3f}/{sn.seconds:6.3f}s {r_smtp:4.1f}×"
            f"  {ih.rss_main / MB:9.0f} / {sh.rss_main / MB:6.0f} / {worker / MB:6.0f}"
            f"  {sh.greeting:7.3f}s  {ih.verdict}/{sh.verdict}"
        )
    print(
        "\ntimes: the hostile message / an ordinary one of the same size, as the runner logged"
        " them (parse included); ingest is `ingest -` in a fresh process, smtp one daemon for"
        " the whole run (its RSS is the most it reached so far, ordinary messages included;"
        " its parses run ahead in its parse process, so its time is the stages and the wait"
        " for the parse); worker: the biggest process below either."
        f"\ntargets: ratio ≤ {TARGET_RATIO:g}× (worst {worst_ratio:.1f}×), greeting < "
        f"{TARGET_GREETING:g}s (worst {worst_greeting:.3f}s), RSS < {TARGET_RSS_MB:g} MB per "
        f"process (worst {worst_rss / MB:.0f} MB;"
        f" with ordinary messages {worst_ordinary / MB:.0f} MB)"
    )
    met = worst_ratio <= TARGET_RATIO and worst_greeting < TARGET_GREETING
    met = met and worst_rss / MB < TARGET_RSS_MB
    print("all targets met" if met else "some targets NOT met (see above)")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # noqa: BLE001 - a crash of the benchmark itself
        print(f"bench/hostile.py crashed: {exc!r}", file=sys.stderr)
        sys.exit(1)
