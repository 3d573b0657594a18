"""Driver for bench/peers.py, run by the interpreter of Roundup's throw-away venv.

Not part of ticket-gateway and never imported by it: it imports ``roundup``, which only
that venv has. It drives Roundup the way ``roundup-mailgw`` does, message by message,
and prints one JSON object on its last stdout line.

    python peer_roundup.py inprocess TRACKER_HOME FOLDER   # time MailGW over FOLDER/*.eml
    python peer_roundup.py count TRACKER_HOME              # what the tracker holds now

``inprocess`` builds the handler exactly as the ``roundup-mailgw`` script does
(``roundup.scripts.roundup_mailgw.parse_arguments`` and the tracker's own ``MailGW``
if it defines one) and then calls ``handler.main(fp)`` per message file: the call
``do_pipe`` makes for one message on stdin. ``main`` parses, opens the database as
admin, handles the message and commits, per message; an error is trapped, logged and
bounced by Roundup itself (the bounce goes to the tracker's ``[mail] debug`` file).
"""

from __future__ import annotations

import json
import mailbox
import re
import sys
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import roundup.instance
from roundup import __version__ as ROUNDUP_VERSION
from roundup import mailgw
from roundup.scripts.roundup_mailgw import parse_arguments

BOUNCE_SUBJECT = "Failed issue tracker submission"
LOG_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
LOG_MID = re.compile(r"Message-id='([^']*)'")


def message_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.eml") if not p.name.startswith("."))


def run_inprocess(home: str, folder: Path) -> dict[str, Any]:
    instance = roundup.instance.open(home)
    _, args = parse_arguments([home])
    handler = (
        instance.MailGW(instance, args)
        if hasattr(instance, "MailGW")
        else mailgw.MailGW(instance, args)
    )
    files = message_files(folder)
    processed, escaped = 0, []
    cpu, started = time.process_time(), time.perf_counter()
    for path in files:
        try:
            with path.open("rb") as fp:
                nodeid = handler.main(fp)
        except Exception as exc:  # noqa: BLE001 - counted: an error escaped handle_Message
            escaped.append((message_id(path), f"{type(exc).__name__}: {str(exc)[:90]}"))
            continue
        processed += nodeid is not None
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu": cpu,
        "messages": len(files),
        "processed": processed,
        "escaped": escaped,
    }


def message_id(path: Path) -> str:
    """The Message-ID as Roundup logs it, to tell one failed message from another."""
    headers = BytesHeaderParser().parsebytes(path.read_bytes())
    return str(headers.get("Message-ID", f"(no id: {path.name})")).strip()


def trapped_errors(log: Path) -> list[tuple[str, str]]:
    """(Message-ID, exception line) of each error Roundup trapped and logged.

    ``handle_Message`` logs "Exception handling message (Message-id=...)" with the
    traceback, then bounces; the traceback's last unindented line is the exception.
    """
    found: list[tuple[str, str]] = []
    if not log.exists():
        return found
    current: list[str] | None = None
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if LOG_STAMP.match(line):
            if current is not None:
                found.append((current[0], current[1][:110]))
            current = None
            if "Exception handling message" in line:
                mid = LOG_MID.search(line)
                current = [mid.group(1) if mid else f"(no id {len(found)})", "?"]
        elif current is not None and line and not line.startswith(" "):
            current[1] = line
    if current is not None:
        found.append((current[0], current[1][:110]))
    return found


def bounce_reasons(mail_file: Path, admin: str) -> Counter[str]:
    """First line of the error text of each bounce Roundup mailed to a sender."""
    reasons: Counter[str] = Counter()
    if not mail_file.exists():
        return reasons
    for msg in mailbox.mbox(str(mail_file)):
        if msg.get("Subject") != BOUNCE_SUBJECT or admin in str(msg.get("To", "")):
            continue
        first = msg.get_payload(0) if msg.is_multipart() else msg
        text = first.get_payload(decode=True) or b""
        line = next(
            (x.strip() for x in text.decode(errors="replace").splitlines() if x.strip()), "(empty)"
        )
        reasons[line[:110]] += 1
    return reasons


def count(home: str) -> dict[str, Any]:
    instance = roundup.instance.open(home)
    db = instance.open("admin")
    try:
        numbers = {
            "issues": len(db.issue.list()),
            "msgs": len(db.msg.list()),
            "users": len(db.user.list()),
            "files": len(db.file.list()),
        }
    finally:
        db.close()
    config = instance.config
    tracker = Path(home)
    mail_file = tracker / str(config["MAIL_DEBUG"])
    log = tracker / str(config["LOGGING_FILENAME"])
    admin = str(config["ADMIN_EMAIL"])
    return {
        **numbers,
        "version": ROUNDUP_VERSION,
        "pbkdf2_rounds": config["PASSWORD_PBKDF2_DEFAULT_ROUNDS"],
        "trapped": trapped_errors(log),
        "bounces": dict(bounce_reasons(mail_file, admin)),
    }


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "inprocess":
        result = run_inprocess(argv[1], Path(argv[2]))
        result.update(count(argv[1]))
    elif len(argv) == 2 and argv[0] == "count":
        result = count(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
