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
pinned to the versions in ``ROUNDUP`` and ``HELPDESK`` below; the drivers that run
inside them are bench/peer_roundup.py and bench/peer_helpdesk.py. Trackers, projects
and databases live in a temporary folder that is removed at the end. A peer that
cannot be installed or set up is skipped with the reason; our figures are printed
anyway. Exit code 0 whatever the figures; 1 only when something of ours crashed.
About 4 minutes on 2 cores with the defaults, once the peers are installed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make `bench` importable from a checkout
    sys.path.insert(0, str(REPO))

from bench.corpus_gen import Corpus, generate  # noqa: E402
from bench.ingest_batch import measure_batch  # noqa: E402
from bench.sandbox import Site, byte_compile_ours, console_script, rate  # noqa: E402

ROUNDUP = "roundup==2.6.0"
HELPDESK = "django-helpdesk==2.6.1"
PEERS_DIR = REPO / "bench" / "out" / "peers"
ROUNDUP_DRIVER = REPO / "bench" / "peer_roundup.py"
HELPDESK_DRIVER = REPO / "bench" / "peer_helpdesk.py"
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 7200
BATCH, EACH = "in one process", "1 process/message"

# `roundup-admin install` takes initial config values as section_option=value pairs.
# Relative paths are relative to the tracker home.
ROUNDUP_CONFIG = ",".join(
    (
        "tracker_web=http://localhost:8917/bench/",
        "tracker_email=support",
        "mail_domain=example.test",
        "mail_host=localhost",
        "mail_debug=mail-out.txt",
        "mailgw_subject_prefix_parsing=loose",
        "mailgw_convert_htmltotext=dehtml",
        "logging_filename=roundup.log",
    )
)
ROUNDUP_EMAIL_ACCESS = "#db.security.addPermissionToRole('Anonymous', 'Email Access')"

HELPDESK_SETTINGS = """\
# Written by bench/peers.py: a throw-away project for django-helpdesk's mail import.
SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.sites",
    "django.contrib.humanize", "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "bench_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATABASE_PATH}}
MEDIA_ROOT = MEDIA_PATH
STATIC_URL = "/static/"
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "support@example.test"
HELPDESK_TEAMS_MODE_ENABLED = False  # teams need pinax-teams, not installed
"""
HELPDESK_URLS = """\
from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
"""


class PeerError(Exception):
    """A peer could not be installed, set up or driven: skip it, say why."""


@dataclass(slots=True)
class Row:
    peer: str
    mode: str
    kind: str  # BATCH or EACH: which of our figures it is compared with
    messages: int
    seconds: float  # wall clock
    cpu: float  # user + system seconds of the processes that did the work
    tickets: int
    unfiled: int  # handled without an error, but in no ticket (bounced, ignored)
    errors: int  # the system raised, or its process failed, on these messages
    notes: list[str] = field(default_factory=list)
    settled: float = 0.0  # ours, one process per message: until every row was processed

    @property
    def rate(self) -> float:
        return rate(self.messages, self.seconds)


# ---------------------------------------------------------------- plumbing


def peer_env() -> dict[str, str]:
    """Our environment without what could leak our venv or config into a peer."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE")
    return {
        k: v for k, v in os.environ.items() if k not in drop and not k.startswith("TICKET_GATEWAY_")
    }


def run(
    cmd: list[str | Path],
    *,
    timeout: float = 600,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run a peer's command; its stdout, or PeerError with the end of its stderr."""
    try:
        proc = subprocess.run(
            [str(c) for c in cmd],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env or peer_env(),
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PeerError(f"{Path(str(cmd[0])).name} timed out after {timeout:.0f} s") from exc
    if proc.returncode != 0:
        tail = [x for x in proc.stderr.strip().splitlines() if not x.startswith("WARNING")]
        raise PeerError(
            f"{' '.join(str(c) for c in cmd[:4])} ... exit {proc.returncode}: "
            + " | ".join(tail[-3:])[-400:]
        )
    return proc.stdout


def run_json(cmd: list[str | Path], **kw: Any) -> dict[str, Any]:
    out = run(cmd, **kw).strip().splitlines()
    try:
        data: dict[str, Any] = json.loads(out[-1])
    except (IndexError, json.JSONDecodeError) as exc:
        raise PeerError(f"driver printed no JSON: {out[-3:]}") from exc
    return data


def peer_venv(spec: str, cache: Path) -> Path:
    """The bin/ of a venv under ``cache`` with ``spec`` installed (made once, then reused)."""
    venv = cache / spec.replace("==", "-")
    marker = venv / "bench-installed.txt"
    if marker.exists() and marker.read_text(encoding="utf-8").strip() == spec:
        return venv / "bin"
    shutil.rmtree(venv, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    print(f"  installing {spec} into {venv} ...", flush=True)
    try:
        run([sys.executable, "-m", "venv", venv], timeout=300)
        run(
            [
                venv / "bin" / "python",
                "-m",
                "pip",
                "install",
                "--quiet",
                "--retries",
                "2",
                "--timeout",
                "30",
                "--disable-pip-version-check",
                spec,
            ],
            timeout=INSTALL_TIMEOUT,
        )
    except PeerError as exc:
        shutil.rmtree(venv, ignore_errors=True)
        raise PeerError(f"cannot install {spec} (package index unreachable?): {exc}") from exc
    marker.write_text(spec + "\n", encoding="utf-8")
    return venv / "bin"


@dataclass(slots=True)
class EachRun:
    seconds: float
    cpu: float
    failed: dict[int, str]  # message index -> "exit N: end of stderr"


def one_process_each(cmd: list[str], raws: list[bytes], env: dict[str, str], cwd: Path) -> EachRun:
    """One process per message, stdin = the raw message, sequential: an MTA's pipe."""
    failed: dict[int, str] = {}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    for i, raw in enumerate(raws):
        proc = subprocess.run(
            cmd,
            input=raw,
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            err = proc.stderr.decode(errors="replace").strip().splitlines()
            failed[i] = f"exit {proc.returncode}: {(err or [''])[-1][:120]}"
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return EachRun(seconds, cpu, failed)


def top(counter: Counter[str] | dict[str, int], n: int = 3) -> str:
    items = Counter(counter).most_common(n)
    return "; ".join(f"{v} x {k}" for k, v in items) or "none"


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
    subprocess.run(
        [str(tg), "db", "upgrade"],
        env=site.env,
        cwd=site.root,
        capture_output=True,
        timeout=300,
        check=True,
    )
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


# ---------------------------------------------------------------- Roundup


def roundup_tracker(bin_dir: Path, home: Path) -> None:
    """A fresh classic tracker on sqlite that takes mail from anyone and sends none."""
    admin = bin_dir / "roundup-admin"
    home.mkdir(parents=True)  # and run in it: Roundup may open its log relative to the cwd
    run([admin, "-i", home, "install", "classic", "sqlite", ROUNDUP_CONFIG], cwd=home)
    schema = home / "schema.py"
    text = schema.read_text(encoding="utf-8")
    if ROUNDUP_EMAIL_ACCESS not in text:
        raise PeerError("classic schema.py has no commented-out 'Email Access' line to enable")
    schema.write_text(
        text.replace(ROUNDUP_EMAIL_ACCESS, ROUNDUP_EMAIL_ACCESS[1:], 1), encoding="utf-8"
    )
    run([admin, "-i", home, "initialise", "bench-admin-password"], cwd=home)


def roundup_row(
    mode: str,
    kind: str,
    n: int,
    timing: tuple[float, float],
    data: dict[str, Any],
    processed: int,
    escaped: dict[str, str],
) -> Row:
    """Errors are messages Roundup trapped and logged, or that escaped its handler."""
    trapped = {mid.strip().strip("<>"): err for mid, err in data["trapped"]}
    failed = set(trapped) | set(escaped)
    row = Row(
        f"roundup {data['version']}",
        mode,
        kind,
        n,
        *timing,
        data["issues"],
        max(0, n - processed - len(failed)),
        len(failed),
    )
    kinds = Counter(trapped.values()) + Counter(f"(not trapped) {e}" for e in escaped.values())
    row.notes += [
        f"{data['users']} users made from sender and recipient addresses (each "
        f"gets a PBKDF2 password hash, {data['pbkdf2_rounds']} rounds), "
        f"{data['msgs']} msgs, {data['files']} files",
        f"errors: {top(kinds)}",
        f"bounce mails to senders: {top(data['bounces'])}",
    ]
    return row


def roundup_inprocess(bin_dir: Path, corpus: Corpus, raws: list[bytes], work: Path) -> Row:
    home = work / "roundup-inprocess"
    roundup_tracker(bin_dir, home)
    data = run_json(
        [bin_dir / "python", ROUNDUP_DRIVER, "inprocess", home, corpus.folder],
        cwd=home,
        timeout=RUN_TIMEOUT,
    )
    escaped = {mid.strip().strip("<>"): err for mid, err in data["escaped"]}
    return roundup_row(
        "MailGW.main(fp)",
        BATCH,
        data["messages"],
        (data["seconds"], data["cpu"]),
        data,
        data["processed"],
        escaped,
    )


def roundup_each(bin_dir: Path, corpus: Corpus, raws: list[bytes], work: Path) -> Row:
    home = work / "roundup-each"
    roundup_tracker(bin_dir, home)
    each = one_process_each([str(bin_dir / "roundup-mailgw"), str(home)], raws, peer_env(), home)
    data = run_json([bin_dir / "python", ROUNDUP_DRIVER, "count", home], cwd=home)
    escaped = {corpus.specs[i].message_id: err for i, err in each.failed.items()}
    # Each handled message makes one msg node; that is what "processed" means here.
    return roundup_row(
        "roundup-mailgw (MTA pipe)",
        EACH,
        len(raws),
        (each.seconds, each.cpu),
        data,
        data["msgs"],
        escaped,
    )


# ---------------------------------------------------------------- django-helpdesk


def helpdesk_project(bin_dir: Path, root: Path) -> dict[str, str]:
    """Settings, urls and a migrated SQLite database; returns the environment to use."""
    root.mkdir(parents=True)
    settings = HELPDESK_SETTINGS.replace("DATABASE_PATH", repr(str(root / "db.sqlite3"))).replace(
        "MEDIA_PATH", repr(str(root / "media"))
    )
    (root / "bench_settings.py").write_text(settings, encoding="utf-8")
    (root / "bench_urls.py").write_text(HELPDESK_URLS, encoding="utf-8")
    env = peer_env() | {"DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": str(root)}
    run([bin_dir / "python", "-m", "django", "migrate", "--noinput", "-v", "0"], cwd=root, env=env)
    return env


def helpdesk_inprocess(bin_dir: Path, corpus: Corpus, raws: list[bytes], work: Path) -> Row:
    root = work / "helpdesk"
    env = helpdesk_project(bin_dir, root)
    data = run_json(
        [bin_dir / "python", HELPDESK_DRIVER, root, corpus.folder],
        cwd=root,
        env=env,
        timeout=RUN_TIMEOUT,
    )
    crashed = Counter(err for _, err in data["crashed"])
    row = Row(
        f"django-helpdesk {data['version']}",
        "extract_email_metadata()",
        BATCH,
        data["messages"],
        data["seconds"],
        data["cpu"],
        data["tickets"],
        data["returned_none"] + data["ignored"],
        sum(crashed.values()),
    )
    row.notes += [
        f"{data['followups']} follow-ups, {data['attachments']} attachments, "
        f"{data['mails_sent']} mails to locmem (Django {data['django']}; "
        f"django.setup() took {data['setup_seconds']:.1f} s, not timed)",
        f"errors: {top(crashed)}",
        f"logged: {top(data['logged'])}",
    ]
    return row


# ---------------------------------------------------------------- side by side

PEER_RUNS = (  # (who, pip requirement, how it is driven)
    ("Roundup in process", ROUNDUP, roundup_inprocess),
    ("Roundup per process", ROUNDUP, roundup_each),
    ("django-helpdesk in process", HELPDESK, helpdesk_inprocess),
)


def venv_for(spec: str, cache: Path, venvs: dict[str, Path | PeerError]) -> Path:
    """Install once per cache; a failed install is tried once per run."""
    if spec not in venvs:
        try:
            venvs[spec] = peer_venv(spec, cache)
        except PeerError as exc:
            venvs[spec] = exc
    found = venvs[spec]
    if isinstance(found, PeerError):
        raise found
    return found


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


def print_table(rows: list[Row], skipped: list[str], expected: int) -> None:
    ours = {r.kind: r.rate for r in rows if r.peer == "ticket-gateway"}
    head = (
        f"{'system':<22} {'entry point':<26} {'mode':<17} {'msgs':>5} {'wall s':>8} "
        f"{'cpu s':>7} {'msg/s':>8} {'tickets':>7} {'unfiled':>7} {'errors':>6} "
        f"{'ours/peer':>9}"
    )
    print()
    print(head)
    print("-" * len(head))
    for r in sorted(rows, key=lambda r: (r.kind != BATCH, r.peer != "ticket-gateway")):
        ratio = (
            "-"
            if r.peer == "ticket-gateway" or r.kind not in ours
            else f"{ours[r.kind] / r.rate:.2f}"
        )
        print(
            f"{r.peer:<22} {r.mode:<26} {r.kind:<17} {r.messages:>5} {r.seconds:>8.2f} "
            f"{r.cpu:>7.2f} {r.rate:>8.2f} {r.tickets:>7} {r.unfiled:>7} {r.errors:>6} "
            f"{ratio:>9}"
        )
    for ours_each in (r for r in rows if r.peer == "ticket-gateway" and r.settled):
        for r in (r for r in rows if r.kind == EACH and r.peer != "ticket-gateway"):
            ratio_done = rate(ours_each.messages, ours_each.settled) / r.rate
            print(
                f"{r.peer}, {r.mode}: ours counted until the drainer has processed every "
                f"row, not until the pipes exit: ours/peer {ratio_done:.2f}"
            )
    print(
        f"\nours/peer: our msg/s over theirs in the same mode (ours in one process is "
        f"`ingest <folder>`, start-up included). Tickets expected from the generator: "
        f"{expected} (new requests; replies by our [#N] tag count as threaded only for us)."
    )
    print(
        "cpu s: user + system time of the process(es) doing the work; the rest of the "
        "wall time is waiting, mostly for the disk (a commit per message)."
    )
    print(
        "unfiled: handled without an error but in no ticket (ours: ignored or rejected "
        "inbox rows; Roundup: ignored as automatic mail (Auto-Submitted, Precedence: "
        "bulk) or bounced; helpdesk: no ticket returned, or ignored)."
    )
    print(
        "errors: the system raised on the message (ours: shunted rows or a failed "
        "process; Roundup: trapped, logged and bounced, or escaped its handler; "
        "helpdesk: raised out of extract_email_metadata)."
    )
    print("\nnotes:")
    for r in rows:
        for note in r.notes:
            print(f"  {r.peer}, {r.mode}: {note}")
    for line in skipped:
        print(f"  SKIPPED {line}")


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
