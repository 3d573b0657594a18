"""The pure decision: is a ticket's sheet complete, and what document does its action get.

Only the entry's declared fields reach an action, each re-validated against
the catalog as it is now and typed for JSON: dates as ISO dates, numbers as
numbers, choices as their value, the rest as the validated string. Never
free text from the mail (no subject, no body, no display names). The document
is serialised once, canonically (sorted keys, no spaces, UTF-8), and those
exact bytes are stored, hashed, signed and sent, on every attempt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal

from gateway.catalog.model import Entry, Field
from gateway.catalog.sheet import validate

VERSION = 1


def valid_values(entry: Entry, values: Mapping[str, str]) -> dict[str, str]:
    """The stored values that still pass their field's check, declared fields only."""
    out = {}
    for f in entry.fields:
        raw = values.get(f.name)
        if raw:
            canonical, problem = validate(f, raw)
            if problem is None:
                out[f.name] = canonical
    return out


def missing(entry: Entry, values: Mapping[str, str]) -> list[str]:
    """Required fields without a valid value, in catalog order."""
    valid = valid_values(entry, values)
    return [f.name for f in entry.fields if f.required and f.name not in valid]


def is_complete(entry: Entry, values: Mapping[str, str]) -> bool:
    return not missing(entry, values)


def typed(f: Field, canonical: str) -> object:
    """A validated value as JSON should carry it."""
    if f.type == "number":
        number = Decimal(canonical)
        return int(number) if number == number.to_integral_value() else float(number)
    return canonical  # date: already ISO 8601; choice: its value; email, text: as validated


def new_key(ticket_id: int, entry_id: str, token: str) -> str:
    """The idempotency key of a run: readable, and unique across databases by ``token``."""
    return f"tg-{ticket_id}-{entry_id}-{token}"


def build(
    *,
    ticket_id: int,
    entry: Entry,
    requester: str,
    values: Mapping[str, str],
    key: str,
    trigger: str,
    approved_by: str | None = None,
) -> str:
    """The document, serialised canonically; every declared field is present (null: not given)."""
    valid = valid_values(entry, values)
    fields = {f.name: typed(f, valid[f.name]) if f.name in valid else None for f in entry.fields}
    doc = {
        "version": VERSION,
        "idempotency_key": key,
        "ticket": ticket_id,
        "entry": entry.id,
        "requester": requester,
        "trigger": trigger,
        "approved_by": approved_by,
        "fields": fields,
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def body(document: str) -> bytes:
    """The bytes sent (a webhook's body, a command's stdin) and signed."""
    return document.encode("utf-8")


def input_hash(document: str) -> str:
    return hashlib.sha256(body(document)).hexdigest()
