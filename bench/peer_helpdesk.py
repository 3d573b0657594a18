"""Driver for bench/peers.py, run by the interpreter of django-helpdesk's throw-away venv.

Not part of ticket-gateway and never imported by it: it imports Django and
``helpdesk``, which only that venv has. It prints one JSON object on its last stdout line.

    python peer_helpdesk.py PROJECT_DIR FOLDER

PROJECT_DIR holds the settings module bench/peers.py wrote (``bench_settings``) and
the migrated SQLite database. The driver makes one Queue set up for e-mail import
(box type ``local``, submissions allowed), then feeds every FOLDER/*.eml to
``helpdesk.email.extract_email_metadata(message=..., queue=..., logger=...)``: the
function django-helpdesk's own IMAP, POP3 and local-directory loops
(``imap_sync``, ``pop3_sync``, ``process_queue``) call for one message, which finds
or creates the Ticket, adds the FollowUp and its attachments and sends the
notifications (to Django's locmem backend here). The raw bytes are turned into text
the way ``imap_sync`` does (``force_str(raw, errors="replace")``). Where helpdesk's
loops let an exception end the whole run, this loop counts it and goes on.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

QUEUE_SLUG = "support"
QUEUE_ADDRESS = "support@example.test"


class CountingHandler(logging.Handler):
    """Counts what helpdesk logs at WARNING and above (refused attachments, ...)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[record.getMessage()[:110]] += 1


def message_id(raw: bytes, name: str) -> str:
    headers = BytesHeaderParser().parsebytes(raw)
    return str(headers.get("Message-ID", f"(no id: {name})")).strip()


def feed(folder: Path) -> dict[str, Any]:
    from django.utils import encoding
    from helpdesk import email as helpdesk_email
    from helpdesk.exceptions import DeleteIgnoredTicketException, IgnoreTicketException
    from helpdesk.models import Queue

    queue, _ = Queue.objects.get_or_create(
        slug=QUEUE_SLUG,
        defaults={
            "title": "Support",
            "email_address": QUEUE_ADDRESS,
            "allow_email_submission": True,
            "email_box_type": "local",
            "email_box_local_dir": str(folder),
        },
    )
    logger = logging.getLogger(f"django.helpdesk.queue.{QUEUE_SLUG}")
    logger.propagate = False
    counting = CountingHandler()
    logger.addHandler(counting)
    files = sorted(p for p in folder.glob("*.eml") if not p.name.startswith("."))
    processed, returned_none, ignored, crashed = 0, 0, 0, []
    cpu, started = time.process_time(), time.perf_counter()
    for path in files:
        raw = path.read_bytes()
        text = encoding.force_str(raw, errors="replace")
        try:
            ticket = helpdesk_email.extract_email_metadata(message=text, queue=queue, logger=logger)
        except (IgnoreTicketException, DeleteIgnoredTicketException):
            ignored += 1
            continue
        except Exception as exc:  # noqa: BLE001 - counted: helpdesk crashed on this message
            crashed.append((message_id(raw, path.name), f"{type(exc).__name__}: {str(exc)[:90]}"))
            continue
        if ticket:
            processed += 1
        else:
            returned_none += 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu": cpu,
        "messages": len(files),
        "processed": processed,
        "returned_none": returned_none,
        "ignored": ignored,
        "crashed": crashed,
        "logged": dict(counting.seen),
    }


def count() -> dict[str, Any]:
    import django
    from django.core import mail
    from helpdesk.models import FollowUp, FollowUpAttachment, Ticket

    return {
        "tickets": Ticket.objects.count(),
        "followups": FollowUp.objects.count(),
        "attachments": FollowUpAttachment.objects.count(),
        "mails_sent": len(getattr(mail, "outbox", [])),
        "version": _helpdesk_version(),
        "django": django.get_version(),
    }


def _helpdesk_version() -> str:
    from importlib.metadata import version

    return version("django-helpdesk")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    project, folder = Path(argv[0]), Path(argv[1])
    sys.path.insert(0, str(project))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    started = time.perf_counter()
    import django

    django.setup()
    setup = time.perf_counter() - started
    result = feed(folder)
    result.update(count(), setup_seconds=setup)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
