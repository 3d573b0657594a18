"""The earlier pages of a Slack form longer than one view (:class:`SlackDraft`).

Slack hands back only the page on screen when it is sent, so what the person typed on
the pages before is kept here, by the form's view id (the same on every page: each
page replaces the one before in place), and read back when the last page is filed.
The details of the last page, once the person went back from it, are kept too (under
:data:`DETAILS` in the same mapping), never in the view's private_metadata, which
Slack takes only up to 3000 characters.
Like every query module, nothing here commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from gateway.core.text import with_nul_replaced
from store.models import SlackDraft

KEPT = timedelta(days=1)  # a form left half filled this long is gone (Slack's closed it)
DETAILS = "\x1edetails"  # the details' key among the fields (no catalog names a field so)


@dataclass(frozen=True, slots=True)
class Draft:
    entry_id: str = ""
    subject: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    text: str | None = None  # the details, once the last page was left by Back (None: not)


def keep(
    session: Session,
    view_id: str,
    entry_id: str,
    page_fields: Collection[str],
    typed: Mapping[str, str],
    now: datetime,
    *,
    subject: str | None = None,
    text: str | None = None,
) -> Draft:
    """Record one page: ``typed`` holds the page's values, ``page_fields`` names every
    field of the page (one left empty now, typed before, is taken out); ``subject``,
    ``text``: the form's subject and details, when the page holds them. A page sent
    again (Slack retrying, the person back on it) writes the same again. What the
    form's pages hold now. A NUL typed is kept as U+FFFD, on every database (the subject
    kept the NUL on SQLite only, the values on both: they are JSON)."""
    typed, subject, text = with_nul_replaced((typed, subject, text))
    row = session.get(SlackDraft, view_id)
    if row is None:
        row = SlackDraft(view_id=view_id, entry_id=entry_id, fields={}, subject="")
        session.add(row)
    kept = {k: str(v) for k, v in (row.fields or {}).items() if k not in page_fields}
    kept.update({k: v for k, v in typed.items() if k in page_fields})
    if text is not None:
        kept[DETAILS] = text
    row.entry_id, row.fields, row.updated_at = entry_id, kept, now
    if subject is not None:
        row.subject = subject
    prune(session, now)
    session.flush()
    return _draft(row)


def of(session: Session, view_id: str) -> Draft:
    """What the earlier pages of the form ``view_id`` hold (an empty draft: none)."""
    row = session.get(SlackDraft, view_id)
    return Draft() if row is None else _draft(row)


def prune(session: Session, now: datetime) -> int:
    """Forget the drafts nobody wrote for :data:`KEPT`; how many."""
    result = session.execute(delete(SlackDraft).where(SlackDraft.updated_at < now - KEPT))
    return int(getattr(result, "rowcount", 0) or 0)


def _draft(row: SlackDraft) -> Draft:
    kept = {k: str(v) for k, v in (row.fields or {}).items()}
    text = kept.pop(DETAILS, None)
    return Draft(row.entry_id, row.subject, kept, text)
