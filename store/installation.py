"""The database's own identity: one row, made by the migration that created it.

Its random id keys the reply tokens (:func:`gateway.core.tokens.bound_key`), so
a reply address works only against the database that issued it. Every path that
makes or checks an address asks :func:`reply_keys` for the keys. The row is written
once, when the database is made, so it is read once per engine (the daemon's runner
read it, and derived the keys, in every transaction: 4 % of its time, issue #18).
Like every query module, nothing here commits.
"""

from __future__ import annotations

import weakref

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from gateway.core.tokens import ReplyKeys, bound_key
from store.models import Installation

# the row's values per engine, and the keys derived from them per secret
_KNOWN: weakref.WeakKeyDictionary[Engine, tuple[str, int]] = weakref.WeakKeyDictionary()
_KEYS: weakref.WeakKeyDictionary[Engine, dict[bytes, ReplyKeys]] = weakref.WeakKeyDictionary()


def database_id(session: Session) -> tuple[str, int]:
    """``(database_id, legacy_tickets_upto)``."""
    engine = _engine(session)
    cached = _KNOWN.get(engine)
    if cached is not None:
        return cached
    row = session.execute(
        select(Installation.database_id, Installation.legacy_tickets_upto).where(
            Installation.id == 1
        )
    ).one()
    found = (str(row.database_id), int(row.legacy_tickets_upto))
    _KNOWN[engine] = found
    return found


def reply_keys(session: Session, secret: bytes) -> ReplyKeys:
    """The reply-token keys of this database, for the gateway's ``secret``."""
    engine = _engine(session)
    known = _KEYS.setdefault(engine, {})
    found = known.get(secret)
    if found is None:
        ident, upto = database_id(session)
        found = known[secret] = ReplyKeys(bound_key(secret, ident), secret if upto else b"", upto)
    return found


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def forget(engine: Engine) -> None:
    """The database behind ``engine`` was made again (its identity is new)."""
    _KNOWN.pop(engine, None)
    _KEYS.pop(engine, None)
