"""The keys of the gateway's PostgreSQL advisory locks, each one schema's own.

Advisory locks belong to the whole database, not to a schema: two teams' gateways in
two schemas of one database (or the tests' own schemas) that named a lock alike would
hold each other's. So every lock that guards one gateway's data (a mailbox's poller,
the merges, a runner's rows) is keyed by the schema its tables live in as well as by
what it guards. The migration lock alone stays the database's: a migration may create
an extension (``pg_trgm``), which is the database's too.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session


def schema_key(schema: str, purpose: str, name: str = "", *, bits: Literal[32, 64] = 64) -> int:
    """A stable signed key of ``bits`` bits (what ``pg_advisory_lock`` takes: one bigint,
    or one of its two integers) for ``purpose`` (and the ``name`` it guards, such as a
    mailbox) in ``schema``. A row claim's space (``purpose`` "inbox", no name) is the
    one the runners took before locks were keyed here, so they still share rows out
    with instances of the release before."""
    text_ = f"ticket-gateway {purpose} {schema}" + (f"\0{name}" if name else "")
    digest = hashlib.sha256(text_.encode("utf-8")).digest()
    return int.from_bytes(digest[: bits // 8], "big", signed=True)


def key_here(
    bind: Connection | Session, purpose: str, name: str = "", *, bits: Literal[32, 64] = 64
) -> int:
    """:func:`schema_key` for the schema ``bind``'s tables are in (its search path's)."""
    schema = bind.execute(text("SELECT current_schema()")).scalar()
    return schema_key(str(schema or ""), purpose, name, bits=bits)
