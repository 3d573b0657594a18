"""How fast does mail get in? Parser, batch ``ingest`` and one process per message.

Run from the repository root::

    .venv/bin/python bench/ingest.py [--messages 2000] [--seed 1] [--keep DIR] [--processes 50]
                                     [--repeat 3]
    .venv/bin/python bench/ingest.py --scale [--sizes 2000,20000,100000] [--chunk 2000]

Why three figures, and why these targets:

(a) parse only: :func:`gateway.pipeline.parse.parse_message` over bytes already
    in memory. The parser is the one stage that grows with message size and MIME
    complexity, so it is the ceiling for everything else.
(b) ``ticket-gateway ingest <folder>`` into a fresh SQLite database, the real
    console script in a subprocess, wall time. Storing, threading and committing
    should cost less than parsing does: target b/a ≥ 0.6 (issue #18). Its peak RSS
    (the largest of its processes) must stay under 100 MB, and run again on the
    same corpus with one more message carrying a 25 MB attachment it must stay
    flat (within ±10 MB): memory bounded by the chunk, not by the biggest mail.
    (a) and (b) are measured ``--repeat`` times, one after the other (a, b, a,
    b, …): the machine's speed drifts by a fifth from one minute to the next on
    a shared host, so each b/a is a pair measured side by side, every pair is
    printed, and the table shows the median pair. Each run of (b) is checked
    (threading, shunted rows) and the peak RSS is the largest of them.
(c) ``ticket-gateway ingest -`` once per message, the way an MTA pipe
    (``| ticket-gateway ingest -``) runs it, against a floor: a bare
    ``python -I`` that parses with the stdlib and commits the raw bytes with
    sqlite3. Start-up is what dominates here. Twice, and each process only
    stores (the MTA waits for that alone); the time until every message is
    processed is printed too:
    (c1) alone, when a background drainer (``gateway.runtime.drain``, started
    by the pipes) processes: target ours/floor ≥ 0.4 (issue #18);
    (c2) with ``ticket-gateway run`` beside it, the daemon processes: target
    ours/floor ≥ 0.5.

``--scale`` grows one store per database to 100 000 messages instead and checks
that the cost per message stays flat (``bench/scale.py``).

Every figure comes from one run on one generated corpus (``bench.corpus_gen``,
deterministic per seed). The script exits 0 whatever the figures are, because
it is a measurement; it exits 1 only when something crashed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

try:
    from bench.corpus_gen import Corpus, Spec, generate
except ImportError:  # run as ``python bench/ingest.py``: bench/ itself is on sys.path
    from corpus_gen import Corpus, Spec, generate  # type: ignore[no-redef]

from gateway.receive.pipe import daemon_running
from gateway.runtime.drain_lock import drain_running

TARGET_BA = 0.6
TARGET_C = 0.5
TARGET_C1 = 0.4  # (c1), without a daemon: issue #18's target for the cold pipe
TARGET_RSS_MB = 100.0
TARGET_BIG_DELTA_MB = 10.0  # the 25 MB-attachment run's peak may differ by this much
BIG_ATTACHMENT = 25_000_000
SECRET = "bench-secret-0123456789abcdef0123"  # fixed, so no secret file is generated

# Runs the measured command as its only child, so RUSAGE_CHILDREN is that command's
# alone (the benchmark's own earlier children would otherwise mix in). RUSAGE_CHILDREN
# misses the descendants nobody waited for (a forkserver and its parse workers), so
# the tree under the command is also sampled from /proc every 20 ms: the biggest
# single process and the peak of all of them together.
RSS_HELPER = """
import json, os, resource, subprocess, sys, threading, time
PAGE = os.sysconf("SC_PAGE_SIZE")
def tree(root):
    kids, rss = {}, {}
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                with open(f"/proc/{e}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            kids.setdefault(int(fields[1]), []).append(int(e))
            rss[int(e)] = int(fields[21]) * PAGE
    todo, found = [root], []
    while todo:
        p = todo.pop()
        found.append(rss.get(p, 0))
        todo += kids.get(p, [])
    return found
peak = {"one": 0, "all": 0}
def sample(pid, done):
    while not done.wait(0.02):
        sizes = tree(pid)
        peak["one"], peak["all"] = max(peak["one"], *sizes), max(peak["all"], sum(sizes))
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    started = time.perf_counter()
    proc = subprocess.Popen(sys.argv[3:], stdout=out, stderr=err)
    done = threading.Event()
    sampler = threading.Thread(target=sample, args=(proc.pid, done), daemon=True)
    sampler.start()
    rc = proc.wait()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": wall, "maxrss": usage.ru_maxrss,
                  "user": usage.ru_utime, "sys": usage.ru_stime,
                  "tree_one": peak["one"], "tree_all": peak["all"]}))
"""

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


# ---------------------------------------------------------------- plumbing


@dataclass(frozen=True, slots=True)
class Site:
    """A throw-away gateway installation: config, database and data dir in one folder.

    The environment pins config and database explicitly, so an inherited
    ``TICKET_GATEWAY_DATABASE_URL`` can never point the benchmark at a real database.
    """

    root: Path
    db: Path
    env: dict[str, str]

    @classmethod
    def create(cls, root: Path, url: str = "") -> Site:
        root.mkdir(parents=True)
        db = root / "gw.db"
        url = url or f"sqlite:///{db}"
        config = root / "gateway.toml"
        config.write_text(
            f'[gateway]\naddress = "support@example.test"\n'
            f"data_dir = {json.dumps(str(root / 'var'))}\n\n"
            f"[database]\nurl = {json.dumps(url)}\n\n"
            f"[smtp]\nport = 0\n",  # (c2) runs the daemon; any free port will do
            encoding="utf-8",
        )
        env = dict(os.environ)
        env.update(
            TICKET_GATEWAY_CONFIG=str(config),
            TICKET_GATEWAY_DATABASE_URL=url,
            TICKET_GATEWAY_SECRET=SECRET,
        )
        return cls(root, db, env)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        con = sqlite3.connect(self.db)
        try:
            return list(con.execute(sql))
        finally:
            con.close()


def console_script() -> Path:
    """The installed ``ticket-gateway`` next to this interpreter (the venv's)."""
    here = Path(sys.executable).parent / "ticket-gateway"
    if here.exists():
        return here
    found = shutil.which("ticket-gateway")
    if not found:
        sys.exit("bench: ticket-gateway console script not found; run with .venv/bin/python")
    return Path(found)


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def squash(text: str) -> str:
    return "".join(text.split())


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# ---------------------------------------------------------------- (a) parse only


@dataclass(slots=True)
class ParseResult:
    seconds: float
    per_message: list[float]
    raised: list[tuple[str, str]] = field(default_factory=list)
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    checked: Counter[str] = field(default_factory=Counter)
    defects: Counter[str] = field(default_factory=Counter)
    with_defects: int = 0


def check_parse(spec: Spec, parsed: Any, result: ParseResult) -> None:
    """Does the parse show what the generator put in? Wrong text is a bug, however fast."""

    def check(name: str, ok: bool, detail: str) -> None:
        result.checked[name] += 1
        if not ok:
            result.failures[name].append(f"{spec.name} ({spec.charset}, {spec.style}): {detail}")

    check(
        "message-id",
        parsed.message_id == spec.message_id,
        f"{parsed.message_id!r} != {spec.message_id!r}",
    )
    check(
        "subject",
        " ".join(parsed.subject.split()) == " ".join(spec.subject.split()),
        f"{parsed.subject!r} != {spec.subject!r}",
    )
    text = squash(parsed.text)
    missing = [e for e in spec.expect_text if squash(e) not in text]
    check("body text", not missing, f"missing {missing[0][:60]!r}" if missing else "")
    if spec.forbid_text:
        leaked = [f for f in spec.forbid_text if f in parsed.text]
        check("no script/style in text", not leaked, f"leaked {leaked}")
    if spec.attachment_sizes:
        sizes = Counter(a.size for a in parsed.attachments)
        sizes.subtract(Counter(spec.attachment_sizes))
        check(
            "attachments",
            all(v >= 0 for v in sizes.values()),
            f"sizes {sorted(a.size for a in parsed.attachments)} "
            f"!⊇ {sorted(spec.attachment_sizes)}",
        )
    if parsed.defects:
        result.with_defects += 1
        for d in parsed.defects:
            result.defects[d.split(":", 1)[0] if "header" in d else d[:70]] += 1


def measure_parse(corpus: Corpus, raws: list[bytes]) -> ParseResult:
    """Time every parse_message call on in-memory bytes; check results outside the clock."""
    from gateway.pipeline.parse.message import parse_message

    parse_message(raws[0])  # warm-up: mail-parser is imported on the first call
    result = ParseResult(0.0, [])
    for spec, raw in zip(corpus.specs, raws, strict=True):
        started = time.perf_counter()
        try:
            parsed = parse_message(raw)
        except Exception as exc:  # noqa: BLE001 - the parser promises never to raise
            result.per_message.append(time.perf_counter() - started)
            result.raised.append((spec.name, f"{type(exc).__name__}: {exc}"))
            continue
        result.per_message.append(time.perf_counter() - started)
        check_parse(spec, parsed, result)
    result.seconds = sum(result.per_message)
    return result


def _median_pair(
    pairs: list[tuple[float, float, BatchResult]],
) -> tuple[float, float, BatchResult]:
    """The (parse rate, batch rate, batch run) whose b/a is the median of the pairs'."""
    ranked = sorted(pairs, key=lambda p: p[1] / p[0] if p[0] else 0.0)
    return ranked[(len(ranked) - 1) // 2]


def report_parse(corpus: Corpus, res: ParseResult) -> None:
    n = len(corpus.specs)
    print(
        f"(a) parse only: {n} messages in {res.seconds:.2f} s = "
        f"{rate(n, res.seconds):.1f} msg/s (file reading and first-call import excluded)"
    )
    if res.raised:
        print(
            f"    BUG: parse_message raised on {len(res.raised)} message(s) "
            f"(it promises never to): {res.raised[:3]}"
        )
    print(
        "    decode checks: "
        + ", ".join(
            f"{name} {c - len(res.failures.get(name, []))}/{c}" for name, c in res.checked.items()
        )
    )
    for name, fails in res.failures.items():
        if fails:
            print(f"    MISMATCH {name}: {len(fails)}, e.g.")
            for line in fails[:4]:
                print(f"      {line}")
    print(
        f"    messages with parser defects: {res.with_defects}"
        + (f"; most common: {res.defects.most_common(3)}" if res.defects else "")
    )
    groups: dict[str, list[float]] = defaultdict(list)
    for spec, t in zip(corpus.specs, res.per_message, strict=True):
        groups[f"{spec.kind}/{spec.charset}/{spec.style}"].append(t)
        groups["· with attachments" if spec.attachment_sizes else "· without attachments"].append(t)
    print("    ms per message by group (mean / max, busiest first):")
    ranked = sorted(groups.items(), key=lambda kv: -sum(kv[1]))
    for key, times in ranked[:10]:
        print(
            f"      {key:<38} n={len(times):<5} {1000 * statistics.fmean(times):7.2f} "
            f"/ {1000 * max(times):7.1f}   ({100 * sum(times) / res.seconds:4.1f} % of time)"
        )
    worst = sorted(zip(res.per_message, corpus.specs, strict=True), key=lambda x: -x[0])[:3]
    print(
        "    slowest: " + ", ".join(f"{s.name} {1000 * t:.0f} ms ({mb(s.size)})" for t, s in worst)
    )


# ---------------------------------------------------------------- (b) batch ingest


@dataclass(slots=True)
class BatchResult:
    rc: int
    wall: float
    maxrss_mb: float  # the biggest single process (the ingest, or a parse worker)
    cpu: float
    states: dict[str, int]
    tickets: int
    kinds: dict[str, int]
    misthreaded: list[str]
    stderr_tail: str
    shunted: list[dict[str, Any]]
    tree_mb: float = 0.0  # all its processes together (ingest, forkserver, parse workers)


def run_measured(cmd: list[str], site: Site, out: Path) -> dict[str, Any]:
    """Run ``cmd`` under the RSS helper; returns rc, wall seconds and peak RSS in KiB."""
    helper = [sys.executable, "-I", "-c", RSS_HELPER, str(out), str(out.with_suffix(".err"))]
    proc = subprocess.run(
        [*helper, *cmd],
        env=site.env,
        cwd=site.root,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"RSS helper failed: {proc.stderr.strip()[-500:]}")
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def measure_batch(corpus: Corpus, tg: Path, site: Site) -> BatchResult:
    out = site.root / "ingest.out"
    data = run_measured([str(tg), "ingest", str(corpus.folder)], site, out)
    rss_scale = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux KiB
    states = dict(site.query("SELECT state, count(*) FROM inbox GROUP BY state"))
    tickets = site.query("SELECT count(*) FROM tickets")[0][0]
    kinds = dict(site.query("SELECT kind, count(*) FROM messages GROUP BY kind"))
    stored = dict(site.query("SELECT message_id, ticket_id FROM messages"))
    misthreaded = [
        f"{s.name} ({s.kind}) expected #{s.ticket}, got "
        + (f"#{stored[s.message_id]}" if s.message_id in stored else "no message row")
        for s in corpus.specs
        if stored.get(s.message_id) != s.ticket
    ]
    shunted: list[dict[str, Any]] = []
    if states.get("shunted"):
        proc = subprocess.run(
            [str(tg), "inbox", "list", "--state", "shunted", "--json", "--limit", "5"],
            env=site.env,
            cwd=site.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        try:
            shunted = json.loads(proc.stdout)
        except json.JSONDecodeError:
            shunted = [{"reason": f"(inbox list failed: {proc.stderr.strip()[-300:]})"}]
    err = out.with_suffix(".err").read_text(encoding="utf-8", errors="replace")
    return BatchResult(
        rc=data["rc"],
        wall=data["wall"],
        maxrss_mb=max(data["maxrss"] * rss_scale, data.get("tree_one", 0)) / 1e6,
        cpu=data["user"] + data["sys"],
        tree_mb=data.get("tree_all", 0) / 1e6,
        states=states,
        tickets=tickets,
        kinds=kinds,
        misthreaded=misthreaded,
        stderr_tail="\n".join(err.strip().splitlines()[-8:]),
        shunted=shunted,
    )


def with_big_attachment(corpus: Corpus, folder: Path) -> Corpus:
    """The same corpus (hard links, or copies) plus one reply to the first request that
    carries a 25 MB attachment, filed in the middle so the queues around it are full.
    A reply, so no ticket number moves; the threading check covers it too."""
    from email import policy
    from email.message import EmailMessage
    from email.parser import BytesHeaderParser
    from random import Random

    folder.mkdir(parents=True)
    for f in corpus.files:
        try:
            os.link(f, folder / f.name)
        except OSError:
            shutil.copyfile(f, folder / f.name)
    first = corpus.specs[0]
    head = BytesHeaderParser(policy=policy.default).parsebytes(corpus.files[0].read_bytes())
    msg = EmailMessage()
    for name in ("From", "To", "Date"):
        msg[name] = head[name]
    msg["Subject"] = "Re: " + first.subject
    msg["Message-ID"] = mid = "<bench-25mb-attachment@example.test>"
    msg["In-Reply-To"] = msg["References"] = f"<{first.message_id}>"
    msg.set_content("The whole log is attached.\nBENCH-BIG\n")
    data = Random(1).randbytes(BIG_ATTACHMENT)
    msg.add_attachment(data, maintype="application", subtype="octet-stream", filename="log.bin")
    name = corpus.specs[len(corpus.specs) // 2].name.replace(".eml", "a.eml")  # sorts after it
    raw = msg.as_bytes(policy=policy.SMTP)
    (folder / name).write_bytes(raw)
    big = Spec(
        name,
        "reply-header",
        "us-ascii",
        "plain",
        first.ticket,
        mid.strip("<>"),
        msg["Subject"],
        ("BENCH-BIG",),
        (),
        (BIG_ATTACHMENT,),
        len(raw),
    )
    specs = sorted([*corpus.specs, big], key=lambda s: s.name)
    return Corpus(folder, specs)


def report_batch(
    corpus: Corpus, res: BatchResult, label: str = "(b) batch ingest", *, brief: bool = False
) -> None:
    """What one batch run did; ``brief``: one line, and only what went wrong."""
    n = len(corpus.specs)
    requests = corpus.count(kind="request")
    print(
        f"{label}: {n} messages in {res.wall:.2f} s wall "
        f"({res.cpu:.2f} s CPU) = {rate(n, res.wall):.1f} msg/s, exit code {res.rc}, "
        f"peak RSS {res.maxrss_mb:.1f} MB (all its processes together {res.tree_mb:.1f} MB)"
    )
    if brief:
        wrong = {k: v for k, v in res.states.items() if k != "done"}
        if res.rc != 0 or res.misthreaded or res.shunted or wrong:
            print(
                f"    PROBLEM: exit code {res.rc}, inbox rows not done {wrong}, "
                f"{len(res.misthreaded)} message(s) not on the expected ticket"
            )
        else:
            print(f"    all {n} done, every message on the expected ticket")
        return
    if res.rc != 0 or res.stderr_tail:
        print("    stderr (last lines):")
        for line in (res.stderr_tail or "(empty)").splitlines():
            print(f"      {line}")
    states = ", ".join(f"{k} {v}" for k, v in sorted(res.states.items()))
    print(f"    inbox rows by state: {states}   (expected: done {n})")
    for state in ("done", "ignored", "shunted"):
        print(f"      {state:<8} {res.states.get(state, 0)}")
    print(f"    tickets created: {res.tickets}   (expected {requests}, one per new request)")
    print(f"    messages by kind: {res.kinds}")
    if res.misthreaded:
        print(f"    THREADING: {len(res.misthreaded)} message(s) not on the expected ticket, e.g.")
        for line in res.misthreaded[:5]:
            print(f"      {line}")
    else:
        print(f"    threading: all {n} messages on the expected ticket")
    if res.shunted:
        print(
            f"    WARNING: {res.states.get('shunted', 0)} shunted row(s), i.e. a bug "
            "in a stage; first reasons:"
        )
        for row in res.shunted[:5]:
            last = (row.get("error") or "").strip().splitlines()[-1:] or [""]
            print(
                f"      inbox #{row.get('id')} {row.get('source_ref', '')}: "
                f"{row.get('reason')}  [{last[0][:120]}]"
            )


# ---------------------------------------------------------------- (c) per process


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
    byte_compile_ours()  # as an installed wheel is; see bench/peers.py
    site = Site.create(work / "single")
    # The schema is created before timing: an installed gateway has it already.
    subprocess.run(
        [str(tg), "db", "upgrade"],
        env=site.env,
        cwd=site.root,
        capture_output=True,
        timeout=300,
        check=True,
    )
    ours_failed: list[str] = []
    started = time.perf_counter()
    for name, raw in zip(sample_names, sample, strict=True):
        proc = subprocess.run(
            [str(tg), "ingest", "-"],
            input=raw,
            env=site.env,
            cwd=site.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            ours_failed.append(
                f"{name}: exit {proc.returncode} "
                f"{proc.stderr.decode(errors='replace').strip()[-200:]}"
            )
    ours = time.perf_counter() - started
    ours_done = wait_processed(site, started)
    wait_drainers_gone(site.root / "var")
    piped, piped_done = measure_piped(sample, tg, work / "piped", ours_failed)

    floor_db = work / "floor" / "floor.db"
    floor_db.parent.mkdir(parents=True)
    floor_failed: list[str] = []
    started = time.perf_counter()
    for name, raw in zip(sample_names, sample, strict=True):
        proc = subprocess.run(
            [sys.executable, "-I", "-c", FLOOR_SCRIPT, str(floor_db)],
            input=raw,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            floor_failed.append(
                f"{name}: exit {proc.returncode} "
                f"{proc.stderr.decode(errors='replace').strip()[-200:]}"
            )
    floor = time.perf_counter() - started
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


def byte_compile_ours() -> None:
    """This checkout is an editable install and the environment may set
    PYTHONDONTWRITEBYTECODE: then every ``ingest -`` would compile gateway/ again."""
    try:
        from bench.peers import byte_compile_ours as compile_them
    except ImportError:
        from peers import byte_compile_ours as compile_them  # type: ignore[no-redef]
    compile_them()


def measure_piped(
    sample: list[bytes], tg: Path, root: Path, failed: list[str]
) -> tuple[float, float]:
    """(c2): the deployment the README describes for a pipe, with ``run`` beside it."""
    site = Site.create(root)
    subprocess.run(
        [str(tg), "db", "upgrade"],
        env=site.env,
        cwd=site.root,
        capture_output=True,
        timeout=300,
        check=True,
    )
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


# ---------------------------------------------------------------- main


def summary_table(
    a_rate: float, b: BatchResult, b_rate: float, c: PerProcessResult, big: BatchResult
) -> None:
    ba = b_rate / a_rate if a_rate else 0.0
    c_ours, c_floor = rate(c.n, c.ours), rate(c.n, c.floor)
    c_piped = rate(c.n, c.piped)
    cr = c_ours / c_floor if c_floor else 0.0
    cp = c_piped / c_floor if c_floor else 0.0
    rows = [
        ("(a) parse only, bytes in memory", f"{a_rate:.1f} msg/s", "", ""),
        ("(b) batch ingest <folder>, fresh SQLite", f"{b_rate:.1f} msg/s", "", ""),
        ("    b/a", f"{ba:.2f}", f">= {TARGET_BA}", verdict(ba >= TARGET_BA)),
        (
            "    peak RSS, biggest of its processes",
            f"{b.maxrss_mb:.1f} MB",
            f"< {TARGET_RSS_MB:.0f} MB",
            verdict(b.maxrss_mb < TARGET_RSS_MB),
        ),
        ("    peak RSS, all its processes together", f"{b.tree_mb:.1f} MB", "", ""),
        (
            "    with one 25 MB attachment more: peak",
            f"{big.maxrss_mb:.1f} MB",
            "",
            "",
        ),
        (
            "    … its difference",
            f"{big.maxrss_mb - b.maxrss_mb:+.1f} MB",
            f"±{TARGET_BIG_DELTA_MB:.0f} MB",
            verdict(abs(big.maxrss_mb - b.maxrss_mb) <= TARGET_BIG_DELTA_MB),
        ),
        (
            "    shunted inbox rows",
            str(b.states.get("shunted", 0) + big.states.get("shunted", 0)),
            "0",
            verdict(not b.states.get("shunted") and not big.states.get("shunted")),
        ),
        ("(c) floor: python -I, email + sqlite3", f"{c_floor:.2f} msg/s", "", ""),
        (f"(c1) ingest - x {c.n}, no daemon", f"{c_ours:.2f} msg/s", "", ""),
        ("    c1/floor", f"{cr:.2f}", f">= {TARGET_C1}", verdict(cr >= TARGET_C1)),
        (f"(c2) ingest - x {c.n}, daemon running", f"{c_piped:.2f} msg/s", "", ""),
        ("    c2/floor", f"{cp:.2f}", f">= {TARGET_C}", verdict(cp >= TARGET_C)),
    ]
    print()
    print(f"{'measure':<42} {'value':>14}   {'target':<10} result")
    print("-" * 76)
    for label, value, target, result in rows:
        print(f"{label:<42} {value:>14}   {target:<10} {result}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--messages", type=int, default=2000, help="corpus size (default 2000)")
    p.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    p.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="generate the corpus into DIR (must be empty or new) and keep it; "
        "databases and logs are kept in DIR-work",
    )
    p.add_argument(
        "--processes",
        type=int,
        default=50,
        help="messages for the one-process-per-message run (default 50)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="pairs of (a) parse only and (b) batch ingest, side by side (default 3)",
    )
    p.add_argument(
        "--scale",
        action="store_true",
        help="grow one store per database (SQLite, PostgreSQL) through --sizes instead",
    )
    p.add_argument(
        "--sizes",
        default="2000,20000,100000",
        help="--scale: the store sizes to report, comma-separated (default 2000,20000,100000)",
    )
    p.add_argument("--chunk", type=int, default=2000, help="--scale: messages per ingest process")
    p.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="--scale: which stores to grow, comma-separated (default sqlite,postgresql)",
    )
    args = p.parse_args(argv)
    args.databases = {d.strip().lower() for d in args.databases.split(",") if d.strip()}
    if not args.databases <= {"sqlite", "postgresql"}:
        p.error("--databases: sqlite, postgresql or both")
    try:
        args.sizes = [int(x) for x in args.sizes.split(",")]
    except ValueError:
        p.error("--sizes: comma-separated numbers of messages")
    if args.messages < 1 or args.processes < 1 or args.repeat < 1:
        p.error("--messages, --processes and --repeat must be positive")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        p.error(f"--keep {args.keep}: folder is not empty")
    return args


def run_scale(args: argparse.Namespace, tg: Path) -> int:
    """``--scale``: one ingest process per chunk, measured like (b)."""
    try:
        from bench import scale
    except ImportError:
        import scale  # type: ignore[no-redef]

    sites: dict[Path, Site] = {}

    def ingest_chunk(folder: Path, root: Path, url: str) -> dict[str, Any]:
        if root not in sites:
            sites[root] = Site.create(root, url)
            subprocess.run(
                [str(tg), "db", "upgrade"],
                env=sites[root].env,
                cwd=root,
                capture_output=True,
                timeout=300,
                check=True,
            )
        site = sites[root]
        return run_measured([str(tg), "ingest", str(folder)], site, root / "ingest.out")

    work = Path(tempfile.mkdtemp(prefix="gw-scale-"))
    try:
        return scale.main(args.sizes, args.chunk, args.seed, work, ingest_chunk, args.databases)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tg = console_script()
    if args.scale:
        return run_scale(args, tg)
    tmp = Path(tempfile.mkdtemp(prefix="gw-bench-"))
    folder = args.keep.resolve() if args.keep else tmp / "corpus"
    work = Path(f"{folder}-work") if args.keep else tmp / "work"
    if args.keep and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    crashed = False
    try:
        print(
            f"ticket-gateway ingest benchmark: python {sys.version.split()[0]} "
            f"({sys.executable}), {os.cpu_count()} CPUs, seed {args.seed}"
        )
        started = time.perf_counter()
        corpus = generate(folder, args.messages, args.seed)
        gen_s = time.perf_counter() - started
        sizes = [s.size for s in corpus.specs]
        att = [x for s in corpus.specs for x in s.attachment_sizes]
        print(
            f"corpus: {len(sizes)} files, {mb(sum(sizes))} in {folder} (generated in {gen_s:.1f} s)"
        )
        for label, key in (("kinds", "kind"), ("charsets", "charset"), ("bodies", "style")):
            counts = Counter(getattr(s, key) for s in corpus.specs)
            print(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
        with_att = sum(1 for s in corpus.specs if s.attachment_sizes)
        if att:
            print(
                f"  with attachments: {with_att} messages ({100 * with_att / len(sizes):.1f} %)"
                f", {len(att)} files, {min(att) / 1e3:.0f} KB - {max(att) / 1e6:.2f} MB, "
                f"median {statistics.median(att) / 1e3:.0f} KB, total {mb(sum(att))}"
            )
        print()

        raws = [f.read_bytes() for f in corpus.files]
        pairs = []
        for k in range(args.repeat):
            a = measure_parse(corpus, raws)
            b = measure_batch(corpus, tg, Site.create(work / ("batch" if k == 0 else f"batch-{k}")))
            crashed |= b.rc != 0 or bool(a.raised)
            if k == 0:
                report_parse(corpus, a)
                print()
                report_batch(corpus, b)
            else:
                report_batch(corpus, b, f"(b) pair {k + 1} of {args.repeat}", brief=True)
            pairs.append((rate(len(raws), a.seconds), rate(len(raws), b.wall), b))
        a_rate, b_rate, b = _median_pair(pairs)
        print(
            "    b/a of each pair: "
            + ", ".join(f"{br / ar:.2f}" for ar, br, _ in pairs)
            + f"; the median pair: {b_rate / a_rate:.2f}"
        )
        b = replace(b, maxrss_mb=max(p[2].maxrss_mb for p in pairs))
        print()
        big_corpus = with_big_attachment(corpus, work / "corpus-25MB")
        big = measure_batch(big_corpus, tg, Site.create(work / "batch-25MB"))
        report_batch(big_corpus, big, "(b) again, one 25 MB attachment more")
        print(
            f"    peak RSS {b.maxrss_mb:.1f} MB → {big.maxrss_mb:.1f} MB "
            f"({big.maxrss_mb - b.maxrss_mb:+.1f} MB; target within ±{TARGET_BIG_DELTA_MB:.0f} MB)"
        )
        shutil.rmtree(big_corpus.folder, ignore_errors=True)
        crashed |= big.rc != 0
        print()

        c = measure_per_process(
            raws, [s.name for s in corpus.specs], tg, work, min(args.processes, len(raws))
        )
        report_per_process(c)
        crashed |= bool(c.ours_failed)

        summary_table(a_rate, b, b_rate, c, big)
        print(
            f"\ntotal benchmark time {time.perf_counter() - started:.0f} s"
            + (f"; corpus kept in {folder}, databases in {work}" if args.keep else "")
        )
        if crashed:
            print("something crashed (see above): exit code 1")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
