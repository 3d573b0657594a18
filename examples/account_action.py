#!/usr/bin/env python3
"""Example catalog action: create an account from a complete parameter sheet.

The example catalog's ``account`` entry runs this (``argv: [./account_action.py]``)
when a request names at least the user ID. ticket-gateway starts it without a
shell, in its own process group, with a scrubbed environment, the run's JSON
document on stdin:

    {"approved_by": null, "entry": "account",
     "fields": {"start_date": "2026-04-01", "system": null, "user_id": "taro.yamada"},
     "idempotency_key": "tg-12-account-…", "requester": "alice@example.org",
     "ticket": 12, "trigger": "fields_complete", "version": 1}

It checks the document, "creates" the account (here: it only says so), and
writes its result as one JSON object on stdout, which the gateway keeps on the
ticket (and hands to an ``on_success.reply`` template as ``result``). Exit 0 is
success; exit 75 asks for a retry later; any other exit fails the run.

An action may run twice for one run (at least once: a crash between running it
and recording the outcome runs it again), so a real one must be idempotent:
with ``--ledger DIR`` this script remembers each idempotency key in DIR and
answers a repeated key with the first result instead of creating it again.
Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

EX_DATAERR, EX_TEMPFAIL = 65, 75
USER_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")


def check(doc: object) -> tuple[dict[str, object], list[str]]:
    """The document's fields, and what is wrong with it."""
    if not isinstance(doc, dict) or doc.get("version") != 1:
        return {}, ["not a version 1 action document"]
    problems = []
    fields = doc.get("fields")
    if not isinstance(fields, dict):
        return {}, ["no fields"]
    user_id = fields.get("user_id")
    if not isinstance(user_id, str) or not USER_ID.fullmatch(user_id):
        problems.append(f"user_id must be 1-32 of a-z 0-9 . _ - , not {user_id!r}")
    start = fields.get("start_date")
    if start is not None:
        try:
            date.fromisoformat(str(start))
        except ValueError:
            problems.append(f"start_date is not an ISO date: {start!r}")
    if not isinstance(doc.get("idempotency_key"), str) or not doc["idempotency_key"]:
        problems.append("no idempotency_key")
    return fields, problems


def main(argv: list[str]) -> int:
    ledger = Path(argv[argv.index("--ledger") + 1]) if "--ledger" in argv else None
    try:
        doc = json.load(sys.stdin)
    except ValueError as exc:
        print(f"input is not JSON: {exc}", file=sys.stderr)
        return EX_DATAERR
    fields, problems = check(doc)
    if problems:
        print("; ".join(problems), file=sys.stderr)
        return EX_DATAERR
    key = str(doc["idempotency_key"])
    done = ledger / f"{re.sub(r'[^A-Za-z0-9._-]', '_', key)}.json" if ledger else None
    if done is not None and done.exists():
        sys.stdout.write(done.read_text(encoding="utf-8"))  # the same answer, nothing redone
        return 0
    result = {
        "account": fields["user_id"],
        "system": fields.get("system") or "default",
        "starts": fields.get("start_date"),  # null: at once
        "status": "created",
        "ticket": doc.get("ticket"),
    }
    text = json.dumps(result, ensure_ascii=False) + "\n"
    if done is not None:
        try:
            done.parent.mkdir(parents=True, exist_ok=True)
            done.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"cannot write the ledger: {exc}", file=sys.stderr)
            return EX_TEMPFAIL
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
