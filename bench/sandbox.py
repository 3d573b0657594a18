"""A throw-away gateway for the benches, and the console script run in it, measured.

Every bench that times ``ticket-gateway`` runs the real console script, as an
operator would, against a site of its own (config, SQLite database and data dir
in one temporary folder), so no figure can come from, or write to, a real
installation. :func:`run_measured` runs one command and reports its wall time,
CPU and peak memory (of the biggest process and of all of them together);
:func:`byte_compile_ours` makes an editable checkout start like an installed
wheel. Used by ``bench/ingest.py``, its ``--scale`` run and ``bench/peers.py``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SECRET = "bench-secret-0123456789abcdef0123"  # fixed, so no secret file is generated

# Runs the measured command as its only child, so RUSAGE_CHILDREN is that command's
# alone (the benchmark's own earlier children would otherwise mix in). RUSAGE_CHILDREN
# misses the descendants nobody waited for (a forkserver and its parse workers), so
# the tree under the command is also sampled from /proc every 20 ms: the biggest
# single process and the peak of all of them together. It walks /proc itself rather
# than through bench/procs.py: it is a script in a string, run by ``python -I`` with
# nothing of this checkout on its path, and it keeps the walk beside the measured
# command as light as it was measured with.
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

    def upgrade(self, tg: Path) -> None:
        """The schema made before anything is timed: an installed gateway has it already."""
        subprocess.run(
            [str(tg), "db", "upgrade"],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            timeout=300,
            check=True,
        )

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
    """Messages per second; a run too short to time is infinitely fast, not an error."""
    return n / seconds if seconds > 0 else float("inf")


def mb(n: float) -> str:
    """Bytes as every bench table prints them: decimal megabytes, one place."""
    return f"{n / 1e6:.1f} MB"


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


def byte_compile_ours() -> None:
    """Compile our packages' bytecode before anything is timed.

    An installed wheel is compiled by pip, as the peers' venvs are; this checkout is an
    editable install and the environment may set PYTHONDONTWRITEBYTECODE, and then every
    ``ingest -`` process would compile gateway/ again (about 0.5 s each).
    """
    import gateway
    import store

    dirs = sorted({str(Path(str(m.__file__)).parent) for m in (gateway, store)})
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *dirs],
        capture_output=True,
        timeout=300,
        check=False,
    )


def byte_compile_lean() -> None:
    """Compile the ``-OO`` bytecode (``*.opt-2.pyc``) of our packages and of this venv's
    site-packages, as the README's install does once (``python -OO -m compileall``).

    The daemon and its children run under ``python -OO``; without these files, and with
    PYTHONDONTWRITEBYTECODE set, every process of the daemon compiles each module it
    imports at its start (about a second of CPU each), which no deployed daemon does.
    """
    import sysconfig

    import gateway
    import store

    dirs = {str(Path(str(m.__file__)).parent) for m in (gateway, store)}
    dirs.add(sysconfig.get_paths()["purelib"])
    subprocess.run(
        [sys.executable, "-OO", "-m", "compileall", "-q", "-j", "0", *sorted(dirs)],
        capture_output=True,
        timeout=900,
        check=False,
    )


@dataclass(slots=True)
class EachRun:
    seconds: float
    cpu: float
    failed: dict[int, str]  # message index -> "exit N: end of stderr"


def one_process_each(
    cmd: list[str], raws: list[bytes], env: dict[str, str] | None, cwd: Path
) -> EachRun:
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
