"""Roundup's runs in ``bench/peers.py``: a fresh tracker, driven in process and per message.

The tracker is set up as Roundup's documentation says for one that takes mail
from anyone (the classic template on sqlite, ``Anonymous`` given "Email Access",
loose subject prefixes, HTML-only mail converted, outgoing mail to a file), so
it files what a real installation would. In process, ``bench/peer_roundup.py``
runs inside Roundup's venv and calls ``MailGW.main(fp)`` per message; per process,
``roundup-mailgw`` reads each message on stdin, as an MTA pipes it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from bench.corpus_gen import Corpus
from bench.peers_table import BATCH, EACH, Row, top
from bench.peers_venvs import (
    RUN_TIMEOUT,
    PeerError,
    peer_env,
    run,
    run_json,
)
from bench.sandbox import one_process_each

ROUNDUP = "roundup==2.6.0"
ROUNDUP_DRIVER = Path(__file__).resolve().parent / "peer_roundup.py"

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
