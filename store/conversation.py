"""What the conversation mails read of a ticket's history (``gateway.tickets.conversation``).

Like every query module, nothing here commits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import bindparam, exists, func, literal, select, union_all
from sqlalchemy.orm import Session

from gateway.core.i18n import Msg, kept
from gateway.core.model import Attachment
from store.fast_query import PerLength
from store.in_lists import chunks
from store.models import AttachmentRow, InboxRaw, Message, OutboxRow, Ticket, TicketEvent, table_of


def request_text(session: Session, ticket_id: int) -> str:
    """The new text of the ticket's first incoming message (the request)."""
    row = session.execute(
        select(Message.new_text, Message.text)
        .where(Message.ticket_id == ticket_id, Message.direction == "in")
        .order_by(Message.id)
        .limit(1)
    ).first()
    if row is None:
        return ""
    return str(row.new_text or row.text or "")


def request_files(session: Session, ticket_id: int) -> tuple[list[Attachment], int | None]:
    """Each file the ticket's first incoming message (the request) carried, in the
    order it carried them, and the inbox row its raw bytes are in (None: no request,
    or none kept). Whether one is shown in the HTML is not stored: ``inline`` is False."""
    first = session.execute(
        select(Message.id, Message.inbox_id)
        .where(Message.ticket_id == ticket_id, Message.direction == "in")
        .order_by(Message.id)
        .limit(1)
    ).first()
    if first is None:
        return [], None
    rows = session.execute(
        select(AttachmentRow).where(AttachmentRow.message_id == first.id).order_by(AttachmentRow.id)
    ).scalars()
    files = [
        Attachment(r.filename, r.original_filename, r.content_type, r.size, r.sha256) for r in rows
    ]
    return files, first.inbox_id


def stored_raw(session: Session, inbox_id: int, *, below: int | None = None) -> bytes | None:
    """The raw bytes the inbox kept for ``inbox_id`` (None: none kept, or ``below``
    bytes or more of them: their size is asked first, a big blob never loaded)."""
    if below is not None:
        size = session.scalar(
            select(func.length(InboxRaw.raw)).where(InboxRaw.inbox_id == inbox_id)
        )
        if size is None or int(size) >= below:
            return None
    raw = session.scalar(select(InboxRaw.raw).where(InboxRaw.inbox_id == inbox_id))
    return bytes(raw) if raw is not None else None


def quiet_reason(session: Session, ticket_id: int) -> Msg | str:
    """Why the requester of this ticket never gets automatic mail ("" when they may):
    the request was automated (an alert, list mail) or part of an imported archive,
    recorded on the ticket when its acknowledgement was withheld: the Msg it kept, else
    its English text (an event recorded before reasons were Msgs)."""
    details = session.scalars(
        select(TicketEvent.detail).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "no-auto-answer"
        )
    )
    for detail in details:
        if isinstance(detail, dict) and detail.get("lasting"):
            return kept(detail.get("said"), str(detail.get("reason", "")))
    return ""


# the newest subjects of our mails a new mail's is compared with (gateway.pipeline.said_back)
MAX_SENT_SUBJECTS = 50


def sent_subjects(
    session: Session, ticket_id: int, kinds: Collection[str]
) -> list[tuple[int, str, str]]:
    """The subjects of the mails of ``kinds`` the ticket sent, newest first, each once,
    at most :data:`MAX_SENT_SUBJECTS` of them (with the ticket and its own subject, as
    the next one gives them)."""
    query, values = _SENT_SUBJECTS.query(sorted(kinds))
    rows = query.all(session, {"tid": ticket_id, **values})
    once = dict.fromkeys((str(s), str(t or "")) for s, t in rows if s)
    return [(ticket_id, subject, title) for subject, title in once]


def subjects_sent_to(
    session: Session, recipient: str, kinds: Collection[str], since: datetime
) -> list[tuple[int, str, str]]:
    """The tickets, subjects and tickets' own subjects of the mails of ``kinds`` queued
    to ``recipient`` since ``since``, newest first, at most :data:`MAX_SENT_SUBJECTS`."""
    query, values = _SUBJECTS_SENT_TO.query(sorted(kinds))
    rows = query.all(session, {"to": recipient.lower(), "since": since, **values})
    return [(int(t), str(subject), str(title or "")) for t, subject, title in rows if subject]


_MESSAGES, _TICKETS, _OUTBOX = table_of(Message), table_of(Ticket), table_of(OutboxRow)
# Both are asked for every new request a person sends (the robot check of
# gateway.pipeline.said_back): built once per number of kinds and run on the driver
# (issue #18: through the ORM they were an eighth of the processing child's time).
_SENT_SUBJECTS = PerLength(
    "kind",
    lambda kinds: (
        select(_MESSAGES.c.subject, _TICKETS.c.subject)
        .join(_TICKETS, _TICKETS.c.id == _MESSAGES.c.ticket_id)
        .where(
            _MESSAGES.c.ticket_id == bindparam("tid"),
            _MESSAGES.c.direction == "out",
            _MESSAGES.c.kind.in_(kinds),
        )
        .order_by(_MESSAGES.c.id.desc())
        .limit(MAX_SENT_SUBJECTS)
    ),
)
_SUBJECTS_SENT_TO = PerLength(
    "kind",
    lambda kinds: (
        select(_MESSAGES.c.ticket_id, _MESSAGES.c.subject, _TICKETS.c.subject)
        .join(_OUTBOX, _OUTBOX.c.id == _MESSAGES.c.outbox_id)
        .join(_TICKETS, _TICKETS.c.id == _MESSAGES.c.ticket_id)
        .where(
            _OUTBOX.c.recipient == bindparam("to"),
            _OUTBOX.c.created_at >= bindparam("since"),
            _OUTBOX.c.kind.in_(kinds),
            _MESSAGES.c.direction == "out",
        )
        .order_by(_MESSAGES.c.id.desc())
        .limit(MAX_SENT_SUBJECTS)
    ),
)


def state_changes(session: Session, ticket_id: int) -> int:
    """A number that names the ticket's latest state change (its event's id): a status
    mail's key. Not a count: a merge moves a ticket's events to another (#19), and a
    count that went down would name a change that was already mailed."""
    stmt = select(func.max(TicketEvent.id)).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "state"
    )
    return session.scalar(stmt) or 0


# SQLite takes 500 SELECTs in one compound statement at most (SQLITE_MAX_COMPOUND_SELECT):
# the lines are asked a hundred a statement (the runner reads 100 at most: one statement)
LINES_PER_STATEMENT = 100


def sent_before(
    session: Session, ticket_id: int, lines: Sequence[str], directions: Sequence[str] = ("out",)
) -> set[str]:
    """Which of ``lines`` a mail the ticket sent already holds (an answer relayed; with
    ``directions`` ``in`` too, one it received): a comment in the old mail a writer
    answers may be one of their earlier answer, shown again in the mail they answer
    now. One statement a hundred lines, each line
    its own ``EXISTS`` (a pattern with ``%`` and ``_`` escaped, as one query a line had)
    and its number the row that says it is held."""
    found: set[str] = set()
    for part in chunks(dict.fromkeys(lines), LINES_PER_STATEMENT):
        held = [
            select(literal(n)).where(
                exists().where(
                    Message.ticket_id == ticket_id,
                    Message.direction.in_(directions),
                    Message.text.contains(line, autoescape=True),
                )
            )
            for n, line in enumerate(part)
        ]
        asked = held[0] if len(held) == 1 else union_all(*held)
        found.update(part[n] for n in session.scalars(asked))
    return found


def customer_lines(session: Session, ticket_id: int, members: frozenset[str]) -> frozenset[str]:
    """The lines (stripped) of every mail on the ticket that a customer wrote or was
    sent: what a member may quote back to them above an answer. A notice to a member
    (its internal notes) is none of them."""
    rows = session.execute(
        select(Message.direction, Message.from_addr, Message.to, Message.new_text).where(
            Message.ticket_id == ticket_id
        )
    )
    found: set[str] = set()
    for direction, sender, to, text in rows:
        if direction == "in":
            ours = str(sender).lower() in members
        else:
            ours = not to or any(str(x).lower() in members for x in to)
        if not ours:
            found.update(line.strip() for line in str(text or "").split("\n"))
    found.discard("")
    return frozenset(found)
