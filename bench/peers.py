"""Speed side by side: ticket-gateway, Roundup and django-helpdesk on one generated corpus.

What is measured, and why: "is our ingest fast?" only means something next to the
tools a team would otherwise install. Every system gets the same messages
(``bench.corpus_gen``, deterministic per seed: English and Japanese mail in four
charsets, HTML, attachments, replies, auto-replies and bounces), a fresh SQLite
database and no network, and is driven through the entry point its own mail
import uses, one message at a time, committing at least once per message:

* ours, batch: ``ticket-gateway ingest <folder>``, the real console script, whole
  process wall time (start-up and schema creation included), as bench/ingest.py (b);
* ours, one process per message: ``ticket-gateway ingest -`` for the first N
  messages, no daemon, as bench/ingest.py (c1): each pipe stores its message and
  exits, and a background drainer processes the rows (issue #18), so the table's
  figure is what an MTA waits for, and a line below it gives the ratio counted
  until the drainer has processed every row;
* Roundup in process: ``roundup.mailgw.MailGW.main(fp)`` per message file in one
  interpreter (bench/peer_roundup.py) — what ``roundup-mailgw`` calls for one message:
  open the tracker database, handle, commit;
* Roundup, one process per message: ``roundup-mailgw <tracker>`` reading stdin, the
  way an MTA pipes to it, for the same first N messages;
* django-helpdesk in process: ``helpdesk.email.extract_email_metadata`` per message
  (bench/peer_helpdesk.py), the function its IMAP/POP3/local-folder loops call for one
  message (fetching is not measured).

The peers' in-process figures time only their loop over the messages (interpreter
start-up, imports and opening the tracker are left out), so they are compared with
our batch figure, which includes all of that: the ratio is, if anything, unfair to us.
Per-process figures include everything on both sides; our packages are byte-compiled
first, as pip compiles the peers' (this checkout is an editable install, and an
environment with PYTHONDONTWRITEBYTECODE would make every process compile gateway/
again). Every figure in the table comes from the same run. Each table row also says
how many tickets (Roundup: issues) the system made, how many messages it left
unfiled without an error (bounced back, ignored) and on how many it raised an
error; the generator's ticket count holds for our subject tags (``[#12]``), which
neither peer reads, so their counts differ by design.

The peers are configured the way their documentation says for a tracker that
accepts mail from anyone: Roundup's classic template on sqlite with the
``Anonymous`` role given "Email Access" (the line ``schema.py`` ships commented
out), ``[mailgw] subject_prefix_parsing = loose`` (so our ``[#12]`` tags are not
bounced), ``convert_htmltotext = dehtml`` (its built-in converter, so HTML-only
mail is not bounced) and ``[mail] debug`` set to a file, so nothing is sent;
django-helpdesk with one Queue for e-mail import and Django's locmem e-mail
backend. Everything else is their default.

How to reproduce (from the repository root, network access to the package index
needed on the first run only)::

    python3 -m venv .venv && .venv/bin/pip install -e '.[test]'
    .venv/bin/python bench/peers.py [--messages 2000] [--seed 1] [--per-process 50]
                                    [--peers-dir bench/out/peers]

The peers are installed with pip into throw-away virtual environments under
``bench/out/peers/`` (git-ignored; reused by later runs, delete it to reinstall),
pinned to the versions in ``ROUNDUP`` (bench/roundup_runs.py) and ``HELPDESK``
(bench/helpdesk_runs.py); the drivers that run inside them are bench/peer_roundup.py
and bench/peer_helpdesk.py. Trackers, projects and databases live in a temporary
folder that is removed at the end. A peer that cannot be installed or set up is
skipped with the reason; our figures are printed anyway. Exit code 0 whatever the
figures; 1 only when something of ours crashed.
About 4 minutes on 2 cores with the defaults, once the peers are installed.

The parts live by job beside this script: installing and running the peers in
bench/peers_venvs.py, Roundup's runs in bench/roundup_runs.py, django-helpdesk's in
bench/helpdesk_runs.py, the table in bench/peers_table.py; this script keeps the
command line, our two runs and the order of everything.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make `bench` importable from a checkout
    sys.path.insert(0, str(REPO))

from bench.corpus_gen import Corpus, generate  # noqa: E402
from bench.helpdesk_runs import HELPDESK, helpdesk_inprocess  # noqa: E402
from bench.ingest_batch import measure_batch  # noqa: E402
from bench.peers_table import BATCH, EACH, Row, print_table  # noqa: E402
from bench.peers_venvs import PeerError, venv_for  # noqa: E402
from bench.roundup_runs import ROUNDUP, roundup_each, roundup_inprocess  # noqa: E402
from bench.sandbox import (  # noqa: E402
    Site,
    byte_compile_ours,
    console_script,
    one_process_each,
    rate,
)

PEERS_DIR = REPO / "bench" / "out" / "peers"

# ---------------------------------------------------------------- ours


def tickets_made(tg: Path, site: Site) -> int:
    """Tickets as a user sees them: ``ticket-gateway tickets list --json``."""
    proc = subprocess.run(
        [str(tg), "tickets", "list", "--json"],
        env=site.env,
        cwd=site.root,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return len(json.loads(proc.stdout))


def ours_batch(corpus: Corpus, tg: Path, work: Path) -> tuple[Row, bool]:
    """bench/ingest.py's (b): the console script over the folder, fresh SQLite."""
    site = Site.create(work / "ours-batch")
    res = measure_batch(corpus, tg, site)
    states = res.states
    row = Row(
        "ticket-gateway",
        "ingest <folder>",
        BATCH,
        len(corpus.specs),
        res.wall,
        res.cpu,
        tickets_made(tg, site),
        states.get("ignored", 0) + states.get("rejected", 0),
        states.get("shunted", 0),
    )
    row.notes.append(
        f"inbox rows {dict(sorted(states.items()))}, exit code {res.rc}, "
        f"peak RSS {res.maxrss_mb:.0f} MB, "
        f"{len(res.misthreaded)} message(s) not on the expected ticket"
    )
    if res.rc != 0:
        row.notes.append(f"CRASHED, stderr: {res.stderr_tail[-300:]}")
    return row, res.rc != 0


def ours_each(raws: list[bytes], tg: Path, work: Path) -> tuple[Row, bool]:
    """bench/ingest.py's (c1): ``ingest -`` per message, no daemon, schema made before."""
    site = Site.create(work / "ours-each")
    site.upgrade(tg)
    began = time.perf_counter()
    each = one_process_each([str(tg), "ingest", "-"], raws, site.env, site.root)
    while site.query("SELECT count(*) FROM inbox WHERE state = 'pending'")[0][0]:
        if time.perf_counter() - began > 600:
            break  # counted below as rows not processed
        time.sleep(0.02)
    settled = time.perf_counter() - began  # the pipes store; a drainer processes behind them
    states = dict(site.query("SELECT state, count(*) FROM inbox GROUP BY state"))
    row = Row(
        "ticket-gateway",
        "ingest - (MTA pipe)",
        EACH,
        len(raws),
        each.seconds,
        each.cpu,
        tickets_made(tg, site),
        states.get("ignored", 0) + states.get("rejected", 0),
        states.get("shunted", 0) + len(each.failed),
    )
    row.notes.append(
        f"inbox rows {dict(sorted(states.items()))}; the pipes exit after the commit, and "
        f"a background drainer had processed every row {settled:.2f} s after the first "
        f"pipe started ({rate(len(raws), settled):.2f} msg/s until processed; its CPU is "
        f"not in 'cpu s')"
    )
    row.settled = settled
    if each.failed:
        row.notes.append(
            f"CRASHED: {len(each.failed)} process(es) failed, e.g. {list(each.failed.values())[:2]}"
        )
    return row, bool(each.failed)


# ---------------------------------------------------------------- side by side

PEER_RUNS = (  # (who, pip requirement, how it is driven)
    ("Roundup in process", ROUNDUP, roundup_inprocess),
    ("Roundup per process", ROUNDUP, roundup_each),
    ("django-helpdesk in process", HELPDESK, helpdesk_inprocess),
)


def run_peers(
    corpus: Corpus, sample: list[bytes], work: Path, cache: Path
) -> tuple[list[Row], list[str]]:
    """Every peer run that can be had; a peer that cannot is skipped with the reason."""
    rows: list[Row] = []
    skipped: list[str] = []
    venvs: dict[str, Path | PeerError] = {}
    for label, spec, driver in PEER_RUNS:
        print(f"{label} ({spec}) ...", flush=True)
        try:
            rows.append(driver(venv_for(spec, cache, venvs), corpus, sample, work))
        except Exception as exc:  # noqa: BLE001 - a peer's failure is reported, never fatal
            reason = str(exc) if isinstance(exc, PeerError) else f"{type(exc).__name__}: {exc}"
            skipped.append(f"{label}: {reason}")
            print(f"  SKIPPED: {reason}")
    return rows, skipped


def describe(corpus: Corpus, seconds: float) -> None:
    sizes = [s.size for s in corpus.specs]
    kinds = Counter(s.kind for s in corpus.specs)
    print(
        f"corpus: {len(sizes)} files, {sum(sizes) / 1e6:.1f} MB in {corpus.folder} "
        f"(generated in {seconds:.1f} s); " + ", ".join(f"{k} {v}" for k, v in kinds.most_common())
    )


def run_ours(corpus: Corpus, sample: list[bytes], work: Path) -> tuple[list[Row], bool]:
    """Our two figures; any failure of ours is reported and makes the exit code 1."""
    tg = console_script()
    byte_compile_ours()
    rows: list[Row] = []
    crashed = False
    for label, measure in (
        ("ingest <folder>", lambda: ours_batch(corpus, tg, work)),
        ("ingest - per message", lambda: ours_each(sample, tg, work)),
    ):
        print(f"ticket-gateway {label} ...", flush=True)
        try:
            row, failed = measure()
        except (OSError, RuntimeError, subprocess.SubprocessError, ValueError) as exc:
            print(f"  CRASHED: {type(exc).__name__}: {exc}")
            crashed = True
            continue
        rows.append(row)
        crashed |= failed
    return rows, crashed


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--messages", type=int, default=2000, help="corpus size (default 2000)")
    p.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    p.add_argument(
        "--per-process",
        type=int,
        default=50,
        help="messages for the one-process-per-message runs (default 50)",
    )
    p.add_argument(
        "--peers-dir",
        type=Path,
        default=PEERS_DIR,
        metavar="DIR",
        help="where the peers' venvs are made and reused (default bench/out/peers)",
    )
    args = p.parse_args(argv)
    if args.messages < 1 or args.per_process < 1:
        p.error("--messages and --per-process must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gw-peers-"))
    try:
        print(
            f"ticket-gateway side by side: python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs, seed {args.seed}"
        )
        started = time.perf_counter()
        corpus = generate(work / "corpus", args.messages, args.seed)
        describe(corpus, time.perf_counter() - started)
        sample = [f.read_bytes() for f in corpus.files[: args.per_process]]
        rows, crashed = run_ours(corpus, sample, work)
        peer_rows, skipped = run_peers(corpus, sample, work, args.peers_dir.resolve())
        print_table(rows + peer_rows, skipped, corpus.count(kind="request"))
        print(f"\ntotal time {time.perf_counter() - started:.0f} s")
        if crashed:
            print("something of ours crashed (see above): exit code 1")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
