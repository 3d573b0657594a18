"""``store.conversation.sent_before``: which of a member's inline comments a mail the
ticket sent already holds. It asked one query a line (up to 100 for one reply); now one
statement per hundred lines, on SQLite and PostgreSQL, with the same answer: a line is
matched as text, ``%``, ``_``, the escape character, quotes and backslashes meaning
themselves, Japanese as it is, and only in the ticket's own outgoing mail."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.runtime.app import App
from store import conversation
from store.db import transaction
from store.models import Message
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.statements import statements

SENT = (  # what the ticket's mails said, one text a mail
    "We are at 100% done.\nThe file_name.txt is attached.",
    'It\'s "quoted" here, and C:\\temp\\log holds the trace; a/b and 50/50.',
    "再起動しました。\nプリンタ（３階）は直りました。",
)
# lines whose wildcards or quotes, read as a pattern, would match what they do not say
HELD = [
    "100% done",
    "file_name",
    'It\'s "quoted"',
    "C:\\temp\\log",
    "a/b",
    "50/50",
    "再起動しました",
    "プリンタ（３階）",
    "%",
    "_",
]
NOT_HELD = [
    "50%",  # "%" as a wildcard matches "50/50"
    "file%txt",
    "a_b",  # "_" as one character matches "a/b"
    "100_ done",
    "It''s",
    "'quoted'",
    "C:\\\\temp",
    "a//b",
    "再起動しません",
    "only said to us",  # in a mail the ticket received
    "another ticket's words",  # in a mail another ticket sent
]


def _ticket(app: App, n: int, body: str) -> int:
    out = deliver(app, mail(subject=f"printer {n}", body=body, message_id=f"<s-{n}@c.test>"))
    assert out.ticket_id is not None
    return out.ticket_id


def _sent(s: Session, ticket_id: int, text: str, n: int, app: App) -> None:
    s.add(
        Message(
            ticket_id=ticket_id,
            direction="out",
            message_id=f"out-{ticket_id}-{n}@example.test",
            text=text,
            created_at=app.clock.now(),
        )
    )


def _ticket_with_mail(app: App) -> int:
    tid = _ticket(app, 1, "only said to us\n")
    other = _ticket(app, 2, "hello\n")
    with transaction(app.sessions) as s:
        for n, text in enumerate(SENT):
            _sent(s, tid, text, n, app)
        _sent(s, other, "another ticket's words", 0, app)
    return tid


def _one_by_one(s: Session, ticket_id: int, lines: Sequence[str]) -> set[str]:
    """The answer as the query a line gave it."""
    return {
        line
        for line in lines
        if s.execute(
            select(Message.id).where(
                Message.ticket_id == ticket_id,
                Message.direction == "out",
                Message.text.contains(line, autoescape=True),
            )
        ).first()
        is not None
    }


def test_the_lines_a_sent_mail_holds_in_one_statement(app: App) -> None:
    tid = _ticket_with_mail(app)
    lines = [*HELD, *NOT_HELD, *HELD[:3]]  # again: a line said twice is one answer
    with statements(app.engine, "messages") as seen, transaction(app.sessions) as s:
        found = conversation.sent_before(s, tid, lines)
    assert found == set(HELD)
    assert len(seen) == 1
    with transaction(app.sessions) as s:
        assert found == _one_by_one(s, tid, lines)


def test_many_lines_take_a_few_statements_and_keep_their_answers(app: App) -> None:
    """More lines than one statement asks (the caller reads 100 at most; a few hundred
    still answer right): every line of every sent text, and as many that are not."""
    tid = _ticket_with_mail(app)
    words = [w for text in SENT for w in text.replace("\n", " ").split(" ") if w]
    lines = [*words, *(f"{w}!{n}" for n in range(12) for w in words), *HELD, *NOT_HELD]
    assert 250 < len(set(lines)) <= 300
    with statements(app.engine, "messages") as seen, transaction(app.sessions) as s:
        found = conversation.sent_before(s, tid, lines)
    assert set(words) | set(HELD) <= found
    assert 1 < len(seen) <= 3
    with transaction(app.sessions) as s:
        assert found == _one_by_one(s, tid, lines)


def test_one_line_is_one_statement_and_none_asks_nothing(app: App) -> None:
    tid = _ticket_with_mail(app)
    with statements(app.engine, "messages") as seen, transaction(app.sessions) as s:
        assert conversation.sent_before(s, tid, []) == set()
        assert seen == []
        assert conversation.sent_before(s, tid, ["100% done"]) == {"100% done"}
        assert conversation.sent_before(s, tid, ["50%"]) == set()
    assert len(seen) == 2
