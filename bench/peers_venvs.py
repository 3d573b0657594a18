"""The peers of ``bench/peers.py`` in throw-away venvs: installed once, run as commands.

Each peer is installed with pip into a venv of its own under ``--peers-dir``, so
neither its dependencies nor ours can leak into the other's figures, and runs
with an environment stripped of what points at our venv or our config. A peer
that cannot be installed or driven raises :class:`PeerError`, and the bench
skips it with the reason instead of failing: our figures are printed anyway.
:func:`bench.sandbox.one_process_each` is the MTA's pipe, one process per message, for the
peers and for us alike.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 7200


class PeerError(Exception):
    """A peer could not be installed, set up or driven: skip it, say why."""


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
