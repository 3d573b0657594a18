"""The database's own identity: one row, made by the migration that created it.

Its random id keys the reply tokens (:func:`gateway.core.tokens.bound_key`), so
a reply address works only against the database that issued it. Every path that
makes or checks an address asks :func:`reply_keys` for the keys; it reads the row
once per session. Like every query module, nothing here commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.tokens import ReplyKeys, bound_key
from store.models import Installation

_CACHE = "installation"  # Session.info key: the row's values, read once per session


def database_id(session: Session) -> tuple[str, int]:
    """``(database_id, legacy_tickets_upto)``."""
    cached = session.info.get(_CACHE)
    if isinstance(cached, tuple):
        return cached
    row = session.execute(
        select(Installation.database_id, Installation.legacy_tickets_upto).where(
            Installation.id == 1
        )
    ).one()
    found = (str(row.database_id), int(row.legacy_tickets_upto))
    session.info[_CACHE] = found
    return found


def reply_keys(session: Session, secret: bytes) -> ReplyKeys:
    """The reply-token keys of this database, for the gateway's ``secret``."""
    ident, upto = database_id(session)
    return ReplyKeys(bound_key(secret, ident), secret if upto else b"", upto)
