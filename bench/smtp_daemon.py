"""``bench/smtp.py --daemon``: the whole daemon as deployed, against the bare sink.

    .venv/bin/python bench/smtp.py --daemon [--messages 2000] [--clients 4]

One run, one generated corpus (:mod:`bench.corpus_gen`, the one ``bench/ingest.py``
uses: Japanese and English, attachments up to 2 MB, replies, auto-replies and
bounces), the same concurrent ``smtplib`` clients, and these figures, each a
ratio of two things measured in this run:

* **acceptance**: msg/s from the first MAIL to the last ``250`` while the daemon
  (``ticket-gateway run``: listener, inbox writer, runner, sender, scheduler;
  outbound to a maildir) processes what it accepted, against a bare aiosmtpd
  sink that discards (target ≥ 0.7×);
* **p99 acceptance latency**: of one ``sendmail`` (MAIL to ``250``) against the
  daemon (target < 100 ms), the sink's printed beside it;
* **end-to-end**: msg/s from the first MAIL until every inbox row is processed and
  every acknowledgement is written to the outbound maildir, against parse-only
  (:func:`~gateway.pipeline.parse.message.parse_message` over the same bytes in
  memory, one process; target ≥ 0.5×);
* **peak RSS of all the daemon's processes together** (the daemon and its worker
  processes, sampled from ``/proc`` every 50 ms; target < 200 MB).

The clients take the messages in corpus order from one queue, and a follow-up
is sent only once the request it answers has had its ``250`` (as in life: nobody
replies to a mail before it was sent). Threading is then checked as
``bench/ingest.py`` does, with one allowance: requests in flight at the same time
may get their ticket numbers in another order than the corpus's, so each
expected ticket is mapped to the ticket its request opened, and every message
must be on the mapped one. Replies by subject tag name the corpus's number, so
they are checked only with ``--clients 1``; with more clients they are counted
apart.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procs
from bench.sandbox import byte_compile_lean

TARGET_ACCEPT = 0.7
TARGET_E2E = 0.5
TARGET_P99_MS = 100.0
TARGET_RSS_MB = 200.0
SECRET = "bench-secret-0123456789abcdef0123"
SENDER = "mailer-daemon@customer.test"
RECIPIENT = "support@example.test"


# ---------------------------------------------------------------- clients


@dataclass
class Delivery:
    seconds: float
    latencies: list[float]
    cpu: float = 0.0  # CPU seconds of this (the bench's) process while the clients ran


def deliver(
    port: int, messages: list[bytes], clients: int, after: list[int] | None = None
) -> Delivery:
    """Send every message over ``clients`` connections, taking them in corpus order from
    one queue; per-message latency kept. ``after[i]``: the index of a message that must
    have had its ``250`` before message ``i`` is sent (-1: none), so a reply never
    overtakes the request it answers."""
    import smtplib

    start, errors = threading.Barrier(clients + 1), list[str]()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    acked = [threading.Event() for _ in messages]
    queue = iter(range(len(messages)))
    lock = threading.Lock()

    def client(k: int) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
                smtp.ehlo("bench-client.test")
                start.wait()
                while True:
                    with lock:
                        i = next(queue, None)
                    if i is None:
                        return
                    if after is not None and after[i] >= 0:
                        acked[after[i]].wait(120)
                    began = time.perf_counter()
                    smtp.sendmail(SENDER, [RECIPIENT], messages[i])
                    latencies[k].append(time.perf_counter() - began)
                    acked[i].set()
        except Exception as exc:  # noqa: BLE001 - reported, and the run is invalid
            errors.append(repr(exc))
            for event in acked:
                event.set()
            start.abort()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began, used = time.perf_counter(), _own_cpu()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    if errors:
        raise SystemExit(f"{len(errors)} client(s) failed: {errors[0]}")
    return Delivery(seconds, [x for lat in latencies for x in lat], _own_cpu() - used)


def _own_cpu() -> float:
    """User and system CPU seconds of this process (the clients' threads, mostly)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def dependencies(specs: list[Any]) -> list[int]:
    """For each message, the index of the request it follows up (-1 for a request)."""
    first: dict[int, int] = {}
    after = []
    for i, s in enumerate(specs):
        if s.kind == "request":
            first[s.ticket] = i
        after.append(-1 if s.kind == "request" else first.get(s.ticket, -1))
    return after


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


# ---------------------------------------------------------------- the daemon


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def role(pid: int) -> str:
    """What a process of the daemon's tree is, for the CPU each spends per message."""
    command = procs.command_line(pid)
    if "gateway.runtime.processing" in command:
        return "processing child"
    if "gateway.runtime.parse_process" in command:
        return "parse process"
    # the console script, or what ``run`` makes of itself (gateway.runtime.cli.run)
    daemon = "ticket-gateway" in command or " -m gateway " in command
    return "listener (the daemon)" if daemon else "other"


@dataclass
class Site:
    root: Path
    db: Path
    outbound: Path
    env: dict[str, str]
    port: int

    @classmethod
    def create(cls, root: Path) -> Site:
        root.mkdir(parents=True)
        db, outbound, port = root / "gw.db", root / "outbound", free_port()
        config = root / "gateway.toml"
        config.write_text(
            f'[gateway]\naddress = "{RECIPIENT}"\n'
            f"data_dir = {json.dumps(str(root / 'var'))}\n\n"
            f'[database]\nurl = "sqlite:///{db}"\n\n'
            f'[smtp]\nhost = "127.0.0.1"\nport = {port}\n\n'
            f'[outbound]\nmode = "maildir"\nmaildir = {json.dumps(str(outbound))}\n',
            encoding="utf-8",
        )
        env = dict(os.environ)
        env.update(
            TICKET_GATEWAY_CONFIG=str(config),
            TICKET_GATEWAY_DATABASE_URL=f"sqlite:///{db}",
            TICKET_GATEWAY_SECRET=SECRET,
        )
        return cls(root, db, outbound, env, port)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return list(con.execute(sql))
        finally:
            con.close()


@dataclass
class DaemonResult:
    delivery: Delivery
    end_to_end: float  # seconds from the first MAIL to all processed and written
    cpu: dict[str, float]  # CPU seconds each role spent from the first MAIL to settled
    peak_rss: int
    states: dict[str, int]
    outbox: dict[str, int]
    written: int  # files in the outbound maildir
    stored: dict[str, int]  # message_id -> ticket id


def run_daemon(
    tg: Path, root: Path, messages: list[bytes], clients: int, after: list[int]
) -> DaemonResult:
    site = Site.create(root)
    subprocess.run([str(tg), "db", "upgrade"], env=site.env, capture_output=True, check=True)
    log = (root / "daemon.log").open("wb")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(root / "notify.sock"))
    daemon = subprocess.Popen(
        [str(tg), "run"],
        env={**site.env, "NOTIFY_SOCKET": str(root / "notify.sock")},
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    sampler = procs.PeakRss(daemon.pid)
    try:
        _wait_ready(notify, daemon)
        _wait_listening(site.port, daemon)
        sampler.start()
        before = procs.tree_cpu(daemon.pid, role)
        began = time.perf_counter()
        delivery = deliver(site.port, messages, clients, after)
        _wait_until(lambda: _settled(site), 1800)
        end_to_end = time.perf_counter() - began
        after_cpu = procs.tree_cpu(daemon.pid, role)
        cpu = {role: t - before.get(role, 0.0) for role, t in after_cpu.items()}
    finally:
        sampler.done.set()
        daemon.terminate()
        daemon.wait(30)
        log.close()
        notify.close()
    return DaemonResult(
        delivery,
        end_to_end,
        cpu,
        sampler.peak,
        dict(site.query("SELECT state, count(*) FROM inbox GROUP BY state")),
        dict(site.query("SELECT state, count(*) FROM outbox GROUP BY state")),
        sum(1 for _ in (site.outbound / "new").iterdir())
        if (site.outbound / "new").is_dir()
        else 0,
        dict(site.query("SELECT message_id, ticket_id FROM messages")),
    )


def _wait_ready(notify: socket.socket, daemon: subprocess.Popen[bytes]) -> None:
    """Wait for ``READY=1`` on the notify socket, as systemd's ``Type=notify`` does:
    the daemon is started once its listener is bound and its processing child runs.
    Measuring from the first open port instead would count the child's start-up
    (its imports, about a second of CPU) as if it were the cost of the mail."""
    notify.settimeout(0.2)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise SystemExit(f"the daemon exited with {daemon.returncode} (see daemon.log)")
        try:
            said = notify.recv(4096).decode("utf-8", "replace").split("\n")
        except TimeoutError:
            continue
        if "READY=1" in said:  # what it says later (STATUS=, STOPPING=1) is read and dropped
            threading.Thread(target=_drain, args=(notify,), daemon=True).start()
            return
    raise SystemExit("the daemon did not say READY=1 within 120 s")


def _drain(notify: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while True:
            with contextlib.suppress(TimeoutError):
                notify.recv(4096)


def _wait_listening(port: int, daemon: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise SystemExit(f"the daemon exited with {daemon.returncode} (see daemon.log)")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the daemon did not listen within 60 s")


def _settled(site: Site) -> bool:
    """Every row processed and every acknowledgement out of the outbox."""
    pending = site.query(
        "SELECT (SELECT count(*) FROM inbox WHERE state = 'pending'),"
        " (SELECT count(*) FROM outbox WHERE state = 'pending')"
    )[0]
    return pending == (0, 0)


def _wait_until(done: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"not settled within {timeout:.0f} s")
        time.sleep(0.02)


# ---------------------------------------------------------------- threading check


def misthreaded(specs: list[Any], stored: dict[str, int]) -> list[str]:
    """Messages not on their ticket, after mapping ticket numbers (see the module doc)."""
    ours = {s.ticket: stored.get(s.message_id) for s in specs if s.kind == "request"}
    wrong: list[str] = []
    for s in specs:
        got = stored.get(s.message_id)
        if got is None or got != ours.get(s.ticket):
            wrong.append(f"{s.name} ({s.kind}) expected #{ours.get(s.ticket)}, got #{got}")
    return wrong


# ---------------------------------------------------------------- report


def report(args: Any, tg: Path, tmp: Path, measure_bare: Callable[..., Any]) -> int:
    from bench.corpus_gen import generate
    from gateway.pipeline.parse.message import parse_message

    corpus = generate(tmp / "corpus", args.messages, args.seed)
    # on the wire every line ends in CRLF (an MTA fixes bare LF; smtplib does not for bytes)
    messages = [crlf(f.read_bytes()) for f in corpus.files]
    print(
        f"daemon run: {len(messages)} generated messages ({sum(map(len, messages)) / 1e6:.0f} MB"
        f", seed {args.seed}), {args.clients} concurrent smtplib clients, {os.cpu_count()} CPUs"
    )
    parse_message(messages[0])
    began = time.perf_counter()
    for raw in messages:
        parse_message(raw)
    parse_rate = len(messages) / (time.perf_counter() - began)
    after = dependencies(corpus.specs)
    bare = measure_bare(messages, after)
    byte_compile_lean()  # as the README's install does: see there
    ours = run_daemon(tg, tmp / "daemon", messages, args.clients, after)
    n = len(messages)
    accept = n / ours.delivery.seconds
    e2e = n / ours.end_to_end
    lat = 1000 * p99(ours.delivery.latencies)
    bare_lat = 1000 * p99(bare.latencies)
    rss = ours.peak_rss / 1e6
    requests = corpus.count(kind="request")
    tickets = len(set(ours.stored.values()))
    wrong = misthreaded(corpus.specs, ours.stored)
    tags = [w for w in wrong if "(reply-tag)" in w]
    strict = [w for w in wrong if w not in tags] if args.clients > 1 else wrong
    rows = [
        ("bare aiosmtpd sink (discard)", f"{n / bare.seconds:.0f} msg/s", "", ""),
        (f"    p99 acceptance latency ({n} mails)", f"{bare_lat:.0f} ms", "", ""),
        ("parse only (parse_message, 1 process)", f"{parse_rate:.0f} msg/s", "", ""),
        ("daemon: acceptance while processing", f"{accept:.0f} msg/s", "", ""),
        ("    / bare sink", f"{accept / (n / bare.seconds):.2f}", f">= {TARGET_ACCEPT}", ""),
        ("    p99 acceptance latency", f"{lat:.0f} ms", f"< {TARGET_P99_MS:.0f} ms", ""),
        ("daemon: end-to-end (SMTP -> ticket, ack written)", f"{e2e:.0f} msg/s", "", ""),
        ("    / parse only", f"{e2e / parse_rate:.2f}", f">= {TARGET_E2E}", ""),
        ("    peak RSS, all daemon processes", f"{rss:.0f} MB", f"< {TARGET_RSS_MB:.0f} MB", ""),
    ]
    verdicts = {
        "    / bare sink": accept / (n / bare.seconds) >= TARGET_ACCEPT,
        "    p99 acceptance latency": lat < TARGET_P99_MS,
        "    / parse only": e2e / parse_rate >= TARGET_E2E,
        "    peak RSS, all daemon processes": rss < TARGET_RSS_MB,
    }
    print(f"\n{'measure':<50} {'value':>11}   {'target':<9} result")
    print("-" * 82)
    for label, value, target, _ in rows:
        result = ("met" if verdicts[label] else "NOT met") if label in verdicts else ""
        print(f"{label:<50} {value:>11}   {target:<9} {result}")
    print(
        f"\ninbox {ours.states}, outbox {ours.outbox}, {ours.written} mails in the maildir; "
        f"{tickets} tickets (expected {requests})"
    )
    if strict:
        print(f"THREADING: {len(strict)} message(s) not on their ticket, e.g. {strict[:3]}")
    else:
        print(f"threading: every message on its ticket (all {n - len(tags)} checked)")
    if tags and args.clients > 1:
        print(
            f"    {len(tags)} tag replies name the corpus's ticket numbers, which parallel "
            "delivery reorders: not checked (use --clients 1)"
        )
    per = ", ".join(f"{role} {1000 * t / n:.2f}" for role, t in sorted(ours.cpu.items()))
    print(
        f"CPU per message, ms, from the first MAIL until settled: {per}; "
        f"the clients (this process) {1000 * ours.delivery.cpu / n:.2f}"
    )
    busy = sum(ours.cpu.values()) + ours.delivery.cpu
    ceiling = n / (busy / (os.cpu_count() or 1)) / parse_rate
    print(
        f"end-to-end / parse only if every CPU were busy from the first MAIL to the last "
        f"row (this CPU spread evenly): {ceiling:.2f}"
    )
    bad = ours.states.get("shunted", 0) or strict or ours.states.get("pending", 0)
    return 1 if bad else 0


def console_script() -> Path:
    here = Path(sys.executable).parent / "ticket-gateway"
    if not here.exists():
        raise SystemExit("bench: ticket-gateway console script not found; use .venv/bin/python")
    return here
