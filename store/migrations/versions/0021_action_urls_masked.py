"""the secrets of webhook URLs recorded by older releases masked in place: the target of
action events (a signed URL's ``sig``, a ``token``, an ``api_key``, a password), the
URLs their errors quote in the events, the runs' rows, the gateway's failure notes and
the failure mails kept on the ticket and in the outbox (the bytes of one not sent yet
would carry them to the member); as the gateway masks what it records now

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import email
from collections.abc import Callable, Mapping
from email.charset import BASE64, QP, Charset
from email.message import Message
from email.policy import compat32
from typing import Any

import sqlalchemy as sa
from alembic import op

from gateway.core.tokens import mask_url_passwords, mask_url_passwords_in

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

BATCH = 500  # rows read at once: a table of millions of events is walked, never loaded

# the events that keep a run's target or error, and the keys of their detail that do
ACTION_EVENTS = ('action-queued', 'action-awaiting-approval', 'action-approved', 'action')
EVENT_KEYS = ('target', 'error', 'said')
NOTE_KEYS = ('text', 'said')  # the gateway's note on a run's end quotes its error

events = sa.table(
    'ticket_events',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('actor', sa.String),
    sa.column('channel', sa.String),
    sa.column('detail', sa.JSON),
)
runs = sa.table(
    'action_runs',
    sa.column('id', sa.Integer),
    sa.column('last_error', sa.Text),
    sa.column('last_error_said', sa.JSON),
)
messages = sa.table(
    'messages',
    sa.column('id', sa.Integer),
    sa.column('direction', sa.String),
    sa.column('kind', sa.String),
    sa.column('text', sa.Text),
    sa.column('new_text', sa.Text),
)

outbox = sa.table(
    'outbox',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('raw', sa.LargeBinary),
)
MAIL_BATCH = 50  # mails of a few KiB each, their bytes read at once
WIRE = compat32.clone(linesep='\r\n')  # as gateway.notify.compose writes them
BODY_ENCODINGS = {'base64': BASE64, 'quoted-printable': QP}  # else the charset's own


def _masked_keys(detail: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(detail, Mapping):
        return detail
    return {k: mask_url_passwords_in(v) if k in keys else v for k, v in detail.items()}


def _event_detail(row: sa.Row[Any]) -> dict[str, Any]:
    keys = NOTE_KEYS if row.kind == 'note' else EVENT_KEYS
    return {'detail': _masked_keys(row.detail, keys)}


def _run_error(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        'last_error': mask_url_passwords(row.last_error or ''),
        'last_error_said': mask_url_passwords_in(row.last_error_said),
    }


def _mail_text(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        'text': mask_url_passwords(row.text or ''),
        'new_text': mask_url_passwords(row.new_text or ''),
    }


def _masked_part(part: Message) -> bool:
    """A text part's words masked, written again in its charset and transfer encoding;
    False (and untouched) when they held no secret."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return False
    name = part.get_content_charset() or 'us-ascii'
    try:
        words = payload.decode(name)
    except (LookupError, UnicodeDecodeError):  # not ours to read: left as it is
        return False
    masked = mask_url_passwords(words)
    if masked == words:
        return False
    encoding = str(part.get('Content-Transfer-Encoding', '')).strip().lower()
    if encoding not in BODY_ENCODINGS:  # 7bit, 8bit: the lines' ends are the wire's
        masked = masked.replace('\r\n', '\n')
    charset = Charset(name)
    try:
        masked.encode(charset.output_charset or name)
    except (LookupError, UnicodeEncodeError):  # "…" in a us-ascii part: it becomes UTF-8
        charset = Charset('utf-8')
    charset.body_encoding = BODY_ENCODINGS.get(encoding, charset.body_encoding)
    whole = 'MIME-Version' in part  # the mail's own, not a part's
    del part['Content-Transfer-Encoding']
    part.set_payload(masked, charset)
    if not whole:
        del part['MIME-Version']  # set_payload's, which the part did not have
    return True


def _mail_bytes(row: sa.Row[Any]) -> dict[str, Any]:
    """The mail's text and HTML parts masked; its bytes as they were when none changed."""
    mail = email.message_from_bytes(bytes(row.raw), policy=compat32)
    changed = [
        _masked_part(part)
        for part in mail.walk()
        if not part.is_multipart() and part.get_content_maintype() == 'text'
    ]
    return {'raw': mail.as_bytes(policy=WIRE) if any(changed) else row.raw}


def _walk(
    table: sa.TableClause,
    columns: tuple[str, ...],
    which: sa.ColumnElement[bool],
    masked: Callable[[sa.Row[Any]], dict[str, Any]],
    batch: int = BATCH,
) -> None:
    """Each row of ``table`` that ``which`` picks, BATCH at a time in the order of its
    id: rewritten only where masking changed something (run again, it changes nothing)."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, *(table.c[c] for c in columns))
            .where(which, table.c.id > last)
            .order_by(table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            values = masked(row)
            if any(values[k] != getattr(row, k) for k in values):
                bind.execute(sa.update(table).where(table.c.id == row.id).values(**values))
        last = rows[-1].id


def upgrade() -> None:
    _walk(
        events,
        ('kind', 'detail'),
        sa.or_(
            events.c.kind.in_(ACTION_EVENTS),
            sa.and_(
                events.c.kind == 'note',
                events.c.actor == 'gateway',
                events.c.channel == 'system',
            ),
        ),
        _event_detail,
    )
    _walk(runs, ('last_error', 'last_error_said'), runs.c.last_error != '', _run_error)
    _walk(
        messages,
        ('text', 'new_text'),
        sa.and_(messages.c.direction == 'out', messages.c.kind == 'action_failed'),
        _mail_text,
    )
    _walk(
        outbox,
        ('raw',),
        sa.and_(outbox.c.kind == 'action_failed', sa.func.length(outbox.c.raw) > 0),
        _mail_bytes,
        MAIL_BATCH,
    )


def downgrade() -> None:
    pass  # what was masked is not known any more, and an older release reads it as it is
