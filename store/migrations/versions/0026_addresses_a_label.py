"""the addresses older releases stored as a mail wrote them (``tanaka@例え.jp``, a root
dot, capitals) rewritten to the one form the gateway keeps and compares since
(:func:`gateway.core.domains.ascii_address`: ``tanaka@xn--r8jz45g.jp``), in every
column an address is looked up by; one person's two rows of a ticket (or of a rate
window, or of an overdue claim) merged into one, never a failed upgrade

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from gateway.core.domains import ascii_address

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

BATCH = 500  # rows read at once: a table of millions of events is walked, never loaded


def _table(name: str, *columns: tuple[str, sa.types.TypeEngine[Any]]) -> sa.TableClause:
    return sa.table(name, sa.column('id', sa.Integer), *(sa.column(n, t) for n, t in columns))


tickets = _table('tickets', ('requester', sa.String()), ('assignee', sa.String()))
events = _table('ticket_events', ('actor', sa.String()))
messages = _table('messages', ('from_addr', sa.String()), ('to', sa.JSON()), ('cc', sa.JSON()))
outbox = _table(
    'outbox',
    ('state', sa.String()),
    ('recipients', sa.JSON()),
    ('recipient', sa.String()),
    ('author', sa.String()),
)
runs = _table('action_runs', ('triggered_by', sa.String()))
web_sessions = _table('web_sessions', ('member', sa.String()))
links = _table('sign_in_links', ('member', sa.String()))
participants = _table(
    'participants', ('ticket_id', sa.Integer()), ('email', sa.String()), ('role', sa.String())
)
counters = _table(
    'rate_counters', ('key', sa.String()), ('window_start', sa.DateTime()), ('count', sa.Integer())
)
job_runs = _table(
    'job_runs',
    ('job', sa.String()),
    ('period', sa.String()),
    ('ran_at', sa.DateTime()),
    ('detail', sa.JSON()),
)

# a person on a ticket twice keeps the stronger of the two roles (the higher number)
ROLE_STRENGTH = {
    'requester': 4,  # opened the ticket: every answer and status mail is theirs
    'ops': 3,  # a member working on it
    'watcher': 2,  # asked to hear all the requester hears (a Cc who becomes one gains)
    'cc': 1,  # copied on a mail: may write in without a reply token
}
# the rate counters keyed by an address (gateway.web.signin, gateway.web.submit_count);
# the others are keyed by a client's address, a document or a token
ADDRESS_COUNTERS = ('sign-in-addr:', 'submit-addr:')
TOLD = 'overdue-told'  # period "<deadline key>>member" (gateway.scheduling.told)
OVERDUE = 'overdue'  # detail {"to": member}: who was told when it was recorded


def _one(value: Any) -> Any:
    """A stored address (or a list of them) in the one form; anything else as it is."""
    if isinstance(value, str):
        return ascii_address(value)
    if isinstance(value, list):
        return [_one(v) for v in value]
    return value


def _may_change(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """Rows whose value :func:`ascii_address` may rewrite, so a store of ASCII addresses
    is read by the index or the table scan, not row by row in Python: a non-ASCII
    character (or a JSON escape of one), a capital, or a root dot (before a JSON list's
    closing quote too). Never misses one; Python decides on what it lets through."""
    text = sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column
    if op.get_bind().dialect.name == 'sqlite':
        octets = sa.func.length(sa.cast(text, sa.LargeBinary))
    else:
        octets = sa.func.octet_length(text)
    return sa.or_(
        octets != sa.func.length(text),
        sa.func.lower(text) != text,
        text.like('%.'),
        text.like('%."%'),
        text.contains('\\u', autoescape=True),  # ESCAPE '/': PostgreSQL's LIKE escapes with \\
    )


def _walk(
    table: sa.TableClause,
    columns: tuple[str, ...],
    which: sa.ColumnElement[bool],
    each: Callable[[Sequence[sa.Row[Any]]], None],
) -> None:
    """The rows of ``table`` that ``which`` picks, handed to ``each`` BATCH at a time in
    the order of their id."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, *(table.c[c] for c in columns))
            .where(which, table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        each(rows)
        last = rows[-1].id


def _row_by_row(each: Callable[[sa.Row[Any]], None]) -> Callable[[Sequence[sa.Row[Any]]], None]:
    """A batch handled a row at a time (the small tables, where each row may merge)."""

    def batch(rows: Sequence[sa.Row[Any]]) -> None:
        for row in rows:
            each(row)

    return batch


def _write(table: sa.TableClause, changes: list[dict[str, Any]]) -> None:
    """Each of ``changes`` (``_id`` and the new values of the same columns) in one
    statement run for all of them: a row at a time cost a minute per 250 000 rows."""
    if not changes:
        return
    columns = [c for c in changes[0] if c != '_id']
    stmt = (
        sa.update(table)
        .where(table.c.id == sa.bindparam('_id'))
        .values({c: sa.bindparam(c, type_=table.c[c].type) for c in columns})
    )
    op.get_bind().execute(stmt, changes)


def _rewrite(table: sa.TableClause, *columns: str, where: Any = sa.true()) -> None:
    """``columns`` of ``table`` in the one form, a row written only where one changed
    (run again, it changes nothing); ``where`` narrows the rows (the outbox's unsent)."""

    def each(rows: Sequence[sa.Row[Any]]) -> None:
        changes = []
        for row in rows:
            values = {c: _one(getattr(row, c)) for c in columns}
            if any(values[c] != getattr(row, c) for c in columns):
                changes.append({'_id': row.id, **values})
        _write(table, changes)

    which = sa.or_(*(_may_change(table.c[c]) for c in columns))
    _walk(table, columns, sa.and_(where, which), each)


def _participants() -> None:
    """Each participant in the one form; one already there under it (the same person's
    later mail) is the same row: the earlier row stays, with the stronger role."""
    bind = op.get_bind()
    p = participants

    def each(rows: Sequence[sa.Row[Any]]) -> None:
        wanted = {row.id: ascii_address(row.email) for row in rows}
        moving = [row for row in rows if wanted[row.id] != row.email]
        if not moving:
            return
        # who is on these tickets under the new spellings already, asked once per batch
        held = {
            (r.ticket_id, r.email): (r.id, r.role)
            for r in bind.execute(
                sa.select(p.c.id, p.c.ticket_id, p.c.email, p.c.role).where(
                    p.c.ticket_id.in_({row.ticket_id for row in moving}),
                    p.c.email.in_({wanted[row.id] for row in moving}),
                )
            )
        }
        renames: list[dict[str, Any]] = []
        for row in moving:
            email, place = wanted[row.id], (row.ticket_id, wanted[row.id])
            if place not in held:
                renames.append({'_id': row.id, 'email': email})
                held[place] = (row.id, row.role)
                continue
            _write(p, renames)  # the rows merged below may be among them
            renames = []
            other_id, other_role = held[place]
            role = max(row.role, other_role, key=lambda r: ROLE_STRENGTH.get(r, 0))
            kept, gone = (other_id, row.id) if other_id < row.id else (row.id, other_id)
            bind.execute(sa.delete(p).where(p.c.id == gone))
            bind.execute(sa.update(p).where(p.c.id == kept).values(email=email, role=role))
            held[place] = (kept, role)
        _write(p, renames)

    _walk(p, ('ticket_id', 'email', 'role'), _may_change(p.c.email), each)


def _counters() -> None:
    """The rate counters keyed by an address under the one form; two of one window (one
    person asking under both spellings) are one, their counts added."""
    bind = op.get_bind()
    c = counters

    def each(row: sa.Row[Any]) -> None:
        prefix = next(p for p in ADDRESS_COUNTERS if row.key.startswith(p))
        key = prefix + ascii_address(row.key[len(prefix) :])
        if key == row.key:
            return
        other = bind.execute(
            sa.select(c.c.id, c.c.count).where(c.c.key == key, c.c.window_start == row.window_start)
        ).first()
        if other is None:
            bind.execute(sa.update(c).where(c.c.id == row.id).values(key=key))
            return
        bind.execute(sa.delete(c).where(c.c.id == row.id))
        total = other._mapping['count'] + row._mapping['count']  # Row.count is a method
        bind.execute(sa.update(c).where(c.c.id == other.id).values(count=total))

    which = sa.and_(
        sa.or_(*(c.c.key.startswith(p) for p in ADDRESS_COUNTERS)), _may_change(c.c.key)
    )
    _walk(c, ('key', 'window_start', 'count'), which, _row_by_row(each))


def _overdue_claims() -> None:
    """Whom an overdue deadline was told to, in the one form: the member the scheduler
    names now is the one told already, not told again. Two claims of one deadline for
    one person keep the earlier."""
    bind = op.get_bind()
    j = job_runs

    def told(row: sa.Row[Any]) -> None:
        key, sep, who = row.period.rpartition('>')
        period = f'{key}>{ascii_address(who)}'
        if not sep or period == row.period:
            return
        other = bind.execute(
            sa.select(j.c.id, j.c.ran_at).where(j.c.job == TOLD, j.c.period == period)
        ).first()
        if other is not None and other.ran_at <= row.ran_at:
            bind.execute(sa.delete(j).where(j.c.id == row.id))
            return
        if other is not None:
            bind.execute(sa.delete(j).where(j.c.id == other.id))
        bind.execute(sa.update(j).where(j.c.id == row.id).values(period=period))

    def recorded(row: sa.Row[Any]) -> None:
        detail = row.detail
        if not isinstance(detail, dict) or not isinstance(detail.get('to'), str):
            return
        to = ascii_address(detail['to'])
        if to != detail['to']:
            bind.execute(sa.update(j).where(j.c.id == row.id).values(detail={**detail, 'to': to}))

    told_ = sa.and_(j.c.job == TOLD, _may_change(j.c.period))
    _walk(j, ('period', 'ran_at'), told_, _row_by_row(told))
    recorded_ = sa.and_(j.c.job == OVERDUE, _may_change(j.c.detail))
    _walk(j, ('detail',), recorded_, _row_by_row(recorded))


def upgrade() -> None:
    _rewrite(tickets, 'requester', 'assignee')
    _participants()
    _rewrite(events, 'actor')  # the caps count a sender's events by it
    _rewrite(messages, 'from_addr', 'to', 'cc')  # the parsed heads; the bytes stay as sent
    _rewrite(outbox, 'recipient', 'author')  # the rate limit's key, who is told of a failure
    _rewrite(outbox, 'recipients', where=outbox.c.state != 'sent')  # sent: where it went
    _rewrite(runs, 'triggered_by')
    _rewrite(web_sessions, 'member')
    _rewrite(links, 'member')
    _counters()
    _overdue_claims()


def downgrade() -> None:
    pass  # every release reads the one form (the config has always kept the A-label)
