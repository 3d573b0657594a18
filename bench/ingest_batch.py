"""``bench/ingest.py`` (b): ``ticket-gateway ingest <folder>`` into a fresh SQLite database.

The real console script in a subprocess under :func:`bench.sandbox.run_measured`:
wall time, CPU and peak memory, then the database is read back to check what the
run did (inbox states, tickets, every message on the ticket the corpus expects,
the first shunted rows' reasons), because a fast run that threads wrongly is no
result. :func:`with_big_attachment` is the same corpus with one 25 MB attachment
more, to show memory is bounded by the chunk and not by the biggest mail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpus_gen import Corpus, Spec
from bench.sandbox import Site, rate, run_measured

BIG_ATTACHMENT = 25_000_000


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
